/**
 * MemoryEphemeralStore: the single-process ephemeral store (sessions, one-time codes, counters).
 *
 * - Every entry carries an absolute expiry judged with the injected Clock, so tests move a
 *   ManualClock instead of sleeping. An entry is expired when `clock.now() >= expiresAt`.
 * - Expired entries are dropped lazily on read and by a periodic sweep (an unref'd interval, so
 *   it never keeps the process alive; cleared by close()).
 * - All operations are synchronous under the hood, so the check-and-set steps (setIfAbsent,
 *   take, increment) are atomic within the process. It is NOT shared between instances: use
 *   the redis store when running more than one gateway.
 * - After close(), every method rejects with StoreUnavailableError (fail closed).
 */
import type { Clock } from '../clock.ts';
import { StoreUnavailableError } from '../errors.ts';
import type { EphemeralStore } from './ephemeral.ts';
import { checkTtl } from './ephemeral.ts';

export interface MemoryEphemeralStoreOptions {
  clock: Clock;
  /** How often expired entries are swept, in ms (default 30 s). */
  sweepIntervalMs?: number;
}

interface Entry {
  value: string;
  /** ms since the epoch, per the injected clock */
  expiresAt: number;
  /** present when the key holds a set */
  members?: Set<string>;
}

export class MemoryEphemeralStore implements EphemeralStore {
  readonly kind = 'memory' as const;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: MemoryEphemeralStoreOptions) {
    this.#clock = options.clock;
    const every = options.sweepIntervalMs ?? 30_000;
    this.#timer = setInterval(() => this.sweep(), every);
    this.#timer.unref();
  }

  /** Number of entries held, including expired ones not yet swept (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /** Drops every expired entry; returns how many were dropped. Called by the interval. */
  sweep(): number {
    const now = this.#clock.now();
    let dropped = 0;
    for (const [key, entry] of this.#entries) {
      if (now >= entry.expiresAt) {
        this.#entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  async get(key: string): Promise<string | null> {
    return this.#live(key)?.value ?? null;
  }

  async getAndTouch(key: string, ttlMs: number): Promise<string | null> {
    const ttl = checkTtl(ttlMs);
    const entry = this.#live(key);
    if (!entry) return null;
    entry.expiresAt = this.#clock.now() + ttl;
    return entry.value;
  }

  async getVia(pointerKey: string, ttlMs: number): Promise<{ target: string; value: string } | null> {
    const ttl = checkTtl(ttlMs);
    const target = this.#live(pointerKey)?.value;
    const entry = target === undefined ? undefined : this.#live(target);
    if (target === undefined || entry === undefined) return null;
    entry.expiresAt = this.#clock.now() + ttl;
    return { target, value: entry.value };
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const ttl = checkTtl(ttlMs);
    this.#open();
    this.#entries.set(key, { value, expiresAt: this.#clock.now() + ttl });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = checkTtl(ttlMs);
    if (this.#live(key)) return false;
    this.#entries.set(key, { value, expiresAt: this.#clock.now() + ttl });
    return true;
  }

  async take(key: string): Promise<string | null> {
    const entry = this.#live(key);
    if (!entry) return null;
    this.#entries.delete(key);
    return entry.value;
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.#live(key) !== undefined;
    this.#entries.delete(key);
    return existed;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const ttl = checkTtl(ttlMs);
    const entry = this.#live(key);
    if (!entry) {
      // A new window: the time to live is set only here, never extended by later increments.
      this.#entries.set(key, { value: '1', expiresAt: this.#clock.now() + ttl });
      return 1;
    }
    const current = Number(entry.value);
    if (!Number.isSafeInteger(current)) throw new TypeError(`value at ${JSON.stringify(key)} is not a counter`);
    entry.value = String(current + 1);
    return current + 1;
  }

  async addToSet(key: string, member: string, ttlMs: number): Promise<void> {
    const ttl = checkTtl(ttlMs);
    const entry = this.#live(key);
    const members = entry?.members ?? new Set<string>();
    members.add(member);
    this.#entries.set(key, { value: '', members, expiresAt: this.#clock.now() + ttl });
  }

  async members(key: string): Promise<string[]> {
    return [...(this.#live(key)?.members ?? [])];
  }

  async removeFromSet(key: string, member: string): Promise<boolean> {
    return this.#live(key)?.members?.delete(member) ?? false;
  }

  async ttl(key: string): Promise<number | null> {
    const entry = this.#live(key);
    return entry ? entry.expiresAt - this.#clock.now() : null;
  }

  async ping(): Promise<void> {
    this.#open();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#entries.clear();
  }

  /** Throws StoreUnavailableError once closed. */
  #open(): void {
    if (this.#closed) throw new StoreUnavailableError('memory', new Error('store is closed'));
  }

  /** The entry when present and unexpired; an expired entry is dropped on the way (lazy expiry). */
  #live(key: string): Entry | undefined {
    this.#open();
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.#clock.now() >= entry.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
