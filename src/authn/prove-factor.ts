import type { FastifyReply, FastifyRequest } from 'fastify';
import { auditFrom } from '../audit/where.ts';
import { type FoundSession, readSession } from '../gate/session-lookup.ts';
import type { FactorName } from '../session/session.ts';
import type { PortalDeps } from './deps.ts';
import { presentedDevice } from './device-cookie.ts';
import { FACTORS, type ProofMethod } from './factors/index.ts';
import type { Client, FailureKind } from './lockout.ts';
import { rememberMethod } from './method-choice.ts';
import { requestScope, setSessionCookie } from './session-cookie.ts';
import { recordSignIn } from './sign-in.ts';

export type Signed = FoundSession & {
  session: NonNullable<FoundSession['session']>;
  user: NonNullable<FoundSession['user']>;
  sessionId: string;
};

/** The signed-in session of the request, or null (503 already sent when the store is down). */
export async function signedIn(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Signed | null | 'unavailable'> {
  const found = await readSession(request, reply, deps.sessions, deps.metrics);
  if (found === 'unavailable') return 'unavailable';
  if (found.session === null || found.user === null || found.sessionId === undefined) return null;
  return found as Signed;
}

/**
 * The one way a session rises: record the factor, move to a new id, set the cookie. A proven
 * factor completes a sign-in: the device and the history are recorded (sign-in.ts). Returns the
 * risen session (the old id no longer works), for what the caller does next with it.
 */
export async function raiseSession(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  s: Signed,
  factor: FactorName | readonly FactorName[],
): Promise<Signed> {
  const device = await recordSignIn(deps, request, reply, s.user);
  const change = s.session.device === device ? {} : { device, trusted: false };
  const { id, session } = await deps.sessions.raise(s.sessionId, s.session, factor, requestScope(request), change);
  setSessionCookie(reply, request.pc.state, id);
  return { session, sessionId: id, user: s.user };
}

export function auditFactor(
  deps: PortalDeps,
  request: FastifyRequest,
  s: Signed,
  event: string,
  outcome: 'success' | 'failure' | 'info' | 'alert',
  detail: Record<string, unknown>,
): void {
  deps.audit.record({
    event,
    outcome,
    tenant: s.user.tenant,
    user: s.user.name,
    ...auditFrom(request),
    app: request.pc.app?.name ?? null,
    rule: null,
    detail,
  });
}

/**
 * The one "prove a second factor" path, for every factor kind and for the JSON API and the
 * pages alike: lockout first (a locked account, or a locked browser, fails like a wrong code),
 * then the proof, then the failure count (the browser's when it holds a device cookie of the
 * user, else the account's, and the address's) or the rise of the session, which clears the
 * count (sign-in.ts). The address throttle guards the password step, not this one: the session
 * already proved the password of this very account. Every outcome is audited. On success,
 * `signed` is the risen session (never sent to the client: its id is the new cookie).
 */
export async function proveFactor(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  s: Signed,
  kind: ProofMethod,
  prove: () => Promise<{ ok: boolean; reason?: string; remaining?: number; proves?: readonly FactorName[] }>,
): Promise<{ ok: false } | { ok: true; signed: Signed; remaining?: number }> {
  const client = await lockoutClient(deps, request, s);
  const locked = (await deps.lockout.lockedBy(client)) !== null;
  const result: { ok: boolean; reason?: string; remaining?: number; proves?: readonly FactorName[] } = locked
    ? { ok: false, reason: 'locked' }
    : await prove();
  if (!result.ok) {
    await countFailure(deps, request, s, client, kind, `mfa.${kind}.failure`, result.reason ?? 'invalid');
    return { ok: false };
  }
  const signed = await raiseSession(deps, request, reply, s, result.proves ?? kind);
  rememberMethod(reply, request.pc.state.session.secure, kind);
  auditFactor(
    deps,
    request,
    s,
    `mfa.${kind}.success`,
    'success',
    result.remaining === undefined ? {} : { remaining: result.remaining },
  );
  deps.metrics.observeLogin('success');
  return result.remaining === undefined ? { ok: true, signed } : { ok: true, signed, remaining: result.remaining };
}

/** Who the lockout charges for a failure after the password: the browser with a device cookie of the user, else the account. */
export async function lockoutClient(deps: PortalDeps, request: FastifyRequest, s: Signed): Promise<Client> {
  const device = await presentedDevice(deps, request, s.user.name);
  return { account: s.user.name, ip: request.pc.ip, device: device?.record.id ?? null };
}

/** A failed proof after the password: counted towards the lockout and audited (`event`, with the lockout's own events). */
export async function countFailure(
  deps: PortalDeps,
  request: FastifyRequest,
  s: Signed,
  client: Client,
  kind: FailureKind,
  event: string,
  reason: string,
): Promise<void> {
  const counted = await deps.lockout.recordFailure(client, kind);
  for (const e of counted.events) auditFactor(deps, request, s, 'lockout', 'info', { ...e });
  auditFactor(deps, request, s, event, 'failure', { reason });
  deps.metrics.observeLogin('failure');
}

/**
 * Whether the session may enrol a(nother) second factor: the user holds none yet, proved one in
 * the last 10 minutes, or must enrol before anything else (`enrol`: set-up, invite, or an
 * administrator's access code after a lost device).
 */
export function mayEnrol(s: Signed, held: number, now: number): boolean {
  return held === 0 || s.session.enrol === true || hasFreshSecondFactor(s, now);
}

/** Adding a factor next to existing ones needs a second factor proven this recently. */
export const FRESH_MFA_MS = 10 * 60_000;

/** Whether a second factor of the list (factors/index.ts) was proven in the last 10 minutes. */
export function hasFreshSecondFactor(s: Signed, now: number): boolean {
  const f = s.session.factors;
  return now - Math.max(0, ...FACTORS.map((factor) => f[factor.method] ?? 0)) <= FRESH_MFA_MS;
}
