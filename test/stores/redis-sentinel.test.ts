/**
 * RedisEphemeralStore over `redis+sentinel://`, against real servers this test starts on
 * loopback: a master, one replica and three Sentinels (quorum 2, a master is down after 500 ms
 * without an answer; test/helpers/redis-servers.ts).
 *
 * - The ephemeral conformance suite passes through Sentinel.
 * - A failover: the master is SIGKILLed; while no node is master every call rejects with
 *   StoreUnavailableError at once (never a hang, never a pass); once the Sentinels promote the
 *   replica, the same store works again by itself, with everything written (and replicated)
 *   before; the old master comes back, becomes a replica, and the store stays on the new one.
 * - A master demoted under an open connection (REPLICAOF on the node, behind Sentinel's back):
 *   the next write fails with READONLY, as StoreUnavailableError (a 503 in the gateway); the
 *   client goes back to the Sentinels, refuses a node that is no master, and works once they name
 *   the new one.
 * Skipped with a notice when redis-server is not installed, failed under CI=true.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { StoreUnavailableError } from '../../src/errors.ts';
import type { EphemeralStore } from '../../src/stores/ephemeral.ts';
import { RedisEphemeralStore } from '../../src/stores/redis.ts';
import { pollUntil } from '../helpers/poll.ts';
import { redisServerInstalled, requireRedisServer } from '../helpers/redis-server.ts';
import { type RedisNode, redisCommand } from '../helpers/redis-servers.ts';
import { startSentinelSet } from '../helpers/sentinel-set.ts';
import { ephemeralConformance } from './ephemeral-conformance.ts';

if (await redisServerInstalled()) {
  const set = await startSentinelSet();
  after(() => set.stop());
  let n = 0;
  ephemeralConformance('redis+sentinel', async () => {
    const store = await RedisEphemeralStore.connect(set.url, { prefix: `conf-${n++}:` });
    return { store, cleanup: () => store.close() };
  });
} else {
  it('EphemeralStore conformance: redis+sentinel', async (t) => {
    await requireRedisServer(t);
  });
}

/** Every method of the store, called once. */
const everyCall = (store: EphemeralStore): Record<string, () => Promise<unknown>> => ({
  get: () => store.get('k'),
  getAndTouch: () => store.getAndTouch('k', 60_000),
  getVia: () => store.getVia('p', 60_000),
  set: () => store.set('k', 'v', 60_000),
  setIfAbsent: () => store.setIfAbsent('n', 'v', 60_000),
  take: () => store.take('k'),
  delete: () => store.delete('k'),
  increment: () => store.increment('c', 60_000),
  addToSet: () => store.addToSet('s', 'm', 60_000),
  members: () => store.members('s'),
  ttl: () => store.ttl('k'),
  ping: () => store.ping(),
});

/** A write on `master`, then WAIT: true once a replica has everything written before it. */
async function replicated(master: RedisNode): Promise<boolean> {
  await redisCommand(master.port, 'SET', 'test:replication-marker', String(Date.now()));
  return Number(await redisCommand(master.port, 'WAIT', 1, 5000)) >= 1;
}

/** The port of the master the first Sentinel names now. */
async function namedMaster(sentinel: RedisNode, name: string): Promise<number> {
  const reply = (await redisCommand(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[];
  return Number(reply[1]);
}

const waitUntilUp = (store: EphemeralStore) =>
  pollUntil('the store to work again', async () => ((await store.ping()) === undefined ? true : undefined));

describe('RedisEphemeralStore through Sentinel, when the master fails', () => {
  it('fails fast with no master, then works on the promoted replica with the data written before', {
    timeout: 120_000,
  }, async (t) => {
    if (!(await requireRedisServer(t))) return;
    // a master is down after 1 s: the calls below are all made before any promotion can happen
    const set = await startSentinelSet({ downAfterMs: 1000 });
    t.after(() => set.stop());
    const store = await RedisEphemeralStore.connect(set.url, { prefix: 'fo:' });
    t.after(() => store.close());
    const old = await set.master();

    // what a gateway keeps there: a session, a TOTP replay mark, a failure counter, an index
    await store.set('session:s1', '{"user":"alice"}', 600_000);
    assert.equal(await store.setIfAbsent('totp-used:alice:1234', '1', 90_000), true);
    assert.equal(await store.increment('failures:alice', 900_000), 1);
    await store.addToSet('sessions:alice', 's1', 600_000);
    assert.ok(await replicated(old), 'the replica has the writes before the master dies');

    await old.kill('SIGKILL');
    await pollUntil('the store to notice', () =>
      store.ping().then(
        () => undefined,
        (err: unknown) => (err instanceof StoreUnavailableError ? true : undefined),
      ),
    );
    for (const [name, call] of Object.entries(everyCall(store))) {
      const started = Date.now();
      await assert.rejects(call(), StoreUnavailableError, `${name} with no master`);
      const took = Date.now() - started;
      assert.ok(took < 2500, `${name} took ${took} ms to fail`);
    }
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => store.get('session:s1')));
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof StoreUnavailableError));
    assert.equal(await namedMaster(set.sentinels[0] as RedisNode, set.name), old.port, 'no promotion happened yet');

    const promoted = await set.failedOver(old);
    await waitUntilUp(store);
    assert.equal(await store.get('session:s1'), '{"user":"alice"}', 'the session survived');
    assert.equal(await store.setIfAbsent('totp-used:alice:1234', '1', 90_000), false, 'the replay mark survived');
    assert.equal(await store.increment('failures:alice', 900_000), 2, 'the counter survived');
    assert.deepEqual(await store.members('sessions:alice'), ['s1']);

    // the old master comes back (empty: no persistence) and the Sentinels make it a replica
    await old.start();
    await set.replicaAgain(old);
    assert.equal(await redisCommand(old.port, 'GET', 'fo:session:s1'), '{"user":"alice"}', 'resynced');
    await assert.rejects(redisCommand(old.port, 'SET', 'x', '1'), /READONLY/, 'the old node refuses writes');
    await store.set('session:s2', 'after', 600_000);
    assert.equal(
      await redisCommand(promoted.port, 'GET', 'fo:session:s2'),
      'after',
      'the store writes to the new master',
    );
  });

  it('a master demoted under an open connection: READONLY fails that write, then the new master serves', {
    timeout: 120_000,
  }, async (t) => {
    if (!(await requireRedisServer(t))) return;
    const set = await startSentinelSet();
    t.after(() => set.stop());
    const store = await RedisEphemeralStore.connect(set.url, { prefix: 'ro:' });
    t.after(() => store.close());
    const a = await set.master();
    const b = set.nodes.find((n) => n !== a) as RedisNode;
    await store.set('k', 'before', 600_000);
    assert.ok(await replicated(a));

    // roles switched on the nodes themselves (an operator, an orchestrator), not by the
    // Sentinels: nothing closes the store's connection to a
    await redisCommand(b.port, 'REPLICAOF', 'NO', 'ONE');
    await redisCommand(a.port, 'REPLICAOF', '127.0.0.1', String(b.port));
    const err = await store.set('k', 'during', 600_000).then(
      () => assert.fail('a write to a replica passed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StoreUnavailableError);
    assert.match(String((err.cause as Error).message), /READONLY/);
    // the client reconnects; the Sentinels still name a, which the client refuses (not a master)
    await assert.rejects(store.set('k', 'during', 600_000), StoreUnavailableError);
    assert.equal(await namedMaster(set.sentinels[0] as RedisNode, set.name), a.port);

    await redisCommand((set.sentinels[0] as RedisNode).port, 'SENTINEL', 'FAILOVER', set.name);
    await set.failedOver(a);
    await waitUntilUp(store);
    assert.equal(await store.get('k'), 'before', 'nothing written during the switch, nothing lost');
    await store.set('k', 'after', 600_000);
    assert.equal(await redisCommand(b.port, 'GET', 'ro:k'), 'after');
  });

  it('passwords: the URL’s for the data nodes, sentinel_password for the Sentinels; a wrong one fails at once, unseen', {
    timeout: 120_000,
  }, async (t) => {
    if (!(await requireRedisServer(t))) return;
    const set = await startSentinelSet({ password: 'data-Pa55', sentinelPassword: 'watch-Pa55' });
    t.after(() => set.stop());
    const hosts = set.url.slice('redis+sentinel://'.length);
    const url = (data: string, sentinel: string) =>
      `redis+sentinel://:${data}@${hosts}?prefix=auth:&sentinel_password=${sentinel}`;

    const store = await RedisEphemeralStore.connect(url('data-Pa55', 'watch-Pa55'));
    t.after(() => store.close());
    await store.set('k', 'v', 60_000);
    const master = await set.master();
    assert.equal(await redisCommand(master.port, 'GET', 'auth:k'), 'v');

    for (const [data, sentinel, secret] of [
      ['data-Pa55', 'Wr0ng-watch', 'Wr0ng-watch'],
      ['Wr0ng-data', 'watch-Pa55', 'Wr0ng-data'],
    ] as const) {
      const started = Date.now();
      const err = await RedisEphemeralStore.connect(url(data, sentinel), { connectTimeoutMs: 1500 }).then(
        () => assert.fail(`connected with ${secret}`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof StoreUnavailableError);
      assert.ok(Date.now() - started < 1500 * 5, 'bounded');
      assert.ok(!inspect(err, { depth: 10 }).includes(secret), inspect(err, { depth: 10 }));
    }
  });
});
