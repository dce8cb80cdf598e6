import type { DirectoryUser } from './directory.ts';
import { passwordProblem } from './password.ts';

/**
 * The rules a new password must meet (NIST SP 800-63B 3.1.1.2): 12 to 1024 characters, not one
 * character repeated, not the user's name (in any case). The reason it is refused, in words for
 * the page, or null when it is acceptable. No composition rules and no expiry, as NIST advises.
 */
export function checkNewPassword(password: string, user: Pick<DirectoryUser, 'name'>): string | null {
  const problem = passwordProblem(password);
  if (problem !== null) return problem;
  if (password.trim().toLowerCase() === user.name.toLowerCase()) return 'the password must not be your user name';
  return null;
}
