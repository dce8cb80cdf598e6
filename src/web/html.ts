import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Brand } from '../state.ts';

/** The brand line every page starts with; sendPage puts the request's brand in its place. */
const BRAND_SLOT = '<p class="brand">Portcullis</p>';

/** Escapes text for HTML element content and double-quoted attributes. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Headers every portal page carries: strict CSP (no inline script or style, no CDN; the page's
 * scripts may call the portal's own API), no framing. The referrer is the origin at most:
 * browsers send `Origin: null` on the POSTs of a `no-referrer` page, and the CSRF check (forms,
 * the JSON API, the single sign-on hand-off) needs the real origin.
 */
export function pageSecurityHeaders(formAction = "'self'"): Record<string, string> {
  return {
    'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin',
    'cache-control': 'no-store',
  };
}

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

function brandLine(brand: Brand): string {
  const logo = brand.logo ? `<img src="/.portcullis/brand/${esc(brand.logo.key)}" alt="" class="logo">` : '';
  return `<p class="brand">${logo}${esc(brand.name)}</p>`;
}

/** Sends a portal page with the security headers and the request's brand. */
export function sendPage(reply: FastifyReply, body: string, status = 200, formAction?: string): FastifyReply {
  const branded = body.replace(BRAND_SLOT, brandLine(brandFor(reply.request)));
  return reply.code(status).headers(pageSecurityHeaders(formAction)).type('text/html; charset=utf-8').send(branded);
}

/** The page frame shared by every portal page; `wide`: a wider card on large screens (tables). */
export function layout(
  title: string,
  body: string,
  opts: { script?: string; scripts?: readonly string[]; wide?: boolean } = {},
): string {
  const scripts = [...(opts.scripts ?? []), ...(opts.script ? [opts.script] : [])];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(title)} · Portcullis</title>
<link rel="stylesheet" href="/.portcullis/static/portal.css">
${scripts.map((s) => `<script src="/.portcullis/static/${esc(s)}" defer></script>`).join('\n')}
</head>
<body>
<main class="card${opts.wide ? ' wide' : ''}">
${BRAND_SLOT}
${body}
</main>
</body>
</html>
`;
}
