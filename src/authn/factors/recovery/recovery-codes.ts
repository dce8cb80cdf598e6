/**
 * Recovery codes: one-time codes a user writes down to sign in when their second factors are
 * lost. Shown once, stored only as hashes (DurableStore.replaceRecoveryCodes), each usable once
 * (DurableStore.useRecoveryCode).
 *
 * A code is 12 characters from a 31-character alphabet without the look-alikes 0/o, 1/l/i,
 * shown as `xxxx-xxxx-xxxx`: 12 × log2(31) ≈ 59.4 bits of entropy. Input is forgiving about
 * case, dashes and spaces, and strict about everything else.
 *
 * Why a fast hash (SHA-256) rather than a password hash (argon2):
 * - A password hash only buys time against guessable secrets. These codes are random, so there
 *   is no dictionary to try first: 2^59.4 candidates. Online, behind the password and the
 *   sign-in rate limits, guessing is hopeless whatever the hash.
 * - Verifying with argon2 would cost one slow hash per stored code (each salted) at every
 *   attempt: an easy way to exhaust the CPU, for little gain.
 * - Offline, from a stolen database, finding one of a given user's 10 codes takes ~2^56 SHA-256
 *   evaluations (about a GPU-month). The hashes carry no per-user salt, though, so one guess is
 *   checked against every user's codes at once: with thousands of users, *some* code falls in
 *   hours. A code alone signs no one in (the password, stored with argon2, is still needed),
 *   but pass a pepper whenever one is available: a key kept outside the database (e.g.
 *   derived from the secret key) makes the stored values HMAC-SHA-256, worthless without it.
 *   The pepper must not change while codes live: a new pepper invalidates every stored code
 *   (users then need new ones).
 */
import { createHash, createHmac } from 'node:crypto';
import type { Random } from '../../../random.ts';

/** Digits 2-9 and the letters without i, l, o: no 0/o or 1/l/i confusion. */
export const RECOVERY_CODE_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
/** Characters per code (without the dashes). */
export const RECOVERY_CODE_LENGTH = 12;
const GROUP = 4;
const VALID = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{${RECOVERY_CODE_LENGTH}}$`);
/** Separators the user may type or paste: ASCII and Unicode dashes, whitespace. */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212]/g;

/** `count` distinct codes `xxxx-xxxx-xxxx`, uniformly random over the alphabet (no modulo bias). */
export function generateRecoveryCodes(random: Random, count = 10): string[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new TypeError('count must be a non-negative integer');
  const size = RECOVERY_CODE_ALPHABET.length;
  const limit = 256 - (256 % size); // bytes at or above are rejected, so every character is equally likely
  const codes = new Set<string>();
  let pool: Buffer = Buffer.alloc(0);
  let at = 0;
  let attempts = 0;
  while (codes.size < count) {
    if (++attempts > count * 100) throw new Error('random source keeps repeating itself');
    let code = '';
    while (code.length < RECOVERY_CODE_LENGTH) {
      if (at >= pool.length) {
        pool = random.bytes(64);
        at = 0;
        if (pool.length === 0) throw new Error('random source gave no bytes');
      }
      const byte = pool[at++] as number;
      if (byte < limit) code += RECOVERY_CODE_ALPHABET[byte % size];
    }
    codes.add(code);
  }
  return [...codes].map(format);
}

function format(code: string): string {
  const groups: string[] = [];
  for (let i = 0; i < code.length; i += GROUP) groups.push(code.slice(i, i + GROUP));
  return groups.join('-');
}

/**
 * The canonical form of what a user typed (lower case, no dashes or spaces), or null when it is
 * not a recovery code (wrong length, a character outside the alphabet, not a string).
 */
export function normalizeRecoveryCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const code = input.replace(SEPARATORS, '').toLowerCase();
  return VALID.test(code) ? code : null;
}

/**
 * The stored form of a code: hex SHA-256 of its canonical form, or HMAC-SHA-256 keyed by
 * `pepper`. Takes a generated code or user input alike; a TypeError when it is not a code
 * (normalise user input first and refuse null).
 */
export function hashRecoveryCode(code: string, pepper?: Buffer): string {
  const canonical = normalizeRecoveryCode(code);
  if (canonical === null) throw new TypeError('not a recovery code');
  if (pepper !== undefined) {
    if (!Buffer.isBuffer(pepper) || pepper.length === 0) throw new TypeError('pepper must be a non-empty Buffer');
    return createHmac('sha256', pepper).update(canonical, 'utf8').digest('hex');
  }
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
