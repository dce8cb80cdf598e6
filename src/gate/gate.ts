import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import type { Metrics } from '../observability/metrics.ts';
import { evaluate } from '../policy/evaluate.ts';
import type { Decision, RequestFacts } from '../policy/types.ts';
import type { AssertionSigner } from '../proxy/assertion.ts';
import { meetsRequirement } from '../session/session.ts';
import type { SessionStore } from '../session/session-store.ts';
import { identityHeaders } from './identity-headers.ts';
import { normalizePath } from './normalize-path.ts';
import { challenge, refuse } from './respond.ts';
import { readSession } from './session-lookup.ts';

export interface GateDeps {
  readonly sessions: SessionStore;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly signer: () => AssertionSigner;
}

function portalUrl(request: FastifyRequest, page: 'login' | 'stepup', path: string, query: string): string {
  const pc = request.pc;
  const rd = `${pc.origin}${path}${query}`;
  return `${pc.state.publicUrl.origin}/.portcullis/${page}?rd=${encodeURIComponent(rd)}`;
}

/**
 * The per-request gate of every proxied request (HTTP and WebSocket upgrade alike):
 * normalise the path -> look up the session -> evaluate the compiled policy -> challenge,
 * refuse, or let the request through with the identity headers computed here.
 * Any failure before a decision leaves the request unauthenticated; a store that cannot be
 * reached is a 503, never a pass.
 */
export function makeGate(deps: GateDeps) {
  return async function gate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const pc = request.pc;
    const app = pc.app;
    if (app === null) {
      deps.metrics.observeRequest('-', 'not_found');
      return refuse(request, reply, 404, 'not_found', 'There is nothing here.');
    }
    const normal = normalizePath(request.raw.url ?? '/');
    if (!normal.ok) {
      deps.metrics.observeRequest(app.name, 'bad_request');
      return refuse(request, reply, 400, 'bad_path', 'The request path is not acceptable.');
    }
    // the path that was judged is the path that is forwarded
    request.raw.url = normal.path + normal.query;

    const found = await readSession(request, reply, deps.sessions, deps.metrics);
    if (found === 'unavailable') return reply;
    const { session, sessionId, user } = found;

    const facts: RequestFacts = {
      host: pc.host,
      path: normal.path,
      method: request.method,
      app: app.facts,
      user: user?.facts ?? null,
      ip: pc.ip,
    };
    const decision = evaluate(pc.state.policy, facts);
    pc.decision = decision;

    if (decision.action === 'deny') {
      record(deps, request, decision, 'access.deny', 'deny', normal.path);
      deps.metrics.observeRequest(app.name, 'deny');
      return refuse(request, reply, 403, 'access_denied', 'You do not have access to this page.');
    }
    if (decision.action === 'authenticate') {
      if (session === null || user === null || sessionId === undefined) {
        record(deps, request, decision, 'access.challenge', 'challenge', normal.path);
        deps.metrics.observeRequest(app.name, 'challenge');
        return challenge(request, reply, portalUrl(request, 'login', normal.path, normal.query));
      }
      const now = deps.clock.now();
      if (!meetsRequirement(session, decision.require, now)) {
        record(deps, request, decision, 'access.challenge', 'challenge', normal.path);
        deps.metrics.observeRequest(app.name, 'challenge');
        return challenge(
          request,
          reply,
          portalUrl(request, 'stepup', normal.path, normal.query),
          decision.require.level,
        );
      }
      pc.upstreamHeaders = identityHeaders(app, user, session, sessionId, deps.signer(), now);
    }
    if (request.headers.upgrade !== undefined && !app.websocket) {
      deps.metrics.observeRequest(app.name, 'deny');
      return refuse(request, reply, 403, 'websocket_disabled', 'WebSocket is not enabled for this application.');
    }
    deps.metrics.observeRequest(app.name, decision.action === 'allow' ? 'allow' : 'authenticated');
    return undefined;
  };
}

function record(
  deps: GateDeps,
  request: FastifyRequest,
  decision: Decision,
  event: string,
  outcome: 'deny' | 'challenge',
  path: string,
): void {
  const pc = request.pc;
  deps.audit.record({
    event,
    outcome,
    tenant: pc.app?.facts.tenant ?? null,
    user: pc.user?.name ?? null,
    ip: pc.ip,
    country: null,
    device: null,
    app: pc.app?.name ?? null,
    rule: decision.rule?.name ?? null,
    detail: { reasons: decision.reasons, method: request.method, host: pc.host, path },
  });
}
