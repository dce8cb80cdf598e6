import type { FastifyRequest } from 'fastify';
import type { AuditLog } from '../../../audit/audit.ts';
import { auditWhere } from '../../../audit/where.ts';
import type { Devices } from '../../../devices/devices.ts';
import type { Metrics } from '../../../observability/metrics.ts';
import { cookieValue } from '../../../session/cookies.ts';
import type { GatewayState } from '../../../state.ts';
import { canonicalUsername } from '../../../users/canonical.ts';
import type { DirectoryUser } from '../../../users/directory.ts';
import type { PasswordVerifier } from '../../../users/password.ts';
import type { PageText } from '../../../web/html.ts';
import { messagesFor } from '../../../web/i18n/messages.ts';
import { pluralForm } from '../../../web/i18n/plural.ts';
import type { Client, Lockout } from '../../lockout.ts';

export interface PasswordAttempt {
  readonly username: unknown;
  readonly password: unknown;
  readonly ip: string | null;
  readonly app: string | null;
  /** for the audit trail's device name */
  readonly userAgent?: string | undefined;
  /** the device cookie the client sent, if any: it counts only when it opens for the named user */
  readonly deviceCookie?: string | undefined;
  /** the request's id, for the audit trail */
  readonly requestId: string | null;
}

export type PasswordResult =
  | { readonly status: 'ok'; readonly user: DirectoryUser }
  /** one answer for an unknown, disabled or locked account and a wrong password */
  | { readonly status: 'refused' }
  /** the client's address is throttled: nothing was checked; the same whatever the name */
  | { readonly status: 'throttled'; readonly retryAfterMs: number };

/** The password attempt of a sign-in request (the JSON API and the form alike). */
export function passwordAttempt(
  request: FastifyRequest,
  body: { username: string; password: string },
): PasswordAttempt {
  return {
    username: body.username,
    password: body.password,
    ip: request.pc.ip,
    app: request.pc.app?.name ?? null,
    userAgent: request.headers['user-agent'],
    deviceCookie: cookieValue(request.headers.cookie, request.pc.state.session.deviceCookieName),
    requestId: request.id,
  };
}

/**
 * The password step, shared by the JSON API and the HTML form.
 *
 * First the address throttle: a client without a valid device cookie of the named account, at
 * a throttled address, is told to wait, before anything about the account is looked at (the
 * answer and its timing are the same for every name). Then an unknown user, a disabled user, a
 * user without a password, a locked account (or locked browser) and a wrong password all get the
 * same answer after the same work (a full argon2 verification). Failures count towards the
 * lockout (lockout.ts); every attempt is an audit event; the password never leaves this
 * function. A store that is down rejects (503 upstream of here): never a pass. The completed
 * sign-in clears the failure count (sign-in.ts), never the password step alone.
 */
export async function checkPassword(
  deps: { audit: AuditLog; metrics: Metrics; verifier: () => PasswordVerifier; lockout: Lockout; devices: Devices },
  state: GatewayState,
  attempt: PasswordAttempt,
): Promise<PasswordResult> {
  const typed = typeof attempt.username === 'string' ? attempt.username : '';
  const name = canonicalUsername(typed);
  const password = typeof attempt.password === 'string' ? attempt.password : '';
  const user = name === null ? undefined : state.users.get(name);
  const audit = (event: string, outcome: 'success' | 'failure' | 'info', detail: Record<string, unknown>) =>
    deps.audit.record({
      event,
      outcome,
      tenant: user?.tenant ?? null,
      user: name,
      ...auditWhere(state, attempt.ip, attempt.userAgent),
      requestId: attempt.requestId,
      app: attempt.app,
      rule: null,
      detail,
    });
  const known = name === null ? null : await deps.devices.recognise(attempt.deviceCookie, name);
  const client: Client = { account: typed, ip: attempt.ip, device: known?.record.id ?? null };
  const [waitMs, lockedBy] = await Promise.all([deps.lockout.throttledFor(client), deps.lockout.lockedBy(client)]);

  if (waitMs !== null) {
    // only the address is charged: the attempt guessed nothing about the account
    const counted = await deps.lockout.recordFailure({ account: null, ip: attempt.ip, device: null }, 'password');
    for (const event of counted.events) audit('lockout', 'info', { ...event });
    deps.metrics.observeLogin('throttled');
    audit('login.failure', 'failure', {
      factor: 'password',
      reason: 'throttled',
      retry_after: retryAfterSeconds(waitMs),
    });
    return { status: 'throttled', retryAfterMs: waitMs };
  }

  const locked = lockedBy !== null;
  // the verification runs even when locked: a locked account costs the same time as any other
  const ok = await deps.verifier().verify(locked ? undefined : user?.passwordHash, password);
  const success = ok && !locked && user !== undefined && !user.disabled;
  let reason: Record<string, unknown> = {};
  if (!success) {
    reason = locked
      ? { reason: 'locked', locked_by: lockedBy }
      : { reason: user === undefined ? 'unknown_user' : user.disabled ? 'disabled' : 'bad_password' };
    const counted = await deps.lockout.recordFailure(client, 'password');
    for (const event of counted.events) audit('lockout', 'info', { ...event });
  }
  deps.metrics.observeLogin(success ? 'success' : 'failure');
  audit(success ? 'login.success' : 'login.failure', success ? 'success' : 'failure', {
    factor: 'password',
    ...reason,
  });
  return success && user !== undefined ? { status: 'ok', user } : { status: 'refused' };
}

/** The Retry-After of a throttled answer: whole seconds, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** The language a message is written in when no page asks for another (the JSON API, the logs). */
type Words = Pick<PageText, 'locale' | 't'>;
const ENGLISH: Words = { locale: 'en', t: messagesFor('en') };

/** A wait for people: minutes, or hours from two hours on, rounded up; in the page's language. */
export function waitText(ms: number, text: Words = ENGLISH): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  if (minutes < 120) return text.t(`common.duration.minute.${pluralForm(text.locale, minutes)}`, { count: minutes });
  const hours = Math.ceil(minutes / 60);
  return text.t(`common.duration.hour.${pluralForm(text.locale, hours)}`, { count: hours });
}

/** What a client at a throttled address is told (the API's `message`, the sign-in page's error). */
export function throttledMessage(ms: number, text: Words = ENGLISH): string {
  return text.t('login.error.throttled', { wait: waitText(ms, text) });
}

/**
 * What the sign-in page says after any failed password, alike for every cause: a hint that
 * sign-in pauses after repeated failures, so that people stop retyping, without saying whether
 * this account is paused.
 */
export function refusedMessage(state: GatewayState, text: Words = ENGLISH): string {
  return text.t('login.error.invalid', { wait: waitText(state.lockout.durationMs, text) });
}
