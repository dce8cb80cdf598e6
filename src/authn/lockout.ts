/**
 * Account and client-IP lockout after repeated authentication failures (PCI DSS 8.3.4 style).
 *
 * Failures of every kind (password, TOTP, recovery code, WebAuthn, push) are counted together,
 * per canonical account and per client IP, in the ephemeral store, so the counters are shared
 * by every instance and survive a restart when that store is Redis:
 *
 *   fail:acct:<canonical>  a fixed-window counter: it starts at the first failure and lives `window`
 *   fail:ip:<ip>           the same, per client IP (IPv6: per /64, see IPV6_PREFIX_BITS)
 *   lock:acct:<canonical>  present while the account is locked; lives `duration`
 *   lock:ip:<ip>           present while the IP is locked; lives `duration`
 *
 * - The account is locked when its counter reaches `max_failures` within the window; the IP when
 *   its counter reaches IP_FAILURE_MULTIPLIER × `max_failures` (one client guessing across many
 *   accounts). A lock is set with setIfAbsent, so concurrent failures (or failures while locked)
 *   never extend it: it ends `duration` after the failure that set it.
 * - Unknown and even malformed user names are counted and locked exactly like real accounts, so
 *   the lockout reveals nothing about which names exist. A locked account must get the same answer
 *   as a wrong password: that is the caller's job; this module only says locked or not.
 * - A success while the account is not locked clears the account's counter (never the IP's: an
 *   attacker holding one valid account could otherwise reset the per-IP count). A success while
 *   locked changes nothing: the lock and the counter stay.
 * - Settings are read on every call, so a configuration reload applies at once.
 * - Any store failure rejects (StoreUnavailableError): the caller fails closed.
 */
import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { Clock } from '../clock.ts';
import { canonicalIp } from '../context/cidr.ts';
import type { EphemeralStore } from '../stores/ephemeral.ts';
import { canonicalUsername } from '../users/canonical.ts';

/**
 * A client IP is locked when its failures within the window reach this many times `max_failures`
 * (default 5 × 10 = 50). Higher than 1 because many users can share one address (office NAT, a
 * VPN egress), so a few users mistyping must not lock everyone out; low enough that one client
 * spraying passwords across many accounts is stopped long before it covers a user list.
 */
export const IP_FAILURE_MULTIPLIER = 5;

/**
 * IPv6 clients are counted per network of this many leading bits: one subscriber usually holds a
 * whole /64 and could otherwise rotate through 2^64 addresses to escape the per-IP count.
 */
export const IPV6_PREFIX_BITS = 64;

export type FailureKind = 'password' | 'totp' | 'recovery' | 'webauthn' | 'push';

export interface LockoutSettings {
  /** failures within the window that lock the account (an integer >= 1) */
  readonly maxFailures: number;
  /** the fixed counting window, ms */
  readonly windowMs: number;
  /** how long a lock lasts, ms */
  readonly durationMs: number;
}

export interface LockoutOptions {
  readonly store: EphemeralStore;
  readonly clock: Clock;
  /** Read on every call (e.g. `() => state.lockout`), so a reload applies to the next attempt. */
  readonly settings: () => LockoutSettings;
}

export interface FailureResult {
  /** true when THIS failure locked the account (exactly one of many concurrent failures sees it) */
  readonly locked: boolean;
  /** the account's failures in the current window (0 when no account was given) */
  readonly failures: number;
  /** true when THIS failure locked the client IP */
  readonly ipLocked: boolean;
}

export interface LockoutStatus {
  readonly locked: boolean;
  /** remaining lock time in ms, or null when not locked */
  readonly lockedForMs: number | null;
  /** failures in the current window */
  readonly failures: number;
}

/**
 * The key part for a user name: its canonical form; a name that has none (too long, invalid
 * characters) is still counted, under a hash of its folded form prefixed with '~' (a character
 * no canonical name starts with, so the two spaces never collide).
 */
export function accountKeyPart(name: string): string {
  const canonical = canonicalUsername(name);
  if (canonical !== null) return canonical;
  const folded = String(name).normalize('NFKC').trim().toLowerCase();
  return `~${createHash('sha256').update(folded).digest('hex').slice(0, 32)}`;
}

/**
 * The key part for a client IP: canonical text (IPv4-mapped IPv6 is IPv4), IPv6 reduced to its
 * /IPV6_PREFIX_BITS network; anything unparsable is hashed, prefixed with '~'.
 */
export function ipKeyPart(ip: string): string {
  const canonical = canonicalIp(ip);
  if (canonical === null) return `~${createHash('sha256').update(String(ip)).digest('hex').slice(0, 32)}`;
  if (!canonical.includes(':')) return canonical;
  const bytes = ipaddr.IPv6.parse(canonical).toByteArray();
  const keep = IPV6_PREFIX_BITS / 8;
  for (let i = keep; i < bytes.length; i++) bytes[i] = 0;
  return `${(ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String()}/${IPV6_PREFIX_BITS}`;
}

const keys = {
  failAcct: (account: string) => `fail:acct:${accountKeyPart(account)}`,
  lockAcct: (account: string) => `lock:acct:${accountKeyPart(account)}`,
  failIp: (ip: string) => `fail:ip:${ipKeyPart(ip)}`,
  lockIp: (ip: string) => `lock:ip:${ipKeyPart(ip)}`,
};

const FAILURE_KINDS: ReadonlySet<string> = new Set<FailureKind>(['password', 'totp', 'recovery', 'webauthn', 'push']);

export class Lockout {
  readonly #store: EphemeralStore;
  readonly #clock: Clock;
  readonly #settings: () => LockoutSettings;

  constructor(options: LockoutOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#settings = options.settings;
  }

  /**
   * True when the account or the client IP is locked. Checks both keys in parallel (one round
   * trip each); null skips that key. Call it before verifying anything, and when it is true
   * answer exactly as for a wrong password.
   */
  async isLocked(account: string | null, ip: string | null): Promise<boolean> {
    const [acct, byIp] = await Promise.all([
      account === null ? null : this.#store.get(keys.lockAcct(account)),
      ip === null ? null : this.#store.get(keys.lockIp(ip)),
    ]);
    return acct !== null || byIp !== null;
  }

  /**
   * Counts one failed attempt (of any kind) against the account and the client IP, and locks
   * whichever reached its threshold. The increments are atomic; the locks are set with
   * setIfAbsent, so concurrent failures neither extend a lock nor report it twice.
   */
  async recordFailure(account: string | null, ip: string | null, kind: FailureKind): Promise<FailureResult> {
    if (!FAILURE_KINDS.has(kind)) throw new TypeError(`unknown failure kind ${JSON.stringify(kind)}`);
    const s = this.#current();
    const [acctFailures, ipFailures] = await Promise.all([
      account === null ? 0 : this.#store.increment(keys.failAcct(account), s.windowMs),
      ip === null ? 0 : this.#store.increment(keys.failIp(ip), s.windowMs),
    ]);
    const lockedAt = String(this.#clock.now());
    const [locked, ipLocked] = await Promise.all([
      account !== null && acctFailures >= s.maxFailures
        ? this.#store.setIfAbsent(keys.lockAcct(account), lockedAt, s.durationMs)
        : false,
      ip !== null && ipFailures >= s.maxFailures * IP_FAILURE_MULTIPLIER
        ? this.#store.setIfAbsent(keys.lockIp(ip), lockedAt, s.durationMs)
        : false,
    ]);
    return { locked, failures: acctFailures, ipLocked };
  }

  /**
   * A completed sign-in: clears the account's failure count unless the account is locked (then
   * nothing changes). Call it only once EVERY required factor has succeeded, never after the
   * password step alone: otherwise whoever holds the password could guess TOTP or recovery codes
   * without end by slipping a correct password in before each batch. The IP count is kept.
   */
  async recordSuccess(account: string): Promise<void> {
    if ((await this.#store.get(keys.lockAcct(account))) !== null) return;
    await this.#store.delete(keys.failAcct(account));
  }

  /** Clears the account's lock and failure count (administrator action); true when it was locked. */
  async unlock(account: string): Promise<boolean> {
    const [wasLocked] = await Promise.all([
      this.#store.delete(keys.lockAcct(account)),
      this.#store.delete(keys.failAcct(account)),
    ]);
    return wasLocked;
  }

  /** Whether the account is locked, for how much longer, and its failures in the current window. */
  async status(account: string): Promise<LockoutStatus> {
    const [lockTtl, count] = await Promise.all([
      this.#store.ttl(keys.lockAcct(account)),
      this.#store.get(keys.failAcct(account)),
    ]);
    const failures = count === null ? 0 : Number(count);
    return {
      locked: lockTtl !== null,
      lockedForMs: lockTtl,
      failures: Number.isSafeInteger(failures) ? failures : 0,
    };
  }

  #current(): LockoutSettings {
    const s = this.#settings();
    if (!Number.isSafeInteger(s.maxFailures) || s.maxFailures < 1) {
      throw new TypeError(`lockout maxFailures must be an integer >= 1, got ${s.maxFailures}`);
    }
    for (const name of ['windowMs', 'durationMs'] as const) {
      if (!(s[name] > 0) || !Number.isFinite(s[name])) {
        throw new TypeError(`lockout ${name} must be a positive number of ms, got ${s[name]}`);
      }
    }
    return s;
  }
}
