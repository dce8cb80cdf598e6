import type { DirectoryUser } from './directory.ts';
import { type PasswordRule, passwordProblem, passwordRuleBroken } from './password.ts';

/** The rules of a changed password: passwordRuleBroken's, and not the user's name itself. */
export type NewPasswordRule = PasswordRule | 'is_user_name';

/**
 * The rule a new password breaks (NIST SP 800-63B 3.1.1.2): 12 to 1024 characters, not one
 * character repeated, not a common password, not the user's name (in any case); null when it is
 * acceptable. No composition rules and no expiry, as NIST advises.
 */
export function newPasswordRuleBroken(password: string, user: Pick<DirectoryUser, 'name'>): NewPasswordRule | null {
  const rule = passwordRuleBroken(password);
  if (rule !== null) return rule;
  if (password.trim().toLowerCase() === user.name.toLowerCase()) return 'is_user_name';
  return null;
}

/** The reason newPasswordRuleBroken gives, in English words, or null when the password is acceptable. */
export function checkNewPassword(password: string, user: Pick<DirectoryUser, 'name'>): string | null {
  const rule = newPasswordRuleBroken(password, user);
  if (rule === null) return null;
  return rule === 'is_user_name' ? 'the password must not be your user name' : passwordProblem(password);
}
