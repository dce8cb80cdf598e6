import type { AuditLog } from '../audit/audit.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { GatewayState } from '../state.ts';
import { canonicalUsername } from '../users/canonical.ts';
import type { DirectoryUser } from '../users/directory.ts';
import type { PasswordVerifier } from '../users/password.ts';

export interface PasswordAttempt {
  readonly username: unknown;
  readonly password: unknown;
  readonly ip: string | null;
  readonly app: string | null;
}

/**
 * The password step, shared by the JSON API and the HTML form. An unknown user, a disabled
 * user, a user without a password and a wrong password all get the same answer after the
 * same work (a full argon2 verification). Every attempt is an audit event; the password never
 * leaves this function.
 */
export async function checkPassword(
  deps: { audit: AuditLog; metrics: Metrics; verifier: () => PasswordVerifier },
  state: GatewayState,
  attempt: PasswordAttempt,
): Promise<DirectoryUser | null> {
  const name = typeof attempt.username === 'string' ? canonicalUsername(attempt.username) : null;
  const password = typeof attempt.password === 'string' ? attempt.password : '';
  const user = name === null ? undefined : state.users.get(name);
  const ok = await deps.verifier().verify(user?.passwordHash, password);
  const success = ok && user !== undefined && !user.disabled;
  deps.metrics.observeLogin(success ? 'success' : 'failure');
  deps.audit.record({
    event: success ? 'login.success' : 'login.failure',
    outcome: success ? 'success' : 'failure',
    tenant: user?.tenant ?? null,
    user: name,
    ip: attempt.ip,
    country: null,
    device: null,
    app: attempt.app,
    rule: null,
    detail: {
      factor: 'password',
      ...(success ? {} : { reason: user === undefined ? 'unknown_user' : user.disabled ? 'disabled' : 'bad_password' }),
    },
  });
  return success ? (user ?? null) : null;
}
