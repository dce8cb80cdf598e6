/**
 * Fail fast, fail closed, recover: against a private redis-server that the test stops and
 * restarts. While Redis is down every method rejects with StoreUnavailableError well under 5 s
 * (never a hang, never a pass); once it is back the same store works again after its background
 * reconnect, observed by polling ping() in a bounded loop. A hung (SIGSTOPped) Redis makes
 * commands time out the same way.
 * Also: a wrong password fails connect() at once, and the password never appears in the error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { StoreUnavailableError } from '../../src/errors.ts';
import type { EphemeralStore } from '../../src/stores/ephemeral.ts';
import { RedisEphemeralStore } from '../../src/stores/redis.ts';
import { requireRedisServer, startPrivateRedis } from '../helpers/redis-server.ts';

/** Every method of the store, called once. */
const everyCall = (store: EphemeralStore): Record<string, () => Promise<unknown>> => ({
  get: () => store.get('k'),
  getAndTouch: () => store.getAndTouch('k', 60_000),
  set: () => store.set('k', 'v', 60_000),
  setIfAbsent: () => store.setIfAbsent('n', 'v', 60_000),
  take: () => store.take('k'),
  delete: () => store.delete('k'),
  increment: () => store.increment('c', 60_000),
  ttl: () => store.ttl('k'),
  ping: () => store.ping(),
});

/** Polls ping() until it resolves; fails after `boundMs`. */
async function waitUntilUp(store: EphemeralStore, boundMs = 15_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    try {
      await store.ping();
      return;
    } catch (err) {
      assert.ok(err instanceof StoreUnavailableError);
      if (Date.now() > deadline) throw new Error(`store did not recover within ${boundMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('RedisEphemeralStore when Redis goes down and comes back', () => {
  it('fails fast with StoreUnavailableError while down, then recovers', { timeout: 60_000 }, async (t) => {
    if (!(await requireRedisServer(t))) return;
    const redis = await startPrivateRedis();
    const store = await RedisEphemeralStore.connect(redis.url, { prefix: 'down:' });
    try {
      await store.set('k', 'before', 60_000);
      assert.equal(await store.get('k'), 'before');

      await redis.stop();
      for (const [name, call] of Object.entries(everyCall(store))) {
        const started = Date.now();
        await assert.rejects(call(), StoreUnavailableError, `${name} while down`);
        const took = Date.now() - started;
        assert.ok(took < 4000, `${name} took ${took} ms to fail`);
      }
      // Concurrent calls fail fast too (no offline queue building up).
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => store.get('k')));
      assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof StoreUnavailableError));

      await redis.start();
      await waitUntilUp(store);
      await store.set('k', 'after', 60_000);
      assert.equal(await store.get('k'), 'after', 'a fresh server: the old value is gone, new writes work');
      assert.equal(await store.increment('c', 60_000), 1);
    } finally {
      await store.close();
      await redis.stop();
    }
  });

  it('a hung Redis makes commands time out with StoreUnavailableError, then recovers', async (t) => {
    if (!(await requireRedisServer(t))) return;
    const redis = await startPrivateRedis();
    const store = await RedisEphemeralStore.connect(redis.url, { commandTimeoutMs: 300 });
    try {
      await store.set('k', 'v', 60_000);
      redis.freeze();
      const started = Date.now();
      await assert.rejects(store.get('k'), StoreUnavailableError);
      await assert.rejects(store.increment('c', 60_000), StoreUnavailableError);
      assert.ok(Date.now() - started < 3000, 'timed out promptly');
      redis.thaw();
      await waitUntilUp(store);
      assert.equal(await store.get('k'), 'v');
    } finally {
      redis.thaw();
      await store.close();
      await redis.stop();
    }
  });

  it('connect() rejects when Redis is not there, within its timeout', async (t) => {
    if (!(await requireRedisServer(t))) return;
    const redis = await startPrivateRedis();
    await redis.stop();
    const started = Date.now();
    await assert.rejects(RedisEphemeralStore.connect(redis.url, { connectTimeoutMs: 1000 }), StoreUnavailableError);
    assert.ok(Date.now() - started < 3000);
  });

  it('a wrong password fails connect() at once and is never shown', async (t) => {
    if (!(await requireRedisServer(t))) return;
    const redis = await startPrivateRedis({ args: ['--requirepass', 'right-one'] });
    try {
      const url = `redis://:Wr0ng-S3cret@127.0.0.1:${redis.port}/0`;
      const err = await RedisEphemeralStore.connect(url, { connectTimeoutMs: 1500 }).then(
        () => assert.fail('connected with a wrong password'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof StoreUnavailableError);
      assert.ok(!inspect(err, { depth: 10 }).includes('Wr0ng-S3cret'), inspect(err));
      assert.ok(!String(err).includes('Wr0ng-S3cret'));

      const good = await RedisEphemeralStore.connect(`redis://:right-one@127.0.0.1:${redis.port}/0`);
      await good.ping();
      await good.close();
    } finally {
      await redis.stop();
    }
  });
});
