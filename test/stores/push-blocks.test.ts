/**
 * Push blocks in the durable store (real SQLite files): a report blocks push for the user until
 * an administrator lifts it; the first block is kept (a second report does not move its time);
 * the report lists them all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PushBlockRecord } from '../../src/stores/durable.ts';
import { durableTargets } from '../helpers/durable-targets.ts';

const block = (user: string, blockedAt: number, requestId = `r-${user}-${blockedAt}`): PushBlockRecord => ({
  user,
  blockedAt,
  requestId,
  ip: '203.0.113.9',
  country: 'NL',
  app: 'rmm',
});

for (const target of durableTargets)
  test(`push blocks: kept from the first report, lifted once, listed oldest first, surviving a reopen (${target.name})`, async (t) => {
    if (!target.ready(t)) return;
    const file = target.fresh();
    const store = await target.open(file);
    assert.equal(await store.findPushBlock('alice'), null);
    assert.equal(await store.blockPush(block('alice', 2000)), true);
    assert.equal(await store.blockPush(block('alice', 3000, 'r-later')), false, 'already blocked');
    assert.deepEqual(await store.findPushBlock('alice'), block('alice', 2000));
    assert.equal(await store.blockPush({ ...block('bob', 1000), ip: null, country: null, app: null }), true);
    assert.deepEqual(
      (await store.listPushBlocks()).map((b) => b.user),
      ['bob', 'alice'],
    );
    await store.close();

    const again = await target.open(file);
    t.after(() => again.close());
    assert.deepEqual(await again.findPushBlock('alice'), block('alice', 2000), 'a restart does not lift it');
    assert.equal(await again.unblockPush('alice'), true);
    assert.equal(await again.unblockPush('alice'), false);
    assert.equal(await again.findPushBlock('alice'), null);
    assert.deepEqual(
      (await again.listPushBlocks()).map((b) => b.user),
      ['bob'],
    );
    await assert.rejects(again.blockPush(block('', 1)), TypeError);
  });
