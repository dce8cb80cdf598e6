import type { FastifyInstance } from 'fastify';
import { Type } from '../json-schema.ts';
import { pageText } from '../web/html.ts';
import { handoffKey } from './continue-to.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import { defaultRedirect, safeRedirect } from './redirect.ts';
import { requestScope, setSessionCookie } from './session-cookie.ts';

const HandoffForm = Type.Object(
  { code: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }), rd: Type.String({ maxLength: 4096 }) },
  { additionalProperties: false },
);

/**
 * Single sign-on across hosts whose cookies cannot be shared: the portal POSTs a one-time
 * code (60 s, single use, bound to this host) that this host exchanges for its own cookie on
 * the same session. The POST must come from the portal's origin.
 */
export function ssoRoutes(deps: PortalDeps) {
  return async function sso(app: FastifyInstance): Promise<void> {
    const fromPortal = csrfGuard('form', (request) => request.pc.state.publicUrl.origin);
    app.post('/sso', { onRequest: fromPortal, schema: { body: HandoffForm } }, async (request, reply) => {
      const { code, rd } = request.body as { code: string; rd: string };
      const state = request.pc.state;
      const raw = await deps.ephemeral.take(handoffKey(code));
      const grant = raw ? (JSON.parse(raw) as { sid: string; host: string }) : null;
      const handled =
        grant && grant.host === request.pc.host ? await deps.sessions.attach(grant.sid, requestScope(request)) : null;
      if (handled === null) {
        return reply
          .code(403)
          .header('cache-control', 'no-store')
          .send({ error: 'invalid_handoff', message: pageText(request).t('errors.invalidHandoff') });
      }
      setSessionCookie(reply, state, handled.id);
      const target = safeRedirect(rd, state, request.pc.origin);
      const sameHost = target !== null && new URL(target).hostname.toLowerCase() === request.pc.host;
      return reply.header('cache-control', 'no-store').redirect(sameHost ? target : defaultRedirect(state), 303);
    });
  };
}
