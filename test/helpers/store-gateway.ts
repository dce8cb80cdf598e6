/**
 * A test gateway on the memory store or on the real Redis under a key prefix of its own (a
 * user's session index then holds only this test's sessions), deleted after the test.
 */
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from './gateway.ts';
import { deleteRedisPrefix } from './redis-keys.ts';

export type EphemeralKind = 'memory' | 'redis';

export function ephemeralFor(store: EphemeralKind, t: TestContext): string {
  if (store === 'memory') return 'memory';
  const prefix = `pc-test-${randomUUID()}:`;
  t.after(() => deleteRedisPrefix(prefix));
  return `redis://127.0.0.1:6379/0?prefix=${prefix}`;
}

/** The gateway, closed after the test; `gateway` keys are merged over the stores. */
export async function startStoreGateway(
  store: EphemeralKind,
  t: TestContext,
  opts: TestGatewayOptions = {},
): Promise<TestGateway> {
  const gw = await startTestGateway({
    ...opts,
    gateway: {
      stores: { durable: 'sqlite:../data/test.db', ephemeral: ephemeralFor(store, t) },
      ...(opts.gateway ?? {}),
    },
  });
  t.after(() => gw.close());
  return gw;
}
