/**
 * Lockout after repeated authentication failures, built so that an attacker cannot lock out the
 * people he attacks (OWASP "Slow down online guessing attacks with device cookies", Okta's
 * unknown-device lockout, Authelia's per-user regulation).
 *
 * Failures of every kind (password, TOTP, recovery code, WebAuthn, push) count in the ephemeral
 * store (lockout-keys.ts), so the counters are shared by every instance and survive a restart
 * when that store is Redis. Three counters, each a fixed window that starts at its first failure
 * and lives `window`:
 *
 * - **Account, for clients without its device cookie.** Every client that does not present a
 *   valid device cookie of the named account (none, another user's, a forged or forgotten one)
 *   counts towards the account; at `max_failures` the account is locked for `duration`, for
 *   such clients only.
 * - **Device.** A browser presenting a valid device cookie of the account (one the gateway set
 *   after a completed sign-in of that same user) counts on its own and can lock only itself. So
 *   whoever guesses a user's password from elsewhere locks the account for clients like himself,
 *   never the real user on the browser they always use.
 * - **Address.** Every failure counts towards the client address (IPv6: its /64), except from an
 *   exempt network. At `address.max_failures` the address is throttled for `duration`: clients
 *   there without a valid device cookie of the account they name are told to wait (the password
 *   is not even checked); clients with one are not slowed down. A throttle is never a lock: it
 *   says nothing about any account, and it cannot shut an office out of its own accounts.
 *
 * - A lock or throttle is set with setIfAbsent, so concurrent failures (or failures while locked)
 *   never extend it: it ends `duration` after the failure that set it, and exactly one failure
 *   reports it.
 * - Unknown and even malformed user names are counted and locked exactly like real accounts, so
 *   the lockout reveals nothing about which names exist. A locked account or device must get the
 *   same answer as a wrong password: that is the caller's job; this module only says locked or not.
 * - A completed sign-in while not locked clears the counter it was charged to (the device's, or
 *   the account's), never the other one and never the address's: a user signing in on their own
 *   browser does not reset an attacker's count, and an attacker holding one account cannot reset
 *   the address.
 * - Settings are read on every call, so a configuration reload applies at once.
 * - Any store failure rejects (StoreUnavailableError): the caller fails closed.
 */
import type { Clock } from '../clock.ts';
import type { CidrSet } from '../context/cidr.ts';
import type { EphemeralStore } from '../stores/ephemeral.ts';
import { accountKeyPart, ipKeyPart, lockoutKeys as keys } from './lockout-keys.ts';

export type FailureKind = 'password' | 'totp' | 'recovery' | 'webauthn' | 'push' | 'access_code';

/** Who makes an attempt, as the lockout tells clients apart. */
export interface Client {
  /** the account named, as given (any spelling; unknown and malformed names count alike); null: none */
  readonly account: string | null;
  /** the client address; null when unknown (then nothing is counted per address) */
  readonly ip: string | null;
  /**
   * The id of the device cookie the client presented, only when it is valid for `account`
   * (`Devices.recognise`); null for every other client. Ignored when `account` is null.
   */
  readonly device: string | null;
}

export interface LockoutSettings {
  /** failures within the window that lock the account, or a device (an integer >= 1) */
  readonly maxFailures: number;
  /** the fixed counting window, ms */
  readonly windowMs: number;
  /** how long a lock or an address throttle lasts, ms */
  readonly durationMs: number;
  readonly address: {
    /** failures from one address within the window that throttle it (an integer >= 1) */
    readonly maxFailures: number;
    /** networks never counted or throttled by address (account and device counting still apply) */
    readonly exempt: CidrSet;
  };
}

export interface LockoutOptions {
  readonly store: EphemeralStore;
  readonly clock: Clock;
  /** Read on every call (e.g. `() => state.lockout`), so a reload applies to the next attempt. */
  readonly settings: () => LockoutSettings;
}

/** What a failure locked or throttled, for the audit trail (`lockout` events); never a secret. */
export type LockoutEvent =
  | { readonly counter: 'account'; readonly failures: number }
  | { readonly counter: 'device'; readonly device: string; readonly failures: number }
  | { readonly counter: 'address'; readonly address: string; readonly failures: number };

export interface FailureResult {
  /** the failures of the counter this attempt was charged to (the device's or the account's); 0: none */
  readonly failures: number;
  /** the counters THIS failure locked or throttled (of many concurrent failures, one reports each) */
  readonly events: readonly LockoutEvent[];
}

export interface LockoutStatus {
  /** the account is locked for clients without a device cookie of it */
  readonly locked: boolean;
  /** remaining lock time in ms, or null when not locked */
  readonly lockedForMs: number | null;
  /** failures of those clients in the current window */
  readonly failures: number;
  /** the ids of the account's browsers (device cookies) that are locked */
  readonly lockedDevices: readonly string[];
}

const FAILURE_KINDS: ReadonlySet<string> = new Set<FailureKind>([
  'password',
  'totp',
  'recovery',
  'webauthn',
  'push',
  'access_code',
]);

/** A stored counter's value; 0 when absent (or, were it ever, not a count). */
function countOf(value: string | null): number {
  const n = value === null ? 0 : Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The account key part and the device of a client, when it names an account. */
function named(client: Client): { account: string; device: string | null } | null {
  if (client.account === null) return null;
  return { account: accountKeyPart(client.account), device: client.device };
}

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
   * The lock that refuses this client, or null: the device's lock for a client presenting a
   * valid device cookie of the account, else the account's. Call it before verifying anything,
   * and when it is not null answer exactly as for a wrong password or code.
   */
  async lockedBy(client: Client): Promise<'account' | 'device' | null> {
    const who = named(client);
    if (who === null) return null;
    if (who.device !== null)
      return (await this.#store.get(keys.lockDev(who.account, who.device))) === null ? null : 'device';
    return (await this.#store.get(keys.lockAcct(who.account))) === null ? null : 'account';
  }

  /**
   * How long (ms) this client must wait because its address is throttled, or null. A client
   * presenting a valid device cookie of the account it names is never throttled, nor is an
   * exempt network. Call it before verifying anything; the answer must not depend on the name.
   */
  async throttledFor(client: Client): Promise<number | null> {
    if (client.account !== null && client.device !== null) return null;
    const address = this.#address(client.ip, this.#current());
    return address === null ? null : this.#store.ttl(keys.throttleIp(address));
  }

  /**
   * Counts one failed attempt (of any kind) against the device or the account, and the address,
   * and locks or throttles whichever reached its threshold. The increments are atomic; locks are
   * set with setIfAbsent, so concurrent failures neither extend a lock nor report it twice.
   */
  async recordFailure(client: Client, kind: FailureKind): Promise<FailureResult> {
    if (!FAILURE_KINDS.has(kind)) throw new TypeError(`unknown failure kind ${JSON.stringify(kind)}`);
    const s = this.#current();
    const who = named(client);
    const address = this.#address(client.ip, s);
    const failKey =
      who === null ? null : who.device ? keys.failDev(who.account, who.device) : keys.failAcct(who.account);
    const [failures, addressFailures] = await Promise.all([
      failKey === null ? 0 : this.#store.increment(failKey, s.windowMs),
      address === null ? 0 : this.#store.increment(keys.failIp(address), s.windowMs),
      // the account's devices with counters, so that unlock and status can find them
      who?.device ? this.#store.addToSet(keys.devices(who.account), who.device, Math.max(s.windowMs, s.durationMs)) : 0,
    ]);
    const at = String(this.#clock.now());
    const [locked, throttled] = await Promise.all([
      who !== null && failures >= s.maxFailures
        ? this.#store.setIfAbsent(
            who.device ? keys.lockDev(who.account, who.device) : keys.lockAcct(who.account),
            at,
            s.durationMs,
          )
        : false,
      address !== null && addressFailures >= s.address.maxFailures
        ? this.#store.setIfAbsent(keys.throttleIp(address), at, s.durationMs)
        : false,
    ]);
    const events: LockoutEvent[] = [];
    if (locked && who !== null)
      events.push(who.device ? { counter: 'device', device: who.device, failures } : { counter: 'account', failures });
    if (throttled && address !== null) events.push({ counter: 'address', address, failures: addressFailures });
    return { failures, events };
  }

  /**
   * A completed sign-in: clears the failure count of the device (a client presenting a valid
   * device cookie of the account) or of the account (any other client), unless that one is
   * locked (then nothing changes). Call it only once EVERY required factor has succeeded, never
   * after the password step alone: otherwise whoever holds the password could guess TOTP or
   * recovery codes without end by slipping a correct password in before each batch. The
   * address's count is kept.
   */
  async recordSuccess(client: Client): Promise<void> {
    const who = named(client);
    if (who === null) throw new TypeError('a success names its account');
    const [fail, lock] = who.device
      ? [keys.failDev(who.account, who.device), keys.lockDev(who.account, who.device)]
      : [keys.failAcct(who.account), keys.lockAcct(who.account)];
    if ((await this.#store.get(lock)) !== null) return;
    await this.#store.delete(fail);
  }

  /**
   * Clears the account's lock and count and those of every one of its browsers (administrator
   * action). Address throttles are not touched: they concern no account. Says what was locked.
   */
  async unlock(account: string): Promise<{ readonly account: boolean; readonly devices: number }> {
    const a = accountKeyPart(account);
    const devices = await this.#store.members(keys.devices(a));
    const [wasLocked, devicesLocked] = await Promise.all([
      this.#store.delete(keys.lockAcct(a)),
      Promise.all(devices.map((d) => this.#store.delete(keys.lockDev(a, d)))),
      this.#store.delete(keys.failAcct(a)),
      ...devices.map((d) => this.#store.delete(keys.failDev(a, d))),
    ]);
    await this.#store.delete(keys.devices(a));
    return { account: wasLocked, devices: devicesLocked.filter(Boolean).length };
  }

  /**
   * The failures within the window that bear on a sign-in by this client (risk
   * `recent_failures`): the account's (guesses from clients without its device cookie) plus,
   * for a browser with one, its own.
   */
  async recentFailures(client: Client): Promise<number> {
    const who = named(client);
    if (who === null) return 0;
    const counts = await Promise.all([
      this.#store.get(keys.failAcct(who.account)),
      who.device === null ? null : this.#store.get(keys.failDev(who.account, who.device)),
    ]);
    return counts.reduce((sum: number, count) => sum + countOf(count), 0);
  }

  /** The account's lock and count (for clients without its device cookie) and its locked browsers. */
  async status(account: string): Promise<LockoutStatus> {
    const a = accountKeyPart(account);
    const [lockTtl, count, devices] = await Promise.all([
      this.#store.ttl(keys.lockAcct(a)),
      this.#store.get(keys.failAcct(a)),
      this.#store.members(keys.devices(a)),
    ]);
    const deviceLocks = await Promise.all(devices.map((d) => this.#store.get(keys.lockDev(a, d))));
    return {
      locked: lockTtl !== null,
      lockedForMs: lockTtl,
      failures: countOf(count),
      lockedDevices: devices.filter((_, i) => deviceLocks[i] !== null).sort(),
    };
  }

  /** The address key part of a client IP, or null when unknown or in an exempt network. */
  #address(ip: string | null, s: LockoutSettings): string | null {
    return ip === null || s.address.exempt.contains(ip) ? null : ipKeyPart(ip);
  }

  #current(): LockoutSettings {
    const s = this.#settings();
    for (const [name, value] of [
      ['maxFailures', s.maxFailures],
      ['address.maxFailures', s.address?.maxFailures],
    ] as const) {
      if (!Number.isSafeInteger(value) || (value as number) < 1) {
        throw new TypeError(`lockout ${name} must be an integer >= 1, got ${value}`);
      }
    }
    for (const name of ['windowMs', 'durationMs'] as const) {
      if (!(s[name] > 0) || !Number.isFinite(s[name])) {
        throw new TypeError(`lockout ${name} must be a positive number of ms, got ${s[name]}`);
      }
    }
    return s;
  }
}
