import type { DirectoryUser } from './directory.ts';
import { type PasswordRule, passwordRuleBroken } from './password.ts';

/** The rules of a changed password: passwordRuleBroken's, and not the user's name itself. */
export type NewPasswordRule = PasswordRule | 'is_user_name';

/**
 * The rule a new password breaks (NIST SP 800-63B 3.1.1.2): passwordRuleBroken's (12 to 1024
 * characters, not one character repeated, not a common password, not containing the user name),
 * and not the user's name itself; null when it is acceptable. No composition rules and no
 * expiry, as NIST advises.
 */
export function newPasswordRuleBroken(password: string, user: Pick<DirectoryUser, 'name'>): NewPasswordRule | null {
  const rule = passwordRuleBroken(password, user.name);
  const isName = password.trim().toLowerCase() === user.name.toLowerCase();
  // the name itself says more than "contains the name"
  return isName && (rule === null || rule === 'has_user_name') ? 'is_user_name' : rule;
}
