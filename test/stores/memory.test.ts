/**
 * MemoryEphemeralStore: the conformance suite (with a ManualClock), plus what is specific to
 * memory: lazy expiry on read, the periodic sweep (driven by mocked timers) and close().
 * Also openEphemeral's spec handling (its redis branch is covered in redis.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { PortcullisError, StoreUnavailableError } from '../../src/errors.ts';
import { MemoryEphemeralStore } from '../../src/stores/memory.ts';
import { openEphemeral } from '../../src/stores/open.ts';
import { ephemeralConformance } from './ephemeral-conformance.ts';

ephemeralConformance('memory', async () => {
  const clock = new ManualClock();
  const store = new MemoryEphemeralStore({ clock });
  return { store, clock, cleanup: () => store.close() };
});

describe('MemoryEphemeralStore specifics', () => {
  it('drops an expired entry when it is read', async () => {
    const clock = new ManualClock();
    const store = new MemoryEphemeralStore({ clock });
    await store.set('k', 'v', 100);
    clock.advance(100);
    assert.equal(store.size, 1);
    assert.equal(await store.get('k'), null);
    assert.equal(store.size, 0);
    await store.close();
  });

  it('sweep() removes only expired entries', async () => {
    const clock = new ManualClock();
    const store = new MemoryEphemeralStore({ clock });
    await store.set('short', 'v', 100);
    await store.set('long', 'v', 10_000);
    await store.increment('counter', 100);
    assert.equal(store.sweep(), 0);
    clock.advance(100);
    assert.equal(store.sweep(), 2);
    assert.equal(store.size, 1);
    assert.equal(await store.get('long'), 'v');
    await store.close();
  });

  it('sweeps periodically on its interval, and close() stops the interval', async (t) => {
    mock.timers.enable({ apis: ['setInterval'] });
    t.after(() => mock.timers.reset());
    const clock = new ManualClock();
    const store = new MemoryEphemeralStore({ clock, sweepIntervalMs: 1000 });
    await store.set('a', 'v', 500);
    await store.set('b', 'v', 5000);
    const sweep = t.mock.method(store, 'sweep');
    clock.advance(500);
    mock.timers.tick(1000);
    assert.equal(sweep.mock.callCount(), 1);
    assert.equal(store.size, 1, 'the expired entry was swept');
    mock.timers.tick(1000);
    assert.equal(sweep.mock.callCount(), 2);
    await store.close();
    mock.timers.tick(10_000);
    assert.equal(sweep.mock.callCount(), 2, 'no sweep after close()');
  });

  it('rejects with StoreUnavailableError after close()', async () => {
    const store = new MemoryEphemeralStore({ clock: new ManualClock() });
    await store.close();
    await assert.rejects(store.get('k'), StoreUnavailableError);
    await assert.rejects(store.set('k', 'v', 1000), StoreUnavailableError);
    await assert.rejects(store.ping(), StoreUnavailableError);
    await store.close(); // idempotent
  });

  it('rejects a non-positive or non-finite ttl as a programming mistake', async () => {
    const store = new MemoryEphemeralStore({ clock: new ManualClock() });
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(store.set('k', 'v', ttl), TypeError);
      await assert.rejects(store.increment('k', ttl), TypeError);
    }
    await store.close();
  });
});

describe('openEphemeral', () => {
  it("opens 'memory' with the given clock", async () => {
    const clock = new ManualClock();
    const store = await openEphemeral('memory', { clock });
    assert.equal(store.kind, 'memory');
    await store.set('k', 'v', 10);
    clock.advance(10);
    assert.equal(await store.get('k'), null);
    await store.close();
  });

  it('refuses unknown specs without echoing them', async () => {
    await assert.rejects(
      openEphemeral('memcached://u:secret@host', { clock: new ManualClock() }),
      (e: unknown) =>
        e instanceof PortcullisError && e.code === 'PC_ERR_CONFIG_INVALID' && !e.message.includes('secret'),
    );
  });
});
