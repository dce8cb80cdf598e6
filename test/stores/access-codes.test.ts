/**
 * Access codes in SqliteDurableStore (migration 7), on real files: migration 7 on top of a
 * database of migrations 1-6 (its data kept), one code per user (a new one replaces the
 * earlier), a use that needs the right hash, works once and never at or after expiry,
 * concurrent uses from two connections of which exactly one wins, and the sweep of expired
 * codes that hands each to one caller only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessCodeRecord } from '../../src/stores/durable.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/stores/migrations.ts';
import { durableTargets } from '../helpers/durable-targets.ts';

const T = 1_700_000_000_000;
const HOUR = 3_600_000;
const code = (over: Partial<AccessCodeRecord>): AccessCodeRecord => ({
  user: 'erin',
  codeHash: 'hash-1',
  createdAt: T,
  expiresAt: T + HOUR,
  createdBy: 'cli:root',
  ...over,
});

for (const target of durableTargets) {
  describe(`access codes in the durable store (${target.name})`, () => {
    it('migration 7 comes on top of a database of migrations 1-6, keeping its data', async (t) => {
      if (!target.ready(t)) return;
      const path = target.fresh();
      const old = await target.open(path, { migrations: MIGRATIONS.filter((m) => m.version <= 6) });
      await old.setPreference('erin', 'default_method', 'totp');
      await old.close();
      const store = await target.open(path);
      assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
      assert.equal(await store.getPreference('erin', 'default_method'), 'totp');
      assert.equal(await store.putAccessCode(code({})), false);
      assert.deepEqual(await store.findAccessCode('erin'), code({}));
      await store.close();
    });

    it("a new code replaces the user's earlier one; other users keep theirs", async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.putAccessCode(code({}));
      await store.putAccessCode(code({ user: 'frank', codeHash: 'hash-f' }));
      assert.equal(await store.putAccessCode(code({ codeHash: 'hash-2', createdAt: T + 1 })), true);
      assert.equal(await store.takeAccessCode('erin', 'hash-1', T + 2), null, 'the replaced code is dead');
      assert.equal((await store.findAccessCode('erin'))?.codeHash, 'hash-2');
      assert.deepEqual(
        (await store.listAccessCodes()).map((c) => c.user),
        ['frank', 'erin'],
      );
      await store.close();
    });

    it("is taken once, with the user's own hash only, and never at or after its expiry", async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.putAccessCode(code({}));
      await store.putAccessCode(code({ user: 'frank', codeHash: 'hash-f' }));
      assert.equal(await store.takeAccessCode('erin', 'hash-f', T + 1), null, "another user's code");
      assert.equal(await store.takeAccessCode('erin', 'hash-x', T + 1), null, 'a wrong code');
      assert.equal(await store.takeAccessCode('erin', 'hash-1', T + HOUR), null, 'expired at expiresAt');
      assert.ok(await store.findAccessCode('erin'), 'a wrong or late use leaves the code');
      assert.deepEqual(await store.takeAccessCode('erin', 'hash-1', T + 1), code({}));
      assert.equal(await store.takeAccessCode('erin', 'hash-1', T + 2), null, 'used');
      assert.equal(await store.removeAccessCode('frank'), true);
      assert.equal(await store.removeAccessCode('frank'), false);
      await store.close();
    });

    it('of two connections taking one code at once, exactly one gets it', async (t) => {
      if (!target.ready(t)) return;
      const path = target.fresh();
      const a = await target.open(path);
      const b = await target.open(path);
      await a.putAccessCode(code({}));
      const taken = await Promise.all([a.takeAccessCode('erin', 'hash-1', T), b.takeAccessCode('erin', 'hash-1', T)]);
      assert.equal(taken.filter((t) => t !== null).length, 1);
      await a.close();
      await b.close();
    });

    it('expired codes are swept once: each to one caller, live ones kept', async (t) => {
      if (!target.ready(t)) return;
      const path = target.fresh();
      const a = await target.open(path);
      const b = await target.open(path);
      await a.putAccessCode(code({}));
      await a.putAccessCode(code({ user: 'frank', codeHash: 'hash-f', expiresAt: T + 3 * HOUR }));
      const [x, y] = await Promise.all([a.takeExpiredAccessCodes(T + HOUR), b.takeExpiredAccessCodes(T + HOUR)]);
      assert.deepEqual([...x, ...y], [code({})]);
      assert.deepEqual(
        (await a.listAccessCodes()).map((c) => c.user),
        ['frank'],
      );
      await a.close();
      await b.close();
    });
  });
}
