/**
 * Readiness: pings the ephemeral and durable stores in parallel, each bounded by a timeout. A
 * ping that rejects, throws or outlasts the timeout counts as down; ready only when all are ok.
 */
import type { DurableStore } from '../stores/durable.ts';
import type { EphemeralStore } from '../stores/ephemeral.ts';

export type CheckStatus = 'ok' | 'down';
export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckStatus>;
}
export type ReadinessCheck = () => Promise<Readiness>;

/** Resolves 'ok' when ping settles successfully within timeoutMs, 'down' otherwise; never rejects. */
export function checkWithin(ping: () => Promise<unknown>, timeoutMs: number): Promise<CheckStatus> {
  return new Promise<CheckStatus>((resolve) => {
    const timer = setTimeout(() => resolve('down'), timeoutMs);
    const done = (status: CheckStatus) => {
      clearTimeout(timer);
      resolve(status);
    };
    try {
      ping().then(
        () => done('ok'),
        () => done('down'),
      );
    } catch {
      done('down');
    }
  });
}

export function storeReadiness(
  stores: { ephemeral: EphemeralStore; durable: DurableStore },
  timeoutMs = 1000,
): ReadinessCheck {
  return async () => {
    const [ephemeral, durable] = await Promise.all([
      checkWithin(() => stores.ephemeral.ping(), timeoutMs),
      checkWithin(() => stores.durable.ping(), timeoutMs),
    ]);
    return { ready: ephemeral === 'ok' && durable === 'ok', checks: { ephemeral, durable } };
  };
}
