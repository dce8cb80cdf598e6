/**
 * Password hashing (argon2id, PHC strings as stored in users.yaml) and constant-shape
 * verification. Nothing here logs, and no error message carries a password or a hash.
 *
 * `PasswordVerifier` makes an unknown user (or a user without a password) cost the same as a
 * wrong password: it verifies against a dummy hash made with the parameters most users' hashes
 * use, so response time does not reveal which user names exist.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Algorithm, hash, verify } from '@node-rs/argon2';

export interface Argon2Params {
  /** KiB (`m=`) */
  readonly memoryCost: number;
  /** passes (`t=`) */
  readonly timeCost: number;
  /** lanes (`p=`) */
  readonly parallelism: number;
}

export const DEFAULT_ARGON2_PARAMS: Argon2Params = Object.freeze({ memoryCost: 65536, timeCost: 3, parallelism: 4 });

/** `Algorithm.Argon2id`; the enum is an ambient const enum, which isolatedModules cannot read. */
const ARGON2ID = 2 as Algorithm;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

/** Hashes `plain` with argon2id and a fresh random salt; returns the PHC string. */
export async function hashPassword(plain: string, params: Argon2Params = DEFAULT_ARGON2_PARAMS): Promise<string> {
  return hash(plain, {
    algorithm: ARGON2ID,
    memoryCost: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  });
}

/** True when `plain` matches the argon2id `hash`. A malformed or non-argon2id hash yields false, never a throw. */
export async function verifyPassword(hashed: string, plain: string): Promise<boolean> {
  if (typeof hashed !== 'string' || typeof plain !== 'string' || parseArgon2Params(hashed) === null) return false;
  try {
    return await verify(hashed, plain);
  } catch {
    return false;
  }
}

const PHC = /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** The `m=`, `t=`, `p=` parameters of an argon2id PHC string, or null when it is not one. */
export function parseArgon2Params(hashed: string): Argon2Params | null {
  const m = PHC.exec(hashed);
  if (!m) return null;
  const [memoryCost, timeCost, parallelism] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (timeCost < 1 || parallelism < 1 || parallelism > 255 || memoryCost < 8 * parallelism) return null;
  if (memoryCost > 0xffffffff) return null;
  return { memoryCost, timeCost, parallelism };
}

/** The parameters shared by the most hashes (first seen wins a tie); defaults when none parse. */
export function mostCommonParams(hashes: readonly string[]): Argon2Params {
  const counts = new Map<string, { params: Argon2Params; count: number }>();
  let best: { params: Argon2Params; count: number } | undefined;
  for (const h of hashes) {
    const params = parseArgon2Params(h);
    if (!params) continue;
    const key = `${params.memoryCost},${params.timeCost},${params.parallelism}`;
    const entry = counts.get(key) ?? { params, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
    if (!best || entry.count > best.count) best = entry;
  }
  return best?.params ?? DEFAULT_ARGON2_PARAMS;
}

export class PasswordVerifier {
  private constructor(
    private readonly dummyHash: string,
    /** the parameters of the dummy hash (what an unknown user costs) */
    readonly dummyParams: Argon2Params,
  ) {}

  /** Precomputes the dummy hash with the most common parameters among `sampleHashes`. */
  static async create(sampleHashes: readonly string[]): Promise<PasswordVerifier> {
    const params = mostCommonParams(sampleHashes);
    const dummy = await hashPassword(randomBytes(32).toString('base64url'), params);
    return new PasswordVerifier(dummy, params);
  }

  /**
   * True when `plain` matches `hashed`. When `hashed` is undefined (unknown user, no password)
   * or malformed, a full verification still runs against the dummy hash, and the answer is false.
   */
  async verify(hashed: string | undefined, plain: string): Promise<boolean> {
    if (hashed !== undefined && parseArgon2Params(hashed) !== null) {
      try {
        return await verify(hashed, plain);
      } catch {
        // fall through: spend the same time as for an unknown user
      }
    }
    await verifyPassword(this.dummyHash, typeof plain === 'string' ? plain : '');
    return false;
  }
}

/** Which rule a new password breaks: the page says it in the person's language, the CLI in English. */
export type PasswordRule = 'too_short' | 'too_long' | 'repeated' | 'has_user_name' | 'common';

/** What the password rules say in English (the CLI, users.yaml checks), with `{n}` where a number goes. */
export const PASSWORD_TEXT = {
  tooShort: 'the password must be at least {n} characters',
  tooLong: 'the password must be at most {n} characters',
  repeated: 'the password must not be a single character repeated',
  common: 'the password is one of the most common passwords (or one with only digits or symbols added): choose another',
  hasUserName: 'the password must not contain the user name',
} as const;

const RULE_TEXT: Record<PasswordRule, string> = {
  too_short: PASSWORD_TEXT.tooShort.replace('{n}', String(MIN_PASSWORD_LENGTH)),
  too_long: PASSWORD_TEXT.tooLong.replace('{n}', String(MAX_PASSWORD_LENGTH)),
  repeated: PASSWORD_TEXT.repeated,
  has_user_name: PASSWORD_TEXT.hasUserName,
  common: PASSWORD_TEXT.common,
};

/** User names shorter than this are not looked for in a password (any password would hold "a"). */
export const MIN_NAME_IN_PASSWORD = 3;

let commonPasswords: ReadonlySet<string> | undefined;

/** The bundled list of the 10,000 most common passwords (src/data/common-passwords.txt), read once. */
export function isCommonPassword(plain: string): boolean {
  commonPasswords ??= new Set(
    readFileSync(new URL('../data/common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line !== ''),
  );
  const lower = plain.toLowerCase();
  if (commonPasswords.has(lower)) return true;
  // "Password2024!", "!!dragon!!": a common word with only digits or symbols around it
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  return core.length >= 4 && commonPasswords.has(core);
}

/**
 * The rule `plain` breaks as a new password, or null when it is acceptable: NIST SP 800-63B, no
 * composition rules. 12 to 1024 characters (Unicode code points), not one character repeated,
 * not in the bundled list of the most common passwords (case-insensitive, also with only digits
 * or symbols before or after), and not containing the user name (`user`, case-insensitive, when
 * it has at least 3 characters).
 */
export function passwordRuleBroken(plain: string, user?: string): PasswordRule | null {
  const chars = [...plain];
  if (chars.length < MIN_PASSWORD_LENGTH) return 'too_short';
  if (chars.length > MAX_PASSWORD_LENGTH) return 'too_long';
  if (new Set(chars).size === 1) return 'repeated';
  if (
    user !== undefined &&
    [...user].length >= MIN_NAME_IN_PASSWORD &&
    plain.toLowerCase().includes(user.toLowerCase())
  )
    return 'has_user_name';
  if (isCommonPassword(plain)) return 'common';
  return null;
}

/** Why `plain` is not acceptable as a new password, in English (passwordRuleBroken), or null. Never contains the password. */
export function passwordProblem(plain: string, user?: string): string | null {
  const rule = passwordRuleBroken(plain, user);
  return rule === null ? null : RULE_TEXT[rule];
}
