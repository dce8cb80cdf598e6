/**
 * The durable store's one-winner rules with several writers, as several instances are: five
 * stores (five connections; five pools on PostgreSQL) on one database race for the same recovery
 * code, access code, invite, factor data (the TOTP step a code used) and expired codes; exactly
 * one of each wins. On SQLite the writers take turns through the file lock; on PostgreSQL the
 * statements truly run at once, and each rule is one conditional statement.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { DurableStore } from '../../src/stores/durable.ts';
import { type DurableTarget, durableTargets } from '../helpers/durable-targets.ts';

const RACERS = 5;

async function racers(target: DurableTarget, t: TestContext): Promise<DurableStore[]> {
  const location = target.fresh();
  const first = await target.open(location);
  const rest = await Promise.all(Array.from({ length: RACERS - 1 }, () => target.open(location)));
  const stores = [first, ...rest];
  t.after(() => Promise.all(stores.map((s) => s.close())));
  return stores;
}

const wins = (results: readonly unknown[]) => results.filter((r) => r === true || (r !== null && r !== false)).length;

for (const target of durableTargets) {
  describe(`durable store races (${target.name})`, () => {
    it('one recovery code used at once by five instances: one use succeeds', async (t) => {
      if (!target.ready(t)) return;
      const stores = await racers(target, t);
      await stores[0]?.replaceRecoveryCodes('alice', ['h1', 'h2'], 1);
      for (let round = 0; round < 5; round++) {
        if (round > 0) await stores[0]?.replaceRecoveryCodes('alice', ['h1', 'h2'], 1);
        const results = await Promise.all(stores.map((s) => s.useRecoveryCode('alice', 'h1', 2)));
        assert.equal(wins(results), 1, `round ${round}`);
      }
      assert.deepEqual(await stores[1]?.countRecoveryCodes('alice'), { total: 2, unused: 1 });
    });

    it('one access code and one invite taken at once: one instance gets each', async (t) => {
      if (!target.ready(t)) return;
      const stores = await racers(target, t);
      const [a] = stores as [DurableStore];
      await a.putAccessCode({ user: 'bob', codeHash: 'c', createdAt: 1, expiresAt: 100, createdBy: 'cli:root' });
      await a.putInvite({ user: 'carol', tokenHash: 't', createdAt: 1, expiresAt: 100, createdBy: 'cli:root' });
      const codes = await Promise.all(stores.map((s) => s.takeAccessCode('bob', 'c', 50)));
      const invites = await Promise.all(stores.map((s) => s.takeInvite('t', 50)));
      assert.equal(wins(codes), 1);
      assert.equal(wins(invites), 1);
      assert.equal(await a.findAccessCode('bob'), null);
    });

    it('a factor’s data replaced at once from the same old value (a TOTP step): one replacement wins', async (t) => {
      if (!target.ready(t)) return;
      const stores = await racers(target, t);
      const [a] = stores as [DurableStore];
      await a.addFactor({
        id: 'f1',
        user: 'dave',
        kind: 'totp',
        name: 'Phone',
        secret: null,
        data: { lastStep: 10 },
        createdAt: 1,
        lastUsedAt: null,
      });
      const results = await Promise.all(
        stores.map((s, i) => s.updateFactorData('dave', 'f1', { lastStep: 10 }, { lastStep: 11, by: i }, 5)),
      );
      assert.equal(wins(results), 1);
      const winner = results.indexOf(true);
      assert.deepEqual((await a.getFactor('f1'))?.data, { lastStep: 11, by: winner });
    });

    it('expired access codes swept by five instances at once: each code goes to exactly one', async (t) => {
      if (!target.ready(t)) return;
      const stores = await racers(target, t);
      const [a] = stores as [DurableStore];
      for (const user of ['u1', 'u2', 'u3', 'u4'])
        await a.putAccessCode({ user, codeHash: `c-${user}`, createdAt: 1, expiresAt: 10, createdBy: 'x' });
      const taken = (await Promise.all(stores.map((s) => s.takeExpiredAccessCodes(20)))).flat().map((c) => c.user);
      assert.deepEqual(taken.sort(), ['u1', 'u2', 'u3', 'u4']);
    });

    it('session ends marked at once: the latest mark wins whatever the order', async (t) => {
      if (!target.ready(t)) return;
      const stores = await racers(target, t);
      await Promise.all(stores.map((s, i) => s.endSessionsBefore('erin', 100 + ((i * 37) % RACERS))));
      assert.deepEqual(await stores[0]?.listSessionEnds(0), [{ user: 'erin', before: 100 + RACERS - 1 }]);
    });
  });
}
