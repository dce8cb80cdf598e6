import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AuthzDecision, decideAuthz, type LoginAnswer, passHeaders } from '../gate/authz-decision.ts';
import { judgedOf } from '../gate/hand-over.ts';
import type { JudgeDeps } from '../gate/judge.ts';
import { deny } from '../gate/respond.ts';
import { refuseUnavailable } from '../gate/session-lookup.ts';

function loginAnswer(query: unknown): LoginAnswer | null {
  const value = (query as Record<string, unknown> | undefined)?.login;
  if (value === undefined || value === 'status') return 'status';
  return value === 'redirect' ? 'redirect' : null;
}

/** Forward-auth's refusals: always 403 (nginx `auth_request` passes on only 401 and 403), with the request id. */
function refused(request: FastifyRequest, reply: FastifyReply, error: string, message: string): FastifyReply {
  request.log.info({ req: request, status: 403, error }, 'request refused');
  return reply.code(403).send({ error, message, request_id: request.id });
}

/**
 * Forward-auth for an nginx (auth_request), Traefik (forwardAuth) or Caddy (forward_auth) in
 * front: `GET /.portcullis/authz` judges the URL the proxy describes (gate/authz-decision.ts) and
 * answers 200 with the identity headers for the proxy to copy upstream, 401 with `Location` of the
 * sign-in (or step-up) page, or 403. The proxied path (proxy/proxied-path.ts) decides the common
 * questions itself and answers a pass without Fastify; anything else it hands over with its
 * decision, which is answered here without judging again.
 *
 * The 200 has no body: nginx never reads an auth answer's body and closes the connection instead, so a
 * body would cost it its keep-alive connection.
 */
export function forwardAuthRoutes(deps: JudgeDeps) {
  return async function forwardAuth(app: FastifyInstance): Promise<void> {
    app.get('/authz', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const handed = judgedOf(request.raw)?.outcome;
      if (handed?.kind === 'error') throw handed.error;
      const decision =
        handed?.kind === 'authz' ? handed.decision : await decideAuthz(deps, request, loginAnswer(request.query));
      return answer(request, reply, decision);
    });
  };

  function answer(request: FastifyRequest, reply: FastifyReply, decision: AuthzDecision): FastifyReply {
    if (decision.kind === 'refused') return refused(request, reply, decision.error, decision.message);
    const { outcome, app, url, navigation } = decision;
    switch (outcome.kind) {
      case 'unavailable':
        return refuseUnavailable(request, reply);
      case 'deny':
        if (navigation) return deny(request, reply, { url, html: true });
        return refused(request, reply, 'access_denied', 'You do not have access to this page.');
      case 'sign-in':
      case 'step-up':
        if (navigation) return reply.redirect(outcome.url, 302);
        return reply
          .code(401)
          .header('location', outcome.url)
          .send({ error: 'authentication_required', login_url: outcome.url });
      case 'pass':
        deps.metrics.observeRequest(app.name, outcome.identity === undefined ? 'allow' : 'authenticated');
        return reply.code(200).headers(passHeaders(app, outcome.identity)).send();
    }
  }
}
