import type { AuditLog } from '../audit/audit.ts';
import { auditWhere } from '../audit/where.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { GatewayState } from '../state.ts';
import { canonicalUsername } from '../users/canonical.ts';
import type { DirectoryUser } from '../users/directory.ts';
import type { PasswordVerifier } from '../users/password.ts';
import type { Lockout } from './lockout.ts';

export interface PasswordAttempt {
  readonly username: unknown;
  readonly password: unknown;
  readonly ip: string | null;
  readonly app: string | null;
  /** for the audit trail's device name */
  readonly userAgent?: string | undefined;
}

/**
 * The password step, shared by the JSON API and the HTML form. An unknown user, a disabled
 * user, a user without a password, a locked account and a wrong password all get the same
 * answer after the same work (a full argon2 verification). Failures count towards the account
 * and IP lockout; every attempt is an audit event; the password never leaves this function.
 * A store that is down rejects (503 upstream of here): never a pass. The caller clears the
 * failure count (lockout.recordSuccess) only once the whole sign-in succeeded.
 */
export async function checkPassword(
  deps: { audit: AuditLog; metrics: Metrics; verifier: () => PasswordVerifier; lockout: Lockout },
  state: GatewayState,
  attempt: PasswordAttempt,
): Promise<DirectoryUser | null> {
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
      app: attempt.app,
      rule: null,
      detail,
    });
  const locked = await deps.lockout.isLocked(typed, attempt.ip);
  // the verification runs even when locked: a locked account costs the same time as any other
  const ok = await deps.verifier().verify(locked ? undefined : user?.passwordHash, password);
  const success = ok && !locked && user !== undefined && !user.disabled;
  let reason: string | undefined;
  if (!success) {
    reason = locked ? 'locked' : user === undefined ? 'unknown_user' : user.disabled ? 'disabled' : 'bad_password';
    const counted = await deps.lockout.recordFailure(typed, attempt.ip, 'password');
    if (counted.locked || counted.ipLocked) {
      audit('lockout', 'info', {
        account_locked: counted.locked,
        ip_locked: counted.ipLocked,
        failures: counted.failures,
      });
    }
  }
  deps.metrics.observeLogin(success ? 'success' : 'failure');
  audit(success ? 'login.success' : 'login.failure', success ? 'success' : 'failure', {
    factor: 'password',
    ...(reason ? { reason } : {}),
  });
  return success ? (user ?? null) : null;
}
