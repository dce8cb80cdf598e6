/**
 * Shared bits for the TOTP tests: RFC 6238 seeds as base32, a store wrapper that counts
 * calls (to prove a path never touched the store), and a fresh verifier over a memory store.
 */

import type { TotpAlgorithm, TotpDigits } from '../../src/authn/factors/totp/totp.ts';
import { base32Encode, TotpVerifier } from '../../src/authn/factors/totp/totp.ts';
import { ManualClock } from '../../src/clock.ts';
import type { EphemeralStore } from '../../src/stores/ephemeral.ts';
import { MemoryEphemeralStore } from '../../src/stores/memory.ts';

/** RFC 6238 Appendix B seeds (ASCII), base32-encoded. */
export const RFC_SECRETS: Record<TotpAlgorithm, string> = {
  sha1: base32Encode(Buffer.from('12345678901234567890', 'ascii')),
  sha256: base32Encode(Buffer.from('12345678901234567890123456789012', 'ascii')),
  sha512: base32Encode(Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii')),
};

/** A 160-bit base32 secret for the non-RFC tests. */
export const SECRET = RFC_SECRETS.sha1;

/** Wraps a store and counts every method call. */
export function countingStore(inner: EphemeralStore): { store: EphemeralStore; calls: () => number } {
  let calls = 0;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return value.apply(target, args);
      };
    },
  });
  return { store, calls: () => calls };
}

export interface Fixture {
  clock: ManualClock;
  store: MemoryEphemeralStore;
  verifier: TotpVerifier;
  close(): Promise<void>;
}

export function memoryFixture(
  o: { skew?: number; digits?: TotpDigits; period?: number; algorithm?: TotpAlgorithm; timeMs?: number } = {},
): Fixture {
  const clock = new ManualClock(o.timeMs ?? Date.UTC(2026, 0, 1, 12, 0, 10));
  const store = new MemoryEphemeralStore({ clock });
  const verifier = new TotpVerifier({
    store,
    clock,
    digits: o.digits ?? 6,
    period: o.period ?? 30,
    skew: o.skew ?? 1,
    algorithm: o.algorithm ?? 'sha1',
  });
  return { clock, store, verifier, close: () => store.close() };
}
