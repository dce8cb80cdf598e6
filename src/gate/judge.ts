import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import { deviceName } from '../context/device.ts';
import { lazyGeo, requestFacts } from '../context/request-facts.ts';
import type { Metrics } from '../observability/metrics.ts';
import { evaluate } from '../policy/evaluate.ts';
import { type Decision, type Level, type RequestFacts, riskNames } from '../policy/types.ts';
import type { AssertionSigner } from '../proxy/assertion.ts';
import { meetsRequirement, type Session } from '../session/session.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { AppRuntime } from '../state.ts';
import { identityHeaders } from './identity-headers.ts';
import type { JudgedRequest } from './request-context.ts';
import { findSession } from './session-lookup.ts';

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
  /**
   * Forward-auth only: the method that method-override headers name, which the proxy in front passes on to
   * an upstream that may read it. Both methods are judged and the stricter decision holds.
   */
  readonly override?: string | undefined;
}

/** What the gate (inline proxy) and forward-auth do with a request. */
export type Outcome =
  /** the session store is down: the caller answers 503 (refuseUnavailable), never a pass */
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
  request: JudgedRequest,
  app: AppRuntime,
  target: Target,
): Promise<Outcome> {
  const pc = request.pc;
  const found = await findSession(request, deps.sessions, deps.metrics);
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
  let decision = evaluate(pc.state.policy, facts);
  if (target.override !== undefined && target.override !== target.method)
    decision = stricter(decision, evaluate(pc.state.policy, { ...facts, method: target.override }), session, now);
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

/**
 * Of two decisions on one request, the one that lets less through: a deny, else an authentication the
 * session does not meet yet (the other one is asked after it), else either authentication, else allow.
 */
function stricter(a: Decision, b: Decision, session: Session | null, now: number): Decision {
  if (a.action === 'deny') return a;
  if (b.action === 'deny') return b;
  if (a.action === 'allow') return b;
  if (b.action === 'allow' || session === null) return a;
  return meetsRequirement(session, a.require, now) ? b : a;
}

function record(
  deps: JudgeDeps,
  request: JudgedRequest,
  decision: Decision,
  facts: RequestFacts,
  event: string,
  outcome: 'deny' | 'challenge',
  target: Target,
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
    // the reference a refusal page shows, and the reqId of the request's log lines
    requestId: request.id,
    detail: {
      reasons: decision.reasons,
      method: target.method,
      ...(target.override !== undefined && target.override !== target.method
        ? { method_override: target.override }
        : {}),
      host: pc.host,
      path: target.path,
      ...(facts.risk ? { risk: riskNames(facts.risk) } : {}),
      ...(facts.trustedDevice ? { trusted_device: true } : {}),
    },
  });
}
