import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashPassword } from '../../../users/password.ts';
import { type NewPasswordRule, newPasswordRuleBroken } from '../../../users/password-rules.ts';
import { setUserField } from '../../../users/users-file.ts';
import type { PageText } from '../../../web/html.ts';
import type { MessageKey } from '../../../web/i18n/messages.ts';
import { passwordRuleText } from '../../../web/pages/password-rule-text.ts';
import type { PortalDeps } from '../../deps.ts';
import { presentedDevice } from '../../device-cookie.ts';
import type { Client } from '../../lockout.ts';
import { auditFactor, type Signed } from '../../prove-factor.ts';
import { requestScope, setSessionCookie } from '../../session-cookie.ts';

/** Why a password change was refused: the form's own checks, or a rule of users/password-rules.ts. */
export type PasswordProblem =
  | { readonly kind: 'wrong_current' | 'differ' | 'same' | 'not_here' }
  /** `rule`: the rule the new password breaks (password-rules.ts) */
  | { readonly kind: 'rule'; readonly rule: NewPasswordRule };

export type PasswordChange =
  | { readonly ok: true; readonly signed: Signed; readonly sessionsEnded: number }
  | {
      readonly ok: false;
      /** `bad_password`: the current one is wrong (or the account locked); `rejected`: the new one; `not_local`: no password here */
      readonly reason: 'bad_password' | 'rejected' | 'not_local';
      readonly problem: PasswordProblem;
    };

const PROBLEM_KEYS = {
  wrong_current: 'account.password.wrongCurrent',
  differ: 'account.password.differ',
  same: 'account.password.same',
  not_here: 'account.password.notHere',
} as const satisfies Record<Exclude<PasswordProblem['kind'], 'rule'>, MessageKey>;

/** A refused change in the words of the page's language (the account page and the JSON `message`). */
export function passwordProblemText(text: PageText, problem: PasswordProblem): string {
  return problem.kind === 'rule'
    ? text.t('account.password.refused', { reason: passwordRuleText(text, problem.rule) })
    : text.t(PROBLEM_KEYS[problem.kind]);
}

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
  if (user.passwordHash === undefined) return { ok: false, reason: 'not_local', problem: { kind: 'not_here' } };
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
    return { ok: false, reason: 'bad_password', problem: { kind: 'wrong_current' } };
  }
  const rule = newPasswordRuleBroken(form.password, user);
  const problem: PasswordProblem | null =
    form.password !== form.confirm
      ? { kind: 'differ' }
      : form.password === form.current
        ? { kind: 'same' }
        : rule !== null
          ? { kind: 'rule', rule }
          : null;
  if (problem !== null) {
    auditFactor(deps, request, s, 'password.change.failure', 'failure', { reason: 'weak_password' });
    return { ok: false, reason: 'rejected', problem };
  }
  await setUserField(state.files.usersPath, user.name, 'password', await hashPassword(form.password));
  await deps.reload();
  const sessionsEnded = await deps.sessions.revokeOthers(user.name, s.session.sid);
  const { id, session } = await deps.sessions.rehandle(s.session, requestScope(request));
  setSessionCookie(reply, deps.current(), id);
  auditFactor(deps, request, s, 'password.changed', 'success', { sessions_ended: sessionsEnded });
  return { ok: true, signed: { ...s, session, sessionId: id }, sessionsEnded };
}
