/**
 * Lockout: one suite run against the memory store (ManualClock drives expiry) and against the
 * real Redis at 127.0.0.1:6379 (skipped with a notice when it is not running, FAILED under
 * CI=true). Each Redis run uses its own key prefix and deletes only its keys afterwards.
 * Where the memory run moves the clock, the Redis run checks the PTTL instead of waiting.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  accountKeyPart,
  IP_FAILURE_MULTIPLIER,
  IPV6_PREFIX_BITS,
  ipKeyPart,
  Lockout,
} from '../../src/authn/lockout.ts';
import { ManualClock } from '../../src/clock.ts';
import type { EphemeralStore } from '../../src/stores/ephemeral.ts';
import { MemoryEphemeralStore } from '../../src/stores/memory.ts';
import { RedisEphemeralStore } from '../../src/stores/redis.ts';
import { deleteRedisPrefix } from '../helpers/redis-keys.ts';
import { redisAvailable, requireService } from '../helpers/services.ts';

const REDIS_URL = 'redis://127.0.0.1:6379/0';
const MINUTE = 60_000;
const IP = '203.0.113.7';
const OTHER_IP = '198.51.100.9';

interface Harness {
  readonly kind: 'memory' | 'redis';
  readonly store: EphemeralStore;
  readonly clock: ManualClock;
  /** mutable: the Lockout reads it on every call */
  readonly settings: { maxFailures: number; windowMs: number; durationMs: number };
  readonly lockout: Lockout;
  /** A new store instance and a new Lockout on the same backing data (a process restart); redis only. */
  restart(): Promise<{ store: EphemeralStore; lockout: Lockout }>;
  cleanup(): Promise<void>;
}

type Factory = () => Promise<Harness>;

const defaults = (): Harness['settings'] => ({
  maxFailures: 5,
  windowMs: 15 * MINUTE,
  durationMs: 30 * MINUTE,
});

const memoryFactory: Factory = async () => {
  const clock = new ManualClock();
  const store = new MemoryEphemeralStore({ clock });
  const settings = defaults();
  const lockout = new Lockout({ store, clock, settings: () => settings });
  return {
    kind: 'memory',
    store,
    clock,
    settings,
    lockout,
    restart: () => Promise.reject(new Error('the memory store does not survive a restart')),
    cleanup: () => store.close(),
  };
};

const redisFactory: Factory = async () => {
  const prefix = `pc:test:lockout:${randomUUID()}:`;
  const clock = new ManualClock();
  const store = await RedisEphemeralStore.connect(REDIS_URL, { prefix });
  const settings = defaults();
  const lockout = new Lockout({ store, clock, settings: () => settings });
  const opened: EphemeralStore[] = [store];
  return {
    kind: 'redis',
    store,
    clock,
    settings,
    lockout,
    async restart() {
      const fresh = await RedisEphemeralStore.connect(REDIS_URL, { prefix });
      opened.push(fresh);
      return {
        store: fresh,
        lockout: new Lockout({ store: fresh, clock: new ManualClock(), settings: () => settings }),
      };
    },
    async cleanup() {
      for (const s of opened) await s.close();
      await deleteRedisPrefix(prefix);
    },
  };
};

/** Records n failures one after the other; returns the results. */
async function fail(
  lockout: Lockout,
  account: string | null,
  ip: string | null,
  n: number,
  kind = 'password' as const,
) {
  const results = [];
  for (let i = 0; i < n; i++) results.push(await lockout.recordFailure(account, ip, kind));
  return results;
}

function lockoutSuite(name: string, factory: Factory): void {
  describe(`Lockout (${name} store)`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('locks after max_failures, counting password, TOTP and recovery failures together', async () => {
      const { lockout } = h;
      const kinds = ['password', 'totp', 'recovery', 'password'] as const;
      for (const [i, kind] of kinds.entries()) {
        const r = await lockout.recordFailure('alice', IP, kind);
        assert.deepEqual(r, { locked: false, failures: i + 1, ipLocked: false });
        assert.equal(await lockout.isLocked('alice', IP), false);
      }
      const fifth = await lockout.recordFailure('alice', IP, 'totp');
      assert.deepEqual(fifth, { locked: true, failures: 5, ipLocked: false });
      assert.equal(await lockout.isLocked('alice', IP), true);
      assert.equal(await lockout.isLocked('alice', null), true);
      assert.equal(await lockout.isLocked('alice', OTHER_IP), true, 'the account is locked from any address');
      // the IP itself is not locked: another account from it still gets through
      assert.equal(await lockout.isLocked('bob', IP), false);
      const status = await lockout.status('alice');
      assert.equal(status.locked, true);
      assert.equal(status.failures, 5);
      assert.ok(status.lockedForMs !== null && status.lockedForMs > 29 * MINUTE && status.lockedForMs <= 30 * MINUTE);
      // a further failure while locked does not report the lock again
      assert.equal((await lockout.recordFailure('alice', IP, 'webauthn')).locked, false);
      assert.equal((await lockout.recordFailure('alice', IP, 'push')).locked, false);
    });

    it('counts case and whitespace variants of a name as one account', async () => {
      const { lockout } = h;
      for (const variant of ['Alice', ' ALICE ', 'alice', '\talice\n'])
        await lockout.recordFailure(variant, IP, 'password');
      assert.equal(await lockout.isLocked('alice', null), false);
      const r = await lockout.recordFailure('ａｌｉｃｅ', IP, 'totp'); // fullwidth folds to alice
      assert.equal(r.locked, true);
      assert.equal(r.failures, 5);
      assert.equal(await lockout.isLocked(' aLiCe', null), true);
      assert.equal((await lockout.status('ALICE')).locked, true);
      assert.equal(await h.store.get('lock:acct:alice'), String(h.clock.now()), 'keyed by the canonical name');
    });

    it('locks unknown and malformed user names too (probing reveals nothing)', async () => {
      const { lockout } = h;
      const results = await fail(lockout, 'no-such-user', IP, 5);
      assert.deepEqual(
        results.map((r) => r.locked),
        [false, false, false, false, true],
      );
      assert.equal(await lockout.isLocked('No-Such-User', null), true);
      // a name that has no canonical form is counted under a hash of its folded form
      const odd = 'Not A Valid Name!';
      await fail(lockout, odd, IP, 4);
      assert.equal((await lockout.recordFailure('  not a valid name!  ', IP, 'password')).locked, true);
      assert.equal(await lockout.isLocked(odd, null), true);
      assert.equal(await lockout.isLocked('not', null), false);
    });

    it('a lock lasts `duration` and then expires', async () => {
      const { lockout, store, settings } = h;
      await fail(lockout, 'alice', IP, 5);
      if (h.kind === 'memory') {
        assert.equal(await store.ttl('lock:acct:alice'), settings.durationMs);
        h.clock.advance(settings.durationMs - 1);
        assert.equal(await lockout.isLocked('alice', IP), true);
        h.clock.advance(1);
        assert.equal(await lockout.isLocked('alice', IP), false);
        assert.deepEqual(await lockout.status('alice'), { locked: false, lockedForMs: null, failures: 0 });
        // the window (15 m) has passed too: the next failure starts afresh
        assert.deepEqual(await lockout.recordFailure('alice', IP, 'password'), {
          locked: false,
          failures: 1,
          ipLocked: false,
        });
      } else {
        const pttl = await store.ttl('lock:acct:alice');
        assert.ok(pttl !== null && pttl <= settings.durationMs && pttl > settings.durationMs - 5000, `PTTL ${pttl}`);
      }
    });

    it('failures older than the window fall out', async () => {
      const { lockout, store, settings } = h;
      await fail(lockout, 'alice', IP, 4);
      const counterTtl = await store.ttl('fail:acct:alice');
      assert.ok(counterTtl !== null && counterTtl <= settings.windowMs && counterTtl > settings.windowMs - 5000);
      if (h.kind === 'memory') {
        h.clock.advance(settings.windowMs);
        assert.equal((await lockout.status('alice')).failures, 0);
        const again = await fail(lockout, 'alice', IP, 4);
        assert.equal(again.at(-1)?.failures, 4);
        assert.equal(await lockout.isLocked('alice', IP), false);
        // the window is fixed: it runs from the first failure, later failures do not extend it
        h.clock.advance(settings.windowMs - 1);
        assert.equal((await lockout.recordFailure('alice', IP, 'password')).locked, true);
      }
    });

    it('a success before the lock clears the count (the IP count stays)', async () => {
      const { lockout } = h;
      await fail(lockout, 'alice', IP, 4);
      await lockout.recordSuccess('ALICE');
      assert.equal((await lockout.status('alice')).failures, 0);
      assert.equal(await h.store.get('fail:ip:203.0.113.7'), '4', 'a success never resets the per-IP count');
      const again = await fail(lockout, 'alice', IP, 4);
      assert.equal(again.at(-1)?.failures, 4);
      assert.equal(await lockout.isLocked('alice', IP), false);
    });

    it('a success while locked neither unlocks nor resets the count', async () => {
      const { lockout } = h;
      await fail(lockout, 'alice', IP, 5);
      await lockout.recordSuccess('alice');
      assert.equal(await lockout.isLocked('alice', IP), true);
      const status = await lockout.status('alice');
      assert.equal(status.locked, true);
      assert.equal(status.failures, 5);
    });

    it(`locks the IP after ${IP_FAILURE_MULTIPLIER} × max_failures, across different accounts`, async () => {
      const { lockout, settings, store } = h;
      const threshold = IP_FAILURE_MULTIPLIER * settings.maxFailures;
      for (let i = 1; i < threshold; i++) {
        const r = await lockout.recordFailure(`user${i}`, IP, 'password');
        assert.equal(r.ipLocked, false);
        assert.equal(r.locked, false, 'each account has a single failure');
      }
      assert.equal(await lockout.isLocked('fresh', IP), false);
      const last = await lockout.recordFailure(`user${threshold}`, IP, 'password');
      assert.deepEqual(last, { locked: false, failures: 1, ipLocked: true });
      assert.equal(await lockout.isLocked('fresh', IP), true, 'every account is refused from the locked IP');
      assert.equal(await lockout.isLocked(null, IP), true);
      assert.equal(await lockout.isLocked('fresh', OTHER_IP), false, 'the accounts themselves are not locked');
      const pttl = await store.ttl('lock:ip:203.0.113.7');
      assert.ok(pttl !== null && pttl <= settings.durationMs && pttl > settings.durationMs - 5000);
      // failures with no account name (e.g. a malformed request) still count against the IP
      const anonymous = await lockout.recordFailure(null, OTHER_IP, 'password');
      assert.deepEqual(anonymous, { locked: false, failures: 0, ipLocked: false });
      assert.equal(await store.get('fail:ip:198.51.100.9'), '1');
    });

    it('IPv4-mapped IPv6 is the IPv4 address; IPv6 clients are counted per /64', async () => {
      const { lockout, settings } = h;
      const threshold = IP_FAILURE_MULTIPLIER * settings.maxFailures;
      for (let i = 0; i < threshold; i++) {
        // a different address of the same /64 each time
        await lockout.recordFailure(`u${i}`, `2001:db8:1:2::${(i + 1).toString(16)}`, 'password');
      }
      assert.equal(await lockout.isLocked(null, '2001:db8:1:2:ffff::1'), true);
      assert.equal(await lockout.isLocked(null, '2001:db8:1:3::1'), false);
      await lockout.recordFailure('someone', '::ffff:203.0.113.7', 'password');
      assert.equal(await h.store.get('fail:ip:203.0.113.7'), '1');
    });

    it('30 concurrent failures at the threshold set the lock once and never extend it', async () => {
      const { lockout, store, settings } = h;
      await fail(lockout, 'alice', IP, settings.maxFailures - 1);
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          lockout.recordFailure(' Alice ', `192.0.2.${i + 1}`, (['password', 'totp', 'recovery'] as const)[i % 3]!),
        ),
      );
      assert.equal(results.filter((r) => r.locked).length, 1, 'exactly one failure reports the lock');
      assert.deepEqual(
        results.map((r) => r.failures).sort((a, b) => a - b),
        Array.from({ length: 30 }, (_, i) => settings.maxFailures + i),
        'the increments are atomic',
      );
      const first = await store.ttl('lock:acct:alice');
      assert.ok(first !== null && first <= settings.durationMs && first > settings.durationMs - 5000);
      if (h.kind === 'memory') {
        assert.equal(first, settings.durationMs);
        h.clock.advance(MINUTE);
        await Promise.all(Array.from({ length: 30 }, () => lockout.recordFailure('alice', IP, 'password')));
        assert.equal(await store.ttl('lock:acct:alice'), settings.durationMs - MINUTE);
      } else {
        await sleep(150);
        await Promise.all(Array.from({ length: 30 }, () => lockout.recordFailure('alice', IP, 'password')));
        const later = await store.ttl('lock:acct:alice');
        assert.ok(later !== null && later <= first - 100, `PTTL went from ${first} to ${later}: extended`);
      }
    });

    it('unlock clears the lock and the count', async () => {
      const { lockout } = h;
      await fail(lockout, 'alice', IP, 5);
      assert.equal(await lockout.unlock('ALICE'), true);
      assert.equal(await lockout.isLocked('alice', IP), false);
      assert.deepEqual(await lockout.status('alice'), { locked: false, lockedForMs: null, failures: 0 });
      assert.equal(await lockout.unlock('alice'), false, 'not locked any more');
      assert.deepEqual(await lockout.recordFailure('alice', IP, 'password'), {
        locked: false,
        failures: 1,
        ipLocked: false,
      });
    });

    it('reads the settings on every call (a configuration reload applies at once)', async () => {
      const { lockout, settings } = h;
      await fail(lockout, 'alice', IP, 2);
      settings.maxFailures = 3;
      assert.equal((await lockout.recordFailure('alice', IP, 'password')).locked, true);
      settings.durationMs = 5 * MINUTE;
      await fail(lockout, 'bob', OTHER_IP, 3);
      const pttl = await h.store.ttl('lock:acct:bob');
      assert.ok(pttl !== null && pttl <= 5 * MINUTE && pttl > 5 * MINUTE - 5000);
    });

    it('refuses nonsense settings and failure kinds (programming mistakes)', async () => {
      const { lockout, settings } = h;
      await assert.rejects(lockout.recordFailure('alice', IP, 'sms' as 'password'), TypeError);
      settings.maxFailures = 0;
      await assert.rejects(lockout.recordFailure('alice', IP, 'password'), TypeError);
      settings.maxFailures = 5;
      settings.windowMs = 0;
      await assert.rejects(lockout.recordFailure('alice', IP, 'password'), TypeError);
    });

    if (name === 'redis') {
      it('counters and locks survive a restart (a new store and Lockout on the same Redis)', async () => {
        await fail(h.lockout, 'alice', IP, 5);
        await fail(h.lockout, 'bob', IP, 2);
        await h.store.close();
        const { lockout } = await h.restart();
        assert.equal(await lockout.isLocked('alice', null), true);
        assert.equal((await lockout.status('bob')).failures, 2);
        const r = await fail(lockout, 'bob', IP, 3);
        assert.equal(r.at(-1)?.locked, true, 'the count carried over');
      });
    }
  });
}

describe('lockout key parts', () => {
  it('accounts: canonical form, else a hash that cannot collide with a canonical name', () => {
    assert.equal(accountKeyPart(' ALICE '), 'alice');
    assert.equal(accountKeyPart('ａｌｉｃｅ'), 'alice');
    const odd = accountKeyPart('Not A Valid Name!');
    assert.match(odd, /^~[0-9a-f]{32}$/);
    assert.equal(accountKeyPart(' not a valid name! '), odd);
    assert.match(accountKeyPart('x'.repeat(10_000)), /^~[0-9a-f]{32}$/, 'bounded');
  });

  it('IPs: canonical text, IPv6 by network, garbage hashed', () => {
    assert.equal(ipKeyPart('203.0.113.7'), '203.0.113.7');
    assert.equal(ipKeyPart('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(ipKeyPart('2001:DB8:1:2:3:4:5:6'), `2001:db8:1:2::/${IPV6_PREFIX_BITS}`);
    assert.match(ipKeyPart('not-an-ip'), /^~[0-9a-f]{32}$/);
  });
});

lockoutSuite('memory', memoryFactory);

if (await redisAvailable()) {
  lockoutSuite('redis', redisFactory);
} else {
  it('Lockout (redis store)', async (t) => {
    await requireService('redis', t);
  });
}
