/**
 * Invites and the enrolment due in SqliteDurableStore (migration 5), on real files: migration 5
 * applied to a database that had only migrations 1–4 (its data kept), an invite round-tripped,
 * a new invite replacing the user's earlier one, a use that works once and never after expiry,
 * concurrent uses from two connections of which exactly one wins, and the enrolment mark.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InviteRecord } from '../../src/stores/durable.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/stores/migrations.ts';
import { durableTargets } from '../helpers/durable-targets.ts';

const T = 1_700_000_000_000;
const DAY = 86_400_000;
const invite = (over: Partial<InviteRecord>): InviteRecord => ({
  user: 'erin',
  tokenHash: 'hash-1',
  createdAt: T,
  expiresAt: T + 7 * DAY,
  createdBy: 'cli:root',
  ...over,
});

for (const target of durableTargets) {
  describe(`invites in the durable store (${target.name})`, () => {
    it('migration 5 comes on top of a database of migrations 1-4, keeping its data', async (t) => {
      if (!target.ready(t)) return;
      const path = target.fresh();
      const old = await target.open(path, { migrations: MIGRATIONS.filter((m) => m.version <= 4) });
      await old.endSessionsBefore('erin', T);
      await old.close();
      const store = await target.open(path);
      assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
      assert.ok(LATEST_SCHEMA_VERSION >= 5);
      assert.deepEqual(await store.listSessionEnds(0), [{ user: 'erin', before: T }]);
      assert.equal(await store.putInvite(invite({})), false);
      assert.deepEqual(await store.findInvite('hash-1'), invite({}));
      await store.close();
    });

    it('a new invite replaces the earlier one of the same user; other users keep theirs', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.putInvite(invite({}));
      await store.putInvite(invite({ user: 'frank', tokenHash: 'hash-f' }));
      assert.equal(await store.putInvite(invite({ tokenHash: 'hash-2', createdAt: T + 1 })), true);
      assert.equal(await store.findInvite('hash-1'), null);
      assert.equal((await store.findInvite('hash-2'))?.createdAt, T + 1);
      assert.equal((await store.findInvite('hash-f'))?.user, 'frank');
      await assert.rejects(store.putInvite(invite({ user: 'gina', tokenHash: 'hash-2' })), TypeError);
      await store.close();
    });

    it('an invite is taken once, and never at or after its expiry', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.putInvite(invite({}));
      assert.equal(await store.takeInvite('hash-1', T + 7 * DAY), null, 'expired at expiresAt');
      assert.ok(await store.findInvite('hash-1'), 'an expired invite stays until removed');
      assert.deepEqual(await store.takeInvite('hash-1', T + 1), invite({}));
      assert.equal(await store.takeInvite('hash-1', T + 2), null, 'used');
      assert.equal(await store.takeInvite('nothing', T), null);
      await store.putInvite(invite({ tokenHash: 'hash-3' }));
      assert.equal(await store.removeInvite('hash-3'), true);
      assert.equal(await store.removeInvite('hash-3'), false);
      await store.close();
    });

    it('of two connections taking one invite at once, exactly one gets it', async (t) => {
      if (!target.ready(t)) return;
      const path = target.fresh();
      const a = await target.open(path);
      const b = await target.open(path);
      await a.putInvite(invite({}));
      const taken = await Promise.all([a.takeInvite('hash-1', T), b.takeInvite('hash-1', T)]);
      assert.equal(taken.filter((t) => t !== null).length, 1);
      await a.close();
      await b.close();
    });

    it('the enrolment mark is per user and set once', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      assert.equal(await store.isEnrolmentDue('erin'), false);
      await store.markEnrolmentDue('erin', T);
      await store.markEnrolmentDue('erin', T + 1);
      assert.equal(await store.isEnrolmentDue('erin'), true);
      assert.equal(await store.isEnrolmentDue('frank'), false);
      await store.close();
    });
  });
}
