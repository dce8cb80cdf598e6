import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import { deviceName } from '../context/device.ts';
import { lazyGeo, requestFacts } from '../context/request-facts.ts';
import type { Metrics } from '../observability/metrics.ts';
import { evaluate } from '../policy/evaluate.ts';
import { type Decision, type Level, type RequestFacts, riskNames } from '../policy/types.ts';
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

/** The request as judged: its normalised paths (gate/normalize-path.ts), query and method. */
export interface Target {
  /** what the policy judges (path parameters removed) */
  readonly path: string;
  /** what the upstream gets (path parameters kept): the page a challenge comes back to */
  readonly forward: string;
  readonly query: string;
  readonly method: string;
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
  target: Target,
): Promise<Outcome> {
  const pc = request.pc;
  const found = await readSession(request, reply, deps.sessions, deps.metrics);
  if (found === 'unavailable') return { kind: 'unavailable' };
  const { session, sessionId, user } = found;
  const now = deps.clock.now();
  const facts = requestFacts({
    host: pc.host,
    path: target.path,
    method: target.method,
    app: app.facts,
    user: user?.facts ?? null,
    ip: pc.ip,
    now,
    // parsed and looked up only if a condition asks
    userAgent: request.headers['user-agent'],
    geo: lazyGeo(pc.state.geo, pc.ip),
    session,
  });
  const decision = evaluate(pc.state.policy, facts);
  pc.decision = decision;
  if (decision.action === 'allow') return { kind: 'pass', identity: undefined };
  if (decision.action === 'deny') {
    record(deps, request, decision, facts, 'access.deny', 'deny', target);
    deps.metrics.observeRequest(app.name, 'deny');
    return { kind: 'deny' };
  }
  const portal = (page: 'login' | 'stepup') =>
    `${pc.state.publicUrl.origin}/.portcullis/${page}?rd=${encodeURIComponent(`${pc.origin}${target.forward}${target.query}`)}`;
  if (session === null || user === null || sessionId === undefined) {
    record(deps, request, decision, facts, 'access.challenge', 'challenge', target);
    deps.metrics.observeRequest(app.name, 'challenge');
    return { kind: 'sign-in', url: portal('login') };
  }
  if (!meetsRequirement(session, decision.require, now)) {
    record(deps, request, decision, facts, 'access.challenge', 'challenge', target);
    deps.metrics.observeRequest(app.name, 'challenge');
    return { kind: 'step-up', url: portal('stepup'), level: decision.require.level };
  }
  return { kind: 'pass', identity: identityHeaders(app, user, session, sessionId, deps.signer(), now) };
}

function record(
  deps: JudgeDeps,
  request: FastifyRequest,
  decision: Decision,
  facts: RequestFacts,
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
    country: facts.geo?.()?.country ?? null,
    device: facts.device ? deviceName(facts.device()) : null,
    app: pc.app?.name ?? null,
    rule: decision.rule?.name ?? null,
    detail: {
      reasons: decision.reasons,
      method: target.method,
      host: pc.host,
      path: target.path,
      ...(facts.risk ? { risk: riskNames(facts.risk) } : {}),
      ...(facts.trustedDevice ? { trusted_device: true } : {}),
    },
  });
}
