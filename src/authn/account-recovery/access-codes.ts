/**
 * Temporary access codes: what an administrator gives a user who lost their phone or key
 * (`portcullis access-code NAME`, `POST /api/v1/users/{name}/access-codes`). After the password,
 * the code lets the user do one thing: enrol a new second factor, which then raises the session.
 *
 * - Same shape and strength as a recovery code (12 characters, ~59 bits, `xxxx-xxxx-xxxx`) and
 *   the same forgiving input; stored only as a hash keyed per user (one user's code is worthless
 *   for another).
 * - One per user: a new code replaces the earlier one. Single use (the store takes it
 *   atomically), default 1 h, at most 24 h.
 * - Issuing one ends the user's sessions (whoever holds the lost device is signed out).
 * - Audited: `access_code.issued` (with who issued it), `access_code.used`,
 *   `access_code.expired` (an expired code presented, or swept by the gateway).
 *
 * Why here and not in `factors/`: an access code is an administrator's way back into an account,
 * not a second factor. It proves nothing the policy can ask for, never raises a session nor
 * appears among the ways of the step-up page; it only lets the user enrol a factor, and the
 * enrolment raises the session. So it is not in the list of factors (factors/index.ts) and the
 * sign-in flow does not loop over it; it sits beside the flow as the account's recovery path.
 */

import type { Clock } from '../../clock.ts';
import { sameText } from '../../crypto/same-text.ts';
import type { Random } from '../../random.ts';
import type { AccessCodeRecord, DurableStore } from '../../stores/durable.ts';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from '../factors/recovery/recovery-codes.ts';

export const ACCESS_CODE_DEFAULT_TTL_MS = 60 * 60_000;
export const ACCESS_CODE_MIN_TTL_MS = 5 * 60_000;
export const ACCESS_CODE_MAX_TTL_MS = 24 * 60 * 60_000;

const pepper = (user: string) => Buffer.from(`portcullis-access-code:${user}`);

/** Why a ttl is refused, or null when it is in 5 minutes .. 24 hours. */
export function accessCodeTtlProblem(ttlMs: number): string | null {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < ACCESS_CODE_MIN_TTL_MS) return 'the ttl must be at least 5m';
  if (ttlMs > ACCESS_CODE_MAX_TTL_MS) return 'the ttl must be at most 24h';
  return null;
}

export interface IssuedAccessCode {
  /** shown once to the administrator, never stored or logged */
  readonly code: string;
  readonly expiresAt: number;
  /** the user had an earlier code, now dead */
  readonly replaced: boolean;
}

/**
 * A new code for `user`, valid `ttlMs` (check it with accessCodeTtlProblem first). The caller
 * ends the user's sessions and audits `access_code.issued` (it knows who is asking).
 */
export async function issueAccessCode(
  deps: { durable: DurableStore; clock: Clock; random: Random },
  user: string,
  ttlMs: number,
  createdBy: string,
): Promise<IssuedAccessCode> {
  const problem = accessCodeTtlProblem(ttlMs);
  if (problem !== null) throw new RangeError(problem);
  const code = generateRecoveryCodes(deps.random, 1)[0] as string;
  const now = deps.clock.now();
  const expiresAt = now + ttlMs;
  const replaced = await deps.durable.putAccessCode({
    user,
    codeHash: hashRecoveryCode(code, pepper(user)),
    createdAt: now,
    expiresAt,
    createdBy,
  });
  return { code, expiresAt, replaced };
}

export type Redeemed =
  | { readonly ok: true; readonly code: AccessCodeRecord }
  /** not the shape of a code: nothing was looked up */
  | { readonly ok: false; readonly reason: 'malformed' }
  /** no code, or not this one */
  | { readonly ok: false; readonly reason: 'invalid' }
  /** this was the code, but it expired (it is removed now) */
  | { readonly ok: false; readonly reason: 'expired'; readonly code: AccessCodeRecord };

/** Uses the user's code if `input` is it and it is still valid (atomically: once). */
export async function redeemAccessCode(
  deps: { durable: DurableStore; clock: Clock },
  user: string,
  input: unknown,
): Promise<Redeemed> {
  const canonical = normalizeRecoveryCode(input);
  if (canonical === null) return { ok: false, reason: 'malformed' };
  const hash = hashRecoveryCode(canonical, pepper(user));
  const taken = await deps.durable.takeAccessCode(user, hash, deps.clock.now());
  if (taken !== null) return { ok: true, code: taken };
  const held = await deps.durable.findAccessCode(user);
  // the right code, too late: say so (the user asks for a new one) and clear it
  if (held !== null && sameText(held.codeHash, hash) && (await deps.durable.removeAccessCode(user)))
    return { ok: false, reason: 'expired', code: held };
  return { ok: false, reason: 'invalid' };
}
