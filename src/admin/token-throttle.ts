/**
 * Failed admin-token attempts counted per client address within a fixed window (default 10 a
 * minute); past the limit the address is refused without its token being looked at until the
 * window ends. The table is bounded: when full, the oldest window gives way.
 */
import type { Clock } from '../clock.ts';

export interface TokenThrottleOptions {
  readonly clock: Clock;
  readonly maxFailures?: number;
  readonly windowMs?: number;
  readonly maxAddresses?: number;
}

export class TokenThrottle {
  readonly #clock: Clock;
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxAddresses: number;
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(options: TokenThrottleOptions) {
    this.#clock = options.clock;
    this.#max = options.maxFailures ?? 10;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxAddresses = options.maxAddresses ?? 10_000;
  }

  /** ms until the address may try again, or null when it may now */
  blockedFor(address: string): number | null {
    const w = this.#current(address);
    return w !== undefined && w.failures >= this.#max ? w.start + this.#windowMs - this.#clock.now() : null;
  }

  recordFailure(address: string): void {
    const w = this.#current(address);
    if (w !== undefined) {
      w.failures++;
      return;
    }
    if (this.#windows.size >= this.#maxAddresses) {
      const oldest = this.#windows.keys().next().value;
      if (oldest !== undefined) this.#windows.delete(oldest);
    }
    this.#windows.set(address, { start: this.#clock.now(), failures: 1 });
  }

  #current(address: string) {
    const w = this.#windows.get(address);
    if (w === undefined) return undefined;
    if (this.#clock.now() - w.start < this.#windowMs) return w;
    this.#windows.delete(address);
    return undefined;
  }
}
