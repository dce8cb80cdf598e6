import type { FastifyRequest } from 'fastify';
import type { Brand } from '../state.ts';

/**
 * Whose name and logo a page shows: the client's when the page is about one of its apps (served
 * on its host, or on the way to it through `rd`) or its user is signed in; otherwise the MSP's.
 */
export function brandFor(request: FastifyRequest): Brand {
  const pc = request.pc;
  const branding = pc.state.branding;
  let tenant = pc.app?.facts.tenant ?? pc.user?.tenant ?? null;
  if (tenant === null) {
    const rd =
      (request.query as { rd?: unknown } | undefined)?.rd ?? (request.body as { rd?: unknown } | undefined)?.rd;
    if (typeof rd === 'string' && rd.length <= 4096) {
      try {
        tenant = pc.state.hosts.lookupHostname(new URL(rd).hostname.toLowerCase())?.facts.tenant ?? null;
      } catch {
        tenant = null;
      }
    }
  }
  return (tenant !== null ? branding.tenants.get(tenant) : undefined) ?? branding.msp;
}
