/**
 * The ephemeral store: sessions, one-time codes, counters. Every value expires.
 * Implementations: memory (one process) and redis (several instances). Both pass
 * test/stores/ephemeral-conformance.ts. Any failure to reach the backing service rejects with
 * StoreUnavailableError, which the gateway turns into 503: never a pass.
 */
export interface EphemeralStore {
  readonly kind: 'memory' | 'redis';
  /** The value, or null when absent or expired. */
  get(key: string): Promise<string | null>;
  /** Like get, and when present, resets the time to live to ttlMs (sliding expiry; one round trip). */
  getAndTouch(key: string, ttlMs: number): Promise<string | null>;
  /**
   * Follows a pointer: reads the value at `pointerKey`, which names another key, and returns that
   * key's value with its time to live reset to ttlMs (like getAndTouch), in one round trip. Null
   * when either is absent or expired. `target` is the key the pointer named.
   */
  getVia(pointerKey: string, ttlMs: number): Promise<{ target: string; value: string } | null>;
  /** Sets the value with a time to live. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only when the key is absent; true when this call set it (atomic across instances). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Returns the value and deletes it in one atomic step (single-use codes); null when absent. */
  take(key: string): Promise<string | null>;
  /** Deletes; true when the key existed. */
  delete(key: string): Promise<boolean>;
  /**
   * Atomically adds 1 and returns the new count. The time to live is set when the counter is
   * created and is not extended by later increments (a fixed window).
   */
  increment(key: string, ttlMs: number): Promise<number>;
  /**
   * Adds a member to the set at `key` and sets the set's time to live to ttlMs (a set is one
   * key: delete() removes it whole). Used for per-user indexes, e.g. a user's sessions.
   */
  addToSet(key: string, member: string, ttlMs: number): Promise<void>;
  /** The members of the set at `key`; [] when absent. */
  members(key: string): Promise<string[]>;
  /** Removes one member; true when it was there. */
  removeFromSet(key: string, member: string): Promise<boolean>;
  /** Remaining time to live in ms, or null when absent. */
  ttl(key: string): Promise<number | null>;
  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A time to live must be a positive, finite number of ms (a programming mistake otherwise). */
export function checkTtl(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new TypeError(`ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}`);
  }
  return Math.ceil(ttlMs);
}
