import type { FastifyReply, FastifyRequest } from 'fastify';
import { judgedOf } from './hand-over.ts';
import { type JudgeDeps, judge, type Outcome } from './judge.ts';
import { normalizePath } from './normalize-path.ts';
import { challenge, deny, refuse } from './respond.ts';
import { refuseUnavailable } from './session-lookup.ts';

/**
 * The per-request gate of every proxied request that Fastify serves: WebSocket upgrades, and
 * the requests the proxied path (proxy/proxied-path.ts) hands over with their outcome (a refusal,
 * a challenge, an upstream failure) to be answered here. Normalise the path -> judge (session,
 * policy, level) -> challenge, refuse, or let the request through with the identity headers the
 * judge computed. The path that was judged is the path that is forwarded, as the upstream reads
 * it (path parameters kept: see normalize-path.ts). A store that cannot be reached is a 503,
 * never a pass.
 */
export function makeGate(deps: JudgeDeps) {
  return async function gate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const pc = request.pc;
    const app = pc.app;
    const judged = judgedOf(request.raw);
    if (judged !== undefined) {
      const outcome = judged.outcome;
      if (outcome.kind === 'error') throw outcome.error;
      // (forward-auth decisions go to the forward-auth route, never through the gate)
      if (outcome.kind === 'authz') throw new Error('a forward-auth decision was handed to the gate');
      if (outcome.kind === 'upstream-failed')
        return outcome.status === 504
          ? refuse(request, reply, 504, 'gateway_timeout', 'errors.gatewayTimeout')
          : refuse(request, reply, 502, 'bad_gateway', 'errors.badGateway');
      return answer(request, reply, outcome);
    }
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

    const outcome = await judge(deps, request, app, {
      path: normal.path,
      forward: normal.forward,
      query: normal.query,
      method: request.method,
    });
    return answer(request, reply, outcome);
  };

  function answer(request: FastifyRequest, reply: FastifyReply, outcome: Outcome): FastifyReply | undefined {
    const pc = request.pc;
    switch (outcome.kind) {
      case 'unavailable':
        return refuseUnavailable(request, reply);
      case 'deny':
        return deny(request, reply);
      case 'sign-in':
        return challenge(request, reply, outcome.url);
      case 'step-up':
        return challenge(request, reply, outcome.url, outcome.level);
      case 'pass':
        if (request.headers.upgrade !== undefined && !pc.app?.websocket) {
          deps.metrics.observeRequest(pc.app?.name ?? '-', 'deny');
          return refuse(request, reply, 403, 'websocket_disabled', 'errors.websocketDisabled');
        }
        pc.upstreamHeaders = outcome.identity;
        pc.passed = true;
        deps.metrics.observeRequest(pc.app?.name ?? '-', outcome.identity === undefined ? 'allow' : 'authenticated');
        return undefined;
    }
  }
}
