/**
 * TOTP (RFC 6238) factor core: secret generation, otpauth:// URIs, code shape checks and a
 * replay-proof verifier. Not wired into HTTP here.
 *
 * - Codes are computed with otplib's `generate` for an explicit epoch (one call per candidate
 *   counter), never with Date.now: time always comes from the injected Clock. otplib is loaded
 *   by the first code computed: a gateway nobody signs in to with a code never loads it.
 * - `isWellFormedCode` does NOT trim or normalise: exactly `digits` ASCII digits or refused. A
 *   friendlier HTTP layer may strip one inner space before calling in; this module never does.
 * - Replay: a matched code is claimed atomically with `store.setIfAbsent('totp-used:<user>:<counter>')`
 *   (atomic across instances with the redis store). Monotonicity (no code from an earlier step
 *   once a later one was accepted) is enforced with the same primitive: accepting counter c also
 *   claims ("burns") every earlier counter still inside an acceptance window. That needs no
 *   read-compare-write on a `totp-last:<user>` key, which the EphemeralStore cannot do atomically.
 * - Store failures reject (StoreUnavailableError): the caller answers 503, never a pass.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../../clock.ts';
import type { Random } from '../../../random.ts';
import type { EphemeralStore } from '../../../stores/ephemeral.ts';

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type TotpDigits = 6 | 8;

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, upper case, without padding (what authenticator apps expect in URIs). */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** A fresh base32 secret: 160 bits by default (SHA-1), 256 bits on request (SHA-256/512). */
export function generateTotpSecret(random: Random, options: { bits?: 160 | 256 } = {}): string {
  const bits = options.bits ?? 160;
  if (bits !== 160 && bits !== 256) throw new TypeError(`bits must be 160 or 256, got ${String(bits)}`);
  return base32Encode(random.bytes(bits / 8));
}

export interface TotpUriOptions {
  issuer: string;
  account: string;
  secret: string;
  digits: TotpDigits;
  period: number;
  algorithm: TotpAlgorithm;
}

/** The otpauth://totp/ provisioning URI (Key Uri Format); issuer and account percent-encoded. */
export function totpUri(o: TotpUriOptions): string {
  if (!/^[A-Z2-7]+=*$/.test(o.secret)) throw new TypeError('secret must be upper-case base32');
  const label = `${encodeURIComponent(o.issuer)}:${encodeURIComponent(o.account)}`;
  const query = [
    `secret=${o.secret}`,
    `issuer=${encodeURIComponent(o.issuer)}`,
    `digits=${o.digits}`,
    `period=${o.period}`,
    `algorithm=${o.algorithm.toUpperCase()}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

/** Exactly `digits` ASCII digits. No trimming, no Unicode digits, no signs, strings only. */
export function isWellFormedCode(code: unknown, digits: TotpDigits): code is string {
  return typeof code === 'string' && code.length === digits && /^[0-9]+$/.test(code);
}

export interface TotpParams {
  digits: TotpDigits;
  period: number;
  algorithm: TotpAlgorithm;
}

/** The RFC 6238 time step (counter) for a time in ms since the epoch. */
export function timeStep(nowMs: number, period: number): number {
  return Math.floor(nowMs / 1000 / period);
}

let otplib: Promise<typeof import('otplib')> | undefined;

/** The code for one counter (time step), via otplib with an explicit epoch (seconds). */
export async function generateTotpCode(secret: string, counter: number, p: TotpParams): Promise<string> {
  otplib ??= import('otplib');
  const { generate } = await otplib;
  return generate({ secret, epoch: counter * p.period, period: p.period, digits: p.digits, algorithm: p.algorithm });
}

export interface TotpVerifierOptions {
  store: EphemeralStore;
  clock: Clock;
  digits: TotpDigits;
  /** Seconds per step. */
  period: number;
  /** Steps accepted either side of the current one. */
  skew: number;
  algorithm?: TotpAlgorithm;
}

export type TotpResult = { ok: true; counter: number } | { ok: false; reason: 'malformed' | 'invalid' | 'replayed' };

export class TotpVerifier {
  readonly #store: EphemeralStore;
  readonly #clock: Clock;
  readonly #params: TotpParams;
  readonly #skew: number;
  /** Covers the whole acceptance window of a counter, plus one period of margin. */
  readonly #ttlMs: number;

  constructor(o: TotpVerifierOptions) {
    if (o.digits !== 6 && o.digits !== 8) throw new TypeError(`digits must be 6 or 8, got ${String(o.digits)}`);
    if (!Number.isInteger(o.period) || o.period < 1 || o.period > 3600) throw new TypeError('period must be 1..3600 s');
    if (!Number.isInteger(o.skew) || o.skew < 0 || o.skew > 10) throw new TypeError('skew must be an integer 0..10');
    const algorithm = o.algorithm ?? 'sha1';
    if (!['sha1', 'sha256', 'sha512'].includes(algorithm)) throw new TypeError(`unsupported algorithm ${algorithm}`);
    this.#store = o.store;
    this.#clock = o.clock;
    this.#params = { digits: o.digits, period: o.period, algorithm };
    this.#skew = o.skew;
    this.#ttlMs = ((2 * o.skew + 1) * o.period + o.period) * 1000;
  }

  async verify(user: string, secret: string, code: unknown): Promise<TotpResult> {
    if (!isWellFormedCode(code, this.#params.digits)) return { ok: false, reason: 'malformed' };
    const t = timeStep(this.#clock.now(), this.#params.period);
    const first = Math.max(0, t - this.#skew);
    const given = Buffer.from(code, 'ascii');
    // Every candidate is computed and compared (no early exit) so timing does not reveal which matched.
    const matches: number[] = [];
    for (let c = first; c <= t + this.#skew; c++) {
      const expected = Buffer.from(await generateTotpCode(secret, c, this.#params), 'ascii');
      if (expected.length === given.length && timingSafeEqual(expected, given)) matches.push(c);
    }
    if (matches.length === 0) return { ok: false, reason: 'invalid' };
    // A code matching several steps (a ~1e-6 coincidence) is accepted for the first unclaimed one.
    for (const c of matches) {
      if (await this.#store.setIfAbsent(usedKey(user, c), '1', this.#ttlMs)) {
        await this.#burnEarlier(user, first, c);
        return { ok: true, counter: c };
      }
    }
    return { ok: false, reason: 'replayed' };
  }

  /** Claims counters [first, c) so an earlier code can no longer be accepted (monotonic). */
  async #burnEarlier(user: string, first: number, c: number): Promise<void> {
    const claims: Promise<boolean>[] = [];
    for (let k = first; k < c; k++) claims.push(this.#store.setIfAbsent(usedKey(user, k), 'burned', this.#ttlMs));
    await Promise.all(claims);
  }
}

/** The counter is the last segment and never contains ':', so the key is unambiguous for any user name. */
function usedKey(user: string, counter: number): string {
  return `totp-used:${user}:${counter}`;
}
