/**
 * The conformance suite every EphemeralStore implementation passes (memory, redis).
 *
 * `make()` gives a fresh store per test, optionally with the ManualClock that governs its
 * expiry. With a clock, expiry is checked exactly by moving the clock. Without one (Redis, whose
 * server clock governs), the tests assert with ttl() that the time to live was set within the
 * expected range; one test only uses a real 1 ms TTL and polls, with a bound, until it is gone.
 * No test depends on wall-clock timing luck. Each test uses a random key prefix.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ManualClock } from '../../src/clock.ts';
import type { EphemeralStore } from '../../src/stores/ephemeral.ts';

export interface ConformanceSubject {
  store: EphemeralStore;
  clock?: ManualClock;
  cleanup(): Promise<void>;
}

type Body = (s: ConformanceSubject, key: (name: string) => string) => Promise<void>;

/** Asserts a remaining time to live in (min, max], or exactly `exact` with a manual clock. */
function assertTtl(actual: number | null, max: number, clock: ManualClock | undefined, slack = 5000): void {
  assert.notEqual(actual, null, 'expected a time to live');
  if (clock) assert.equal(actual, max);
  else assert.ok((actual as number) > max - slack && (actual as number) <= max, `ttl ${actual} not in range of ${max}`);
}

export function ephemeralConformance(name: string, make: () => Promise<ConformanceSubject>): void {
  const test = (title: string, body: Body) =>
    it(title, async () => {
      const subject = await make();
      const prefix = `conf:${randomUUID()}:`;
      try {
        await body(subject, (k) => prefix + k);
      } finally {
        await subject.cleanup();
      }
    });

  describe(`EphemeralStore conformance: ${name}`, () => {
    test('get/set round-trips, overwrites, and keeps the empty string', async ({ store }, key) => {
      assert.equal(await store.get(key('a')), null);
      await store.set(key('a'), 'one', 60_000);
      assert.equal(await store.get(key('a')), 'one');
      await store.set(key('a'), 'two', 60_000);
      assert.equal(await store.get(key('a')), 'two');
      await store.set(key('empty'), '', 60_000);
      assert.equal(await store.get(key('empty')), '');
    });

    test('entries expire after their time to live', async ({ store, clock }, key) => {
      if (clock) {
        await store.set(key('e'), 'v', 1000);
        clock.advance(999);
        assert.equal(await store.get(key('e')), 'v');
        clock.advance(1);
        assert.equal(await store.get(key('e')), null);
        assert.equal(await store.ttl(key('e')), null);
        return;
      }
      await store.set(key('e'), 'v', 90_000);
      assertTtl(await store.ttl(key('e')), 90_000, clock);
      // The one real expiry: a 1 ms TTL, polled (bounded) until the server has dropped it.
      await store.set(key('short'), 'v', 1);
      let gone = false;
      for (let i = 0; i < 100 && !gone; i++) {
        gone = (await store.get(key('short'))) === null;
        if (!gone) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(gone, 'a 1 ms entry was still present after 2 s');
    });

    test('set replaces the time to live', async ({ store, clock }, key) => {
      await store.set(key('r'), 'v', 60_000);
      await store.set(key('r'), 'w', 10_000);
      assertTtl(await store.ttl(key('r')), 10_000, clock);
    });

    test('getAndTouch returns the value and resets the time to live', async ({ store, clock }, key) => {
      assert.equal(await store.getAndTouch(key('absent'), 1000), null);
      assert.equal(await store.ttl(key('absent')), null, 'getAndTouch must not create');
      if (clock) {
        await store.set(key('t'), 'v', 1000);
        clock.advance(800);
        assert.equal(await store.getAndTouch(key('t'), 1000), 'v');
        assert.equal(await store.ttl(key('t')), 1000);
        clock.advance(800);
        assert.equal(await store.get(key('t')), 'v', 'the touched entry outlives its first TTL');
        clock.advance(200);
        assert.equal(await store.get(key('t')), null);
        return;
      }
      await store.set(key('t'), 'v', 5000);
      assert.equal(await store.getAndTouch(key('t'), 120_000), 'v');
      assertTtl(await store.ttl(key('t')), 120_000, clock);
    });

    test('getVia follows a pointer to the value it names and slides only the target', async ({ store, clock }, key) => {
      assert.equal(await store.getVia(key('p'), 1000), null, 'no pointer');
      await store.set(key('p'), key('target'), 60_000);
      assert.equal(await store.getVia(key('p'), 1000), null, 'a pointer to nothing');
      assert.equal(await store.ttl(key('target')), null, 'getVia must not create the target');
      await store.set(key('target'), 'the value', 1000);
      assert.deepEqual(await store.getVia(key('p'), 5000), { target: key('target'), value: 'the value' });
      assertTtl(await store.ttl(key('target')), 5000, clock);
      assertTtl(await store.ttl(key('p')), 60_000, clock);
      await store.delete(key('target'));
      assert.equal(await store.getVia(key('p'), 1000), null, 'the target is gone: so is the answer');
      await store.set(key('target'), 'back', 1000);
      await store.delete(key('p'));
      assert.equal(await store.getVia(key('p'), 1000), null, 'the pointer is gone: the target is not reached');
      if (clock) {
        await store.set(key('p2'), key('t2'), 1000);
        await store.set(key('t2'), 'v', 60_000);
        clock.advance(1000);
        assert.equal(await store.getVia(key('p2'), 1000), null, 'an expired pointer leads nowhere');
      }
    });

    test('setIfAbsent sets once, then refuses', async ({ store, clock }, key) => {
      assert.equal(await store.setIfAbsent(key('n'), 'first', 60_000), true);
      assert.equal(await store.setIfAbsent(key('n'), 'second', 60_000), false);
      assert.equal(await store.get(key('n')), 'first');
      assertTtl(await store.ttl(key('n')), 60_000, clock);
      if (clock) {
        clock.advance(60_000);
        assert.equal(await store.setIfAbsent(key('n'), 'third', 60_000), true, 'an expired key counts as absent');
      } else {
        await store.delete(key('n'));
        assert.equal(await store.setIfAbsent(key('n'), 'third', 60_000), true);
      }
      assert.equal(await store.get(key('n')), 'third');
    });

    test('50 concurrent setIfAbsent: exactly one wins', async ({ store }, key) => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.setIfAbsent(key('race'), `v${i}`, 60_000)),
      );
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      assert.equal(winners.length, 1);
      assert.equal(await store.get(key('race')), `v${winners[0]}`);
    });

    test('take is single-use, also under 50 concurrent takes', async ({ store }, key) => {
      assert.equal(await store.take(key('absent')), null);
      await store.set(key('code'), '123456', 60_000);
      assert.equal(await store.take(key('code')), '123456');
      assert.equal(await store.take(key('code')), null);
      assert.equal(await store.get(key('code')), null);
      await store.set(key('race'), 'once', 60_000);
      const taken = await Promise.all(Array.from({ length: 50 }, () => store.take(key('race'))));
      assert.deepEqual(
        taken.filter((v) => v !== null),
        ['once'],
      );
    });

    test('increment counts in a fixed window', async ({ store, clock }, key) => {
      assert.equal(await store.increment(key('c'), 1000), 1);
      assertTtl(await store.ttl(key('c')), 1000, clock, 1000);
      if (clock) {
        clock.advance(600);
        assert.equal(await store.increment(key('c'), 1000), 2);
        assert.equal(await store.ttl(key('c')), 400, 'the window is not extended');
        clock.advance(400);
        assert.equal(await store.increment(key('c'), 1000), 1, 'a new window starts');
        return;
      }
      await store.delete(key('c'));
      assert.equal(await store.increment(key('c'), 60_000), 1);
      assert.equal(await store.increment(key('c'), 600_000), 2);
      assert.equal(await store.increment(key('c'), 600_000), 3);
      assertTtl(await store.ttl(key('c')), 60_000, clock);
    });

    test('100 concurrent increments reach exactly 100', async ({ store, clock }, key) => {
      const counts = await Promise.all(Array.from({ length: 100 }, () => store.increment(key('many'), 60_000)));
      assert.deepEqual(
        [...counts].sort((a, b) => a - b),
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      assert.equal(await store.get(key('many')), '100');
      assertTtl(await store.ttl(key('many')), 60_000, clock);
    });

    test('delete reports whether the key existed', async ({ store }, key) => {
      await store.set(key('d'), 'v', 60_000);
      assert.equal(await store.delete(key('d')), true);
      assert.equal(await store.get(key('d')), null);
      assert.equal(await store.delete(key('d')), false);
    });

    test('ttl is null for an absent key', async ({ store }, key) => {
      assert.equal(await store.ttl(key('nothing')), null);
    });

    test('keys and values with unusual characters stay distinct', async ({ store }, key) => {
      const odd = ['a b', 'ünïcødé ✓ 🗝', 'with:colons/and/slashes', 'new\nline\r\t', '*?[glob]{}', '"quotes\'', '\\'];
      odd.push('x'.repeat(2000), '');
      for (const [i, k] of odd.entries()) await store.set(key(k), `value ${i} ${k}`, 60_000);
      for (const [i, k] of odd.entries()) assert.equal(await store.get(key(k)), `value ${i} ${k}`);
      assert.equal(await store.get(key('a')), null, 'no prefix matching');
    });

    test('sets: add, members, remove; one key with one time to live; delete drops it whole', async ({
      store,
      clock,
    }, key) => {
      const k = key('set');
      assert.deepEqual(await store.members(k), []);
      await store.addToSet(k, 'a', 60_000);
      await store.addToSet(k, 'b', 60_000);
      await store.addToSet(k, 'a', 60_000);
      assert.deepEqual((await store.members(k)).sort(), ['a', 'b']);
      assertTtl(await store.ttl(k), 60_000, clock);
      assert.equal(await store.removeFromSet(k, 'a'), true);
      assert.equal(await store.removeFromSet(k, 'a'), false);
      assert.deepEqual(await store.members(k), ['b']);
      await store.addToSet(k, 'c', 120_000);
      assertTtl(await store.ttl(k), 120_000, clock);
      assert.equal(await store.delete(k), true);
      assert.deepEqual(await store.members(k), []);
      if (clock) {
        await store.addToSet(k, 'x', 1000);
        clock.advance(1000);
        assert.deepEqual(await store.members(k), [], 'a set expires like any key');
      }
    });

    test('concurrent additions to one set all land', async ({ store }, key) => {
      const k = key('set');
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.addToSet(k, `m${i}`, 60_000)));
      assert.equal((await store.members(k)).length, 50);
    });

    test('ping resolves', async ({ store }) => {
      await store.ping();
    });
  });
}
