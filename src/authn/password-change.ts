import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashPassword } from '../users/password.ts';
import { checkNewPassword } from '../users/password-rules.ts';
import { setUserField } from '../users/users-file.ts';
import type { PortalDeps } from './deps.ts';
import { presentedDevice } from './device-cookie.ts';
import type { Client } from './lockout.ts';
import { auditFactor, type Signed } from './prove-factor.ts';
import { requestScope, setSessionCookie } from './session-cookie.ts';

/** What the account page says about a password change (one place, for the catalogues to come). */
export const PASSWORD_TEXT = {
  changed: 'Your password was changed.',
  othersEnded: '{count} other session(s) were signed out.',
  wrongCurrent: 'The current password is not correct.',
  differ: 'The two new passwords differ.',
  same: 'The new password must differ from the current one.',
  refused: 'The new password was not accepted: {reason}.',
  notHere: 'Your password is not managed here.',
} as const;

export type PasswordChange =
  | { readonly ok: true; readonly signed: Signed; readonly sessionsEnded: number }
  | {
      readonly ok: false;
      /** `bad_password`: the current one is wrong (or the account locked); `rejected`: the new one; `not_local`: no password here */
      readonly reason: 'bad_password' | 'rejected' | 'not_local';
      readonly error: string;
    };

/**
 * Changes the password of the signed-in user; the caller has checked that a second factor was
 * proven in the last 10 minutes. The current password is verified like a sign-in (a locked
 * account or browser fails alike; a wrong one counts towards the lockout and is audited). The
 * new one must meet the rules (users/password-rules.ts). Its argon2id hash is written to
 * users.yaml, which is reloaded; every other session of the user ends on every instance and
 * host, and this one moves to a new handle (any copy of its cookie stops working). Audited
 * (`password.changed`); the passwords never leave this function.
 */
export async function changePassword(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  s: Signed,
  form: { current: string; password: string; confirm: string },
): Promise<PasswordChange> {
  const state = request.pc.state;
  const user = s.user;
  if (user.passwordHash === undefined) return { ok: false, reason: 'not_local', error: PASSWORD_TEXT.notHere };
  const device = await presentedDevice(deps, request, user.name);
  const client: Client = { account: user.name, ip: request.pc.ip, device: device?.record.id ?? null };
  const locked = (await deps.lockout.lockedBy(client)) !== null;
  // verified even when locked: the same work, the same answer
  const ok = await deps.verifier().verify(locked ? undefined : user.passwordHash, form.current);
  if (!ok || locked) {
    const counted = await deps.lockout.recordFailure(client, 'password');
    for (const event of counted.events) auditFactor(deps, request, s, 'lockout', 'info', { ...event });
    auditFactor(deps, request, s, 'password.change.failure', 'failure', {
      reason: locked ? 'locked' : 'bad_password',
    });
    return { ok: false, reason: 'bad_password', error: PASSWORD_TEXT.wrongCurrent };
  }
  const problem =
    form.password !== form.confirm
      ? PASSWORD_TEXT.differ
      : form.password === form.current
        ? PASSWORD_TEXT.same
        : checkNewPassword(form.password, user);
  if (problem !== null) {
    auditFactor(deps, request, s, 'password.change.failure', 'failure', { reason: 'weak_password' });
    const error =
      problem === PASSWORD_TEXT.differ || problem === PASSWORD_TEXT.same
        ? problem
        : PASSWORD_TEXT.refused.replace('{reason}', problem);
    return { ok: false, reason: 'rejected', error };
  }
  await setUserField(state.files.usersPath, user.name, 'password', await hashPassword(form.password));
  await deps.reload();
  const sessionsEnded = await deps.sessions.revokeOthers(user.name, s.session.sid);
  const { id, session } = await deps.sessions.rehandle(s.session, requestScope(request));
  setSessionCookie(reply, deps.current(), id);
  auditFactor(deps, request, s, 'password.changed', 'success', { sessions_ended: sessionsEnded });
  return { ok: true, signed: { ...s, session, sessionId: id }, sessionsEnded };
}
