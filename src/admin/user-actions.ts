/**
 * What an administrator does to a user, one function each, called by the command line and by the
 * admin API alike: ending the user's sessions, resetting their second factors, issuing an access
 * code. (Unlocking is Lockout.unlock.) The callers audit the action with who did it.
 */
import { type IssuedAccessCode, issueAccessCode } from '../authn/account-recovery/access-codes.ts';
import type { Clock } from '../clock.ts';
import type { Random } from '../random.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { DurableStore } from '../stores/durable.ts';

/** How many sessions ended at once, or 'marked' (they end at the gateways' next read of the mark). */
export type SessionsEnded = number | 'marked';

/**
 * Ends every session of `user` created until `now`: a mark in the durable store that every
 * running gateway reads within seconds (session/session-ends.ts), and, given the session store
 * the sessions live in (the running gateway's own, or a shared Redis), the sessions deleted at once.
 */
export async function endSessionsOf(
  durable: DurableStore,
  sessions: SessionStore | null,
  user: string,
  now: number,
): Promise<SessionsEnded> {
  await durable.endSessionsBefore(user, now);
  return sessions === null ? 'marked' : await sessions.revokeUser(user);
}

export interface MfaReset {
  readonly factorsRemoved: number;
  readonly devicesForgotten: number;
  readonly sessionsEnded: SessionsEnded;
}

/**
 * An administrator's recovery of a user who lost their device: every second factor removed,
 * the recovery codes voided, every device forgotten (the lost one may be trusted), and every
 * session ended through `endSessions` (a thief holding the phone and a session is out).
 */
export async function resetMfa(
  durable: DurableStore,
  user: string,
  now: number,
  endSessions: () => Promise<SessionsEnded>,
): Promise<MfaReset> {
  const factorsRemoved = await durable.removeAllFactors(user);
  await durable.replaceRecoveryCodes(user, [], now);
  const devicesForgotten = await durable.removeAllDevices(user);
  return { factorsRemoved, devicesForgotten, sessionsEnded: await endSessions() };
}

/** The audit detail of a reset. */
export function resetDetail(reset: MfaReset): Record<string, unknown> {
  return {
    factors_removed: reset.factorsRemoved,
    devices_forgotten: reset.devicesForgotten,
    sessions_ended: reset.sessionsEnded,
  };
}

export type AccessCodeGrant = IssuedAccessCode & { readonly sessionsEnded: SessionsEnded };

/**
 * A temporary access code for a user who lost their device (authn/access-codes.ts); the user's
 * sessions end, so whoever holds the lost device is signed out.
 */
export async function grantAccessCode(
  deps: { durable: DurableStore; clock: Clock; random: Random },
  user: string,
  ttlMs: number,
  by: string,
  endSessions: () => Promise<SessionsEnded>,
): Promise<AccessCodeGrant> {
  const issued = await issueAccessCode(deps, user, ttlMs, by);
  return { ...issued, sessionsEnded: await endSessions() };
}

/** The audit detail of an issued code (never the code). */
export function grantDetail(grant: AccessCodeGrant): Record<string, unknown> {
  return {
    expires_at: new Date(grant.expiresAt).toISOString(),
    replaced: grant.replaced,
    sessions_ended: grant.sessionsEnded,
  };
}

export interface DevicesForgotten {
  /** the names of the devices forgotten */
  readonly names: readonly string[];
  /** sessions signed in from them that ended; null when they live where this caller cannot reach */
  readonly sessionsEnded: number | null;
}

/**
 * Forgets one device of `user` (`which` is its id) or all of them: no longer trusted, a new device
 * at its next sign-in. The sessions signed in from them end through `sessions` when the caller
 * holds the store they live in (the running gateway's own, or a shared Redis). Null: the user has
 * no device with that id (nothing changed).
 */
export async function forgetDevices(
  durable: DurableStore,
  sessions: SessionStore | null,
  user: string,
  which: string | 'all',
): Promise<DevicesForgotten | null> {
  const devices = await durable.listDevices(user);
  let forgotten = devices;
  if (which === 'all') {
    await durable.removeAllDevices(user);
  } else {
    forgotten = devices.filter((d) => d.id === which);
    if (forgotten.length === 0 || !(await durable.removeDevice(user, which))) return null;
  }
  let ended: number | null = null;
  if (sessions !== null) {
    ended = 0;
    for (const d of forgotten) ended += await sessions.revokeDevice(user, d.id);
  }
  return { names: forgotten.map((d) => d.name), sessionsEnded: ended };
}

/** The audit detail of forgotten devices. */
export function forgetDetail(forgot: DevicesForgotten, all: boolean): Record<string, unknown> {
  // sessions_ended null: the sessions live in the memory of the running gateway, not ended from here
  return { devices: forgot.names, all, sessions_ended: forgot.sessionsEnded };
}
