import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import { lazyDevice } from '../context/device.ts';
import type { Metrics } from '../observability/metrics.ts';
import { evaluate } from '../policy/evaluate.ts';
import type { Decision, Level } from '../policy/types.ts';
import type { AssertionSigner } from '../proxy/assertion.ts';
import { meetsRequirement } from '../session/session.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { AppRuntime } from '../state.ts';
import { identityHeaders } from './identity-headers.ts';
import { readSession } from './session-lookup.ts';

export interface JudgeDeps {
  readonly sessions: SessionStore;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly signer: () => AssertionSigner;
}

/** What the gate (inline proxy) and forward-auth do with a request. */
export type Outcome =
  /** a store is down: 503 was already sent */
  | { readonly kind: 'unavailable' }
  | { readonly kind: 'deny' }
  | { readonly kind: 'sign-in'; readonly url: string }
  | { readonly kind: 'step-up'; readonly url: string; readonly level: Level }
  /** identity: the headers for the upstream, or undefined for an allow rule */
  | { readonly kind: 'pass'; readonly identity: Record<string, string> | undefined };

/**
 * Judges one request already identified (request.pc: host, app, client) with a normalised
 * path: one session lookup, the compiled policy, the level check. Every deny and challenge is
 * audited and counted here. Starts from anonymous: only a session that loads and whose user
 * exists and is enabled raises it.
 */
export async function judge(
  deps: JudgeDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  app: AppRuntime,
  target: { readonly path: string; readonly query: string; readonly method: string },
): Promise<Outcome> {
  const pc = request.pc;
  const found = await readSession(request, reply, deps.sessions, deps.metrics);
  if (found === 'unavailable') return { kind: 'unavailable' };
  const { session, sessionId, user } = found;
  const now = deps.clock.now();
  const decision = evaluate(pc.state.policy, {
    host: pc.host,
    path: target.path,
    method: target.method,
    app: app.facts,
    user: user?.facts ?? null,
    ip: pc.ip,
    now,
    // parsed only if a devices condition asks
    device: lazyDevice(request.headers['user-agent']),
  });
  pc.decision = decision;
  if (decision.action === 'allow') return { kind: 'pass', identity: undefined };
  if (decision.action === 'deny') {
    record(deps, request, decision, 'access.deny', 'deny', target);
    deps.metrics.observeRequest(app.name, 'deny');
    return { kind: 'deny' };
  }
  const portal = (page: 'login' | 'stepup') =>
    `${pc.state.publicUrl.origin}/.portcullis/${page}?rd=${encodeURIComponent(`${pc.origin}${target.path}${target.query}`)}`;
  if (session === null || user === null || sessionId === undefined) {
    record(deps, request, decision, 'access.challenge', 'challenge', target);
    deps.metrics.observeRequest(app.name, 'challenge');
    return { kind: 'sign-in', url: portal('login') };
  }
  if (!meetsRequirement(session, decision.require, now)) {
    record(deps, request, decision, 'access.challenge', 'challenge', target);
    deps.metrics.observeRequest(app.name, 'challenge');
    return { kind: 'step-up', url: portal('stepup'), level: decision.require.level };
  }
  return { kind: 'pass', identity: identityHeaders(app, user, session, sessionId, deps.signer(), now) };
}

function record(
  deps: JudgeDeps,
  request: FastifyRequest,
  decision: Decision,
  event: string,
  outcome: 'deny' | 'challenge',
  target: { path: string; method: string },
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
    detail: { reasons: decision.reasons, method: target.method, host: pc.host, path: target.path },
  });
}
