/**
 * The one way a user name becomes the key of an account. Every place that takes a user name
 * (sign-in form, CLI, users.yaml keys, policy `users:` lists) goes through here, so look-alike
 * spellings cannot name a second account: `ALICE`, ` alice `, fullwidth `ａｌｉｃｅ` are all `alice`.
 */

/** Allowed after folding: the users.yaml key pattern (first character a letter or digit). */
const CANONICAL = /^[a-z0-9][a-z0-9._@-]*$/;
export const MAX_USERNAME_LENGTH = 128;

/**
 * NFKC-normalises, trims and lower-cases `input`. Returns null when the result is empty, longer
 * than 128 characters, starts with something other than a letter or digit, or contains anything
 * outside `[a-z0-9._@-]` (control characters, spaces, non-ASCII letters that survive folding).
 */
export function canonicalUsername(input: string): string | null {
  if (typeof input !== 'string') return null;
  // Bound the work on hostile input before normalising (NFKC can expand a string a little).
  if (input.length > MAX_USERNAME_LENGTH * 4) return null;
  const folded = input.normalize('NFKC').trim().toLowerCase().normalize('NFKC');
  if (folded.length === 0 || folded.length > MAX_USERNAME_LENGTH) return null;
  return CANONICAL.test(folded) ? folded : null;
}
