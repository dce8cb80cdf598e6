import type { FastifyReply, FastifyRequest } from 'fastify';
import { type JudgeDeps, judge } from './judge.ts';
import { normalizePath } from './normalize-path.ts';
import { challenge, deny, refuse } from './respond.ts';

/**
 * The per-request gate of every proxied request (HTTP and WebSocket upgrade alike):
 * normalise the path -> judge (session, policy, level) -> challenge, refuse, or let the
 * request through with the identity headers the judge computed. The path that was judged is
 * the path that is forwarded, as the upstream reads it (path parameters kept: see
 * normalize-path.ts). A store that cannot be reached is a 503, never a pass.
 */
export function makeGate(deps: JudgeDeps) {
  return async function gate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const pc = request.pc;
    const app = pc.app;
    if (app === null) {
      deps.metrics.observeRequest('-', 'not_found');
      return refuse(request, reply, 404, 'not_found', 'errors.notFound');
    }
    const normal = normalizePath(request.raw.url ?? '/');
    if (!normal.ok) {
      deps.metrics.observeRequest(app.name, 'bad_request');
      return refuse(request, reply, 400, 'bad_path', 'errors.badPath');
    }
    request.raw.url = normal.forward + normal.query;

    const outcome = await judge(deps, request, reply, app, {
      path: normal.path,
      forward: normal.forward,
      query: normal.query,
      method: request.method,
    });
    switch (outcome.kind) {
      case 'unavailable':
        return reply;
      case 'deny':
        return deny(request, reply);
      case 'sign-in':
        return challenge(request, reply, outcome.url);
      case 'step-up':
        return challenge(request, reply, outcome.url, outcome.level);
      case 'pass':
        if (request.headers.upgrade !== undefined && !app.websocket) {
          deps.metrics.observeRequest(app.name, 'deny');
          return refuse(request, reply, 403, 'websocket_disabled', 'errors.websocketDisabled');
        }
        pc.upstreamHeaders = outcome.identity;
        deps.metrics.observeRequest(app.name, outcome.identity === undefined ? 'allow' : 'authenticated');
        return undefined;
    }
  };
}
