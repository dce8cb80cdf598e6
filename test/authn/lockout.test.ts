/**
 * Lockout: one suite run against the memory store (ManualClock drives expiry) and against the
 * real Redis at 127.0.0.1:6379 (skipped with a notice when it is not running, FAILED under
 * CI=true). Each Redis run uses its own key prefix and deletes only its keys afterwards.
 * Where the memory run moves the clock, the Redis run checks the PTTL instead of waiting.
 *
 * The clients of the tables: `elsewhere(name)` presents no device cookie of the account (none,
 * another user's or a forged one all reach the Lockout as device null), `browser(name, id)`
 * presents a valid device cookie of that account.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type Client, type FailureKind, Lockout } from '../../src/authn/lockout.ts';
import { accountKeyPart, IPV6_PREFIX_BITS, ipKeyPart } from '../../src/authn/lockout-keys.ts';
import { ManualClock } from '../../src/clock.ts';
import { CidrSet } from '../../src/context/cidr.ts';
import type { EphemeralStore } from '../../src/stores/ephemeral.ts';
import { MemoryEphemeralStore } from '../../src/stores/memory.ts';
import { RedisEphemeralStore } from '../../src/stores/redis.ts';
import { deleteRedisPrefix } from '../helpers/redis-keys.ts';
import { redisAvailable, requireService } from '../helpers/services.ts';

const REDIS_URL = 'redis://127.0.0.1:6379/0';
const MINUTE = 60_000;
const IP = '203.0.113.7';
const OTHER_IP = '198.51.100.9';
/** device ids as Devices makes them: 22 base64url characters */
const ALICES_LAPTOP = 'aliceLaptop00000000000';
const ALICES_PHONE = 'alicePhone000000000000';
const BOBS_LAPTOP = 'bobLaptop0000000000000';
const EXEMPT = ['198.18.0.0/15', '2001:db8:e::/48'];

const elsewhere = (account: string | null, ip: string | null = IP): Client => ({ account, ip, device: null });
const browser = (account: string, device: string, ip: string | null = IP): Client => ({ account, ip, device });

interface MutableSettings {
  maxFailures: number;
  windowMs: number;
  durationMs: number;
  address: { maxFailures: number; exempt: CidrSet };
}

interface Harness {
  readonly kind: 'memory' | 'redis';
  readonly store: EphemeralStore;
  readonly clock: ManualClock;
  /** mutable: the Lockout reads it on every call */
  readonly settings: MutableSettings;
  readonly lockout: Lockout;
  /** A new store instance and a new Lockout on the same backing data (a process restart); redis only. */
  restart(): Promise<{ store: EphemeralStore; lockout: Lockout }>;
  cleanup(): Promise<void>;
}

type Factory = () => Promise<Harness>;

const defaults = (): MutableSettings => ({
  maxFailures: 5,
  windowMs: 15 * MINUTE,
  durationMs: 30 * MINUTE,
  address: { maxFailures: 12, exempt: CidrSet.from(EXEMPT) },
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

/** Records n failures of `client` one after the other; returns the results. */
async function fail(lockout: Lockout, client: Client, n: number, kind: FailureKind = 'password') {
  const results = [];
  for (let i = 0; i < n; i++) results.push(await lockout.recordFailure(client, kind));
  return results;
}

/** A PTTL within 5 s below `ms` (Redis time runs on while the test does). */
function assertAbout(ttl: number | null, ms: number, what: string): void {
  assert.ok(ttl !== null && ttl <= ms && ttl > ms - 5000, `${what}: PTTL ${ttl}, expected about ${ms}`);
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

    it('per account: clients without its device cookie lock it for such clients only', async () => {
      const { lockout } = h;
      const kinds = ['password', 'totp', 'recovery', 'webauthn'] as const;
      for (const [i, kind] of kinds.entries()) {
        // from a different address each time: the account is counted wherever the client is
        const r = await lockout.recordFailure(elsewhere('alice', `192.0.2.${i + 1}`), kind);
        assert.deepEqual(r, { failures: i + 1, events: [] });
        assert.equal(await lockout.lockedBy(elsewhere('alice')), null);
      }
      const fifth = await lockout.recordFailure(elsewhere('alice', '192.0.2.5'), 'push');
      assert.deepEqual(fifth, { failures: 5, events: [{ counter: 'account', failures: 5 }] });
      const table: [Client, 'account' | 'device' | null, string][] = [
        [elsewhere('alice'), 'account', 'a client without a device cookie'],
        [elsewhere('alice', null), 'account', 'an unknown address'],
        [elsewhere('alice', OTHER_IP), 'account', 'any address'],
        [browser('alice', ALICES_LAPTOP), null, "the owner's browser is not locked"],
        [browser('alice', ALICES_PHONE, OTHER_IP), null, 'nor any other of her browsers'],
        [elsewhere('bob'), null, 'another account'],
        [elsewhere(null), null, 'no account named'],
      ];
      for (const [client, expected, why] of table) assert.equal(await lockout.lockedBy(client), expected, why);
      const status = await lockout.status('alice');
      assert.equal(status.locked, true);
      assert.equal(status.failures, 5);
      assert.deepEqual(status.lockedDevices, []);
      assertAbout(status.lockedForMs, 30 * MINUTE, 'the account lock');
      // a further failure while locked does not report the lock again
      assert.deepEqual((await lockout.recordFailure(elsewhere('alice'), 'webauthn')).events, []);
    });

    it("per device: a browser with the account's device cookie counts on its own and locks only itself", async () => {
      const { lockout } = h;
      const results = await fail(lockout, browser('alice', ALICES_LAPTOP), 5, 'totp');
      assert.deepEqual(
        results.map((r) => r.failures),
        [1, 2, 3, 4, 5],
      );
      assert.deepEqual(results.at(-1)?.events, [{ counter: 'device', device: ALICES_LAPTOP, failures: 5 }]);
      const table: [Client, 'account' | 'device' | null, string][] = [
        [browser('alice', ALICES_LAPTOP), 'device', 'that browser is locked'],
        [browser('alice', ALICES_LAPTOP, OTHER_IP), 'device', 'wherever it goes'],
        [browser('alice', ALICES_PHONE), null, 'her other browser is not'],
        [elsewhere('alice'), null, 'nor the account for other clients'],
        [browser('bob', BOBS_LAPTOP), null, 'nor anyone else'],
      ];
      for (const [client, expected, why] of table) assert.equal(await lockout.lockedBy(client), expected, why);
      assert.deepEqual(await lockout.status('Alice'), {
        locked: false,
        lockedForMs: null,
        failures: 0,
        lockedDevices: [ALICES_LAPTOP],
      });
      assert.deepEqual((await lockout.recordFailure(browser('alice', ALICES_LAPTOP), 'password')).events, []);
    });

    it("an attacker's guesses from elsewhere lock the account for him, never the owner's browser", async () => {
      const { lockout } = h;
      // 40 guesses from many addresses, without (or with a forged, or another user's) device cookie
      for (let i = 0; i < 40; i++) await lockout.recordFailure(elsewhere('alice', `192.0.2.${i + 1}`), 'password');
      assert.equal(await lockout.lockedBy(elsewhere('alice', '192.0.2.99')), 'account');
      assert.equal(await lockout.lockedBy(browser('alice', ALICES_LAPTOP)), null);
      // the owner mistypes twice and signs in: her count clears, the attacker's lock stays
      await fail(lockout, browser('alice', ALICES_LAPTOP), 2);
      await lockout.recordSuccess(browser('alice', ALICES_LAPTOP));
      assert.equal(await lockout.lockedBy(elsewhere('alice')), 'account');
      assert.equal((await lockout.status('alice')).failures, 40);
      assert.deepEqual(await lockout.recordFailure(browser('alice', ALICES_LAPTOP), 'password'), {
        failures: 1,
        events: [],
      });
    });

    it('counts case and whitespace variants of a name as one account', async () => {
      const { lockout } = h;
      for (const variant of ['Alice', ' ALICE ', 'alice', '\talice\n'])
        await lockout.recordFailure(elsewhere(variant), 'password');
      assert.equal(await lockout.lockedBy(elsewhere('alice')), null);
      const r = await lockout.recordFailure(elsewhere('ａｌｉｃｅ'), 'totp'); // fullwidth folds to alice
      assert.deepEqual(r.events, [{ counter: 'account', failures: 5 }]);
      assert.equal(await lockout.lockedBy(elsewhere(' aLiCe')), 'account');
      assert.equal((await lockout.status('ALICE')).locked, true);
      assert.equal(await h.store.get('lock:acct:alice'), String(h.clock.now()), 'keyed by the canonical name');
      await fail(lockout, browser('ALICE ', ALICES_LAPTOP), 5);
      assert.equal(await lockout.lockedBy(browser('alice', ALICES_LAPTOP)), 'device');
      assert.notEqual(await h.store.get(`lock:dev:alice:${ALICES_LAPTOP}`), null);
    });

    it('locks unknown and malformed user names too (probing reveals nothing)', async () => {
      const { lockout } = h;
      const results = await fail(lockout, elsewhere('no-such-user'), 5);
      assert.deepEqual(
        results.map((r) => r.events.length),
        [0, 0, 0, 0, 1],
      );
      assert.equal(await lockout.lockedBy(elsewhere('No-Such-User')), 'account');
      // a name that has no canonical form is counted under a hash of its folded form
      const odd = 'Not A Valid Name!';
      await fail(lockout, elsewhere(odd), 4);
      assert.equal((await lockout.recordFailure(elsewhere('  not a valid name!  '), 'password')).events.length, 1);
      assert.equal(await lockout.lockedBy(elsewhere(odd)), 'account');
      assert.equal(await lockout.lockedBy(elsewhere('not')), null);
    });

    it('a lock and a throttle last `duration` and then expire', async () => {
      const { lockout, store, settings } = h;
      await fail(lockout, elsewhere('alice'), 5);
      await fail(lockout, browser('bob', BOBS_LAPTOP), 5);
      await fail(lockout, elsewhere(null), settings.address.maxFailures - 10);
      assert.notEqual(await lockout.throttledFor(elsewhere('carol')), null);
      const keys = ['lock:acct:alice', `lock:dev:bob:${BOBS_LAPTOP}`, `throttle:ip:${IP}`];
      if (h.kind === 'memory') {
        for (const key of keys) assert.equal(await store.ttl(key), settings.durationMs, key);
        assert.equal(await lockout.throttledFor(elsewhere('carol')), settings.durationMs, 'the wait, in ms');
        h.clock.advance(settings.durationMs - 1);
        assert.equal(await lockout.lockedBy(elsewhere('alice')), 'account');
        assert.equal(await lockout.lockedBy(browser('bob', BOBS_LAPTOP)), 'device');
        assert.equal(await lockout.throttledFor(elsewhere('carol')), 1);
        h.clock.advance(1);
        assert.equal(await lockout.lockedBy(elsewhere('alice')), null);
        assert.equal(await lockout.lockedBy(browser('bob', BOBS_LAPTOP)), null);
        assert.equal(await lockout.throttledFor(elsewhere('carol')), null);
        assert.deepEqual(await lockout.status('alice'), {
          locked: false,
          lockedForMs: null,
          failures: 0,
          lockedDevices: [],
        });
        // the window (15 m) has passed too: the next failure starts afresh
        assert.deepEqual(await lockout.recordFailure(elsewhere('alice'), 'password'), { failures: 1, events: [] });
      } else {
        for (const key of keys) assertAbout(await store.ttl(key), settings.durationMs, key);
        assertAbout(await lockout.throttledFor(elsewhere('carol')), settings.durationMs, 'the wait');
      }
    });

    it('failures older than the window fall out', async () => {
      const { lockout, store, settings } = h;
      await fail(lockout, elsewhere('alice'), 4);
      await fail(lockout, browser('alice', ALICES_LAPTOP), 4);
      for (const key of ['fail:acct:alice', `fail:dev:alice:${ALICES_LAPTOP}`, `fail:ip:${IP}`])
        assertAbout(await store.ttl(key), settings.windowMs, key);
      if (h.kind === 'memory') {
        h.clock.advance(settings.windowMs);
        assert.equal((await lockout.status('alice')).failures, 0);
        assert.equal(await store.get(`fail:ip:${IP}`), null);
        const again = await fail(lockout, elsewhere('alice'), 4);
        assert.equal(again.at(-1)?.failures, 4);
        assert.equal((await lockout.recordFailure(browser('alice', ALICES_LAPTOP), 'totp')).failures, 1);
        // the window is fixed: it runs from the first failure, later failures do not extend it
        h.clock.advance(settings.windowMs - 1);
        assert.equal((await lockout.recordFailure(elsewhere('alice'), 'password')).events.length, 1);
      }
    });

    it('a completed sign-in clears only the count it was charged to; never the address count', async () => {
      const { lockout, store } = h;
      const table: [what: string, success: Client, clears: string, keeps: string][] = [
        ['from elsewhere', elsewhere('alice'), 'fail:acct:alice', `fail:dev:alice:${ALICES_LAPTOP}`],
        ['on her browser', browser('alice', ALICES_LAPTOP), `fail:dev:alice:${ALICES_LAPTOP}`, 'fail:acct:alice'],
      ];
      for (const [what, success, clears, keeps] of table) {
        await fail(lockout, elsewhere('alice'), 3);
        await fail(lockout, browser('alice', ALICES_LAPTOP), 3);
        await lockout.recordSuccess(success);
        assert.equal(await store.get(clears), null, `${what}: ${clears} cleared`);
        assert.notEqual(await store.get(keeps), null, `${what}: ${keeps} kept`);
        await lockout.unlock('alice');
      }
      assert.equal(await store.get(`fail:ip:${IP}`), '12', 'a success never resets the address count');
      await assert.rejects(lockout.recordSuccess(elsewhere(null)), TypeError);
    });

    it("recent failures of a sign-in (risk signal): the account's, plus its own browser's", async () => {
      const { lockout } = h;
      await fail(lockout, elsewhere('alice'), 2);
      await fail(lockout, browser('alice', ALICES_LAPTOP), 3);
      await fail(lockout, browser('alice', ALICES_PHONE, OTHER_IP), 1);
      const table: [Client, number][] = [
        [elsewhere('ALICE', OTHER_IP), 2],
        [browser('alice', ALICES_LAPTOP), 5],
        [browser('alice', ALICES_PHONE), 3],
        [elsewhere('bob'), 0],
        [elsewhere(null), 0],
      ];
      for (const [client, expected] of table)
        assert.equal(await lockout.recentFailures(client), expected, JSON.stringify(client));
    });

    it('a success while locked neither unlocks nor resets the count', async () => {
      const { lockout } = h;
      await fail(lockout, elsewhere('alice'), 5);
      await fail(lockout, browser('alice', ALICES_LAPTOP), 5);
      await lockout.recordSuccess(elsewhere('alice'));
      await lockout.recordSuccess(browser('alice', ALICES_LAPTOP));
      assert.equal(await lockout.lockedBy(elsewhere('alice')), 'account');
      assert.equal(await lockout.lockedBy(browser('alice', ALICES_LAPTOP)), 'device');
      const status = await lockout.status('alice');
      assert.equal(status.failures, 5);
      assert.deepEqual(status.lockedDevices, [ALICES_LAPTOP]);
    });

    it('an address is throttled after address.max_failures, for clients without a device cookie of the account they name', async () => {
      const { lockout, settings, store } = h;
      const threshold = settings.address.maxFailures;
      for (let i = 1; i < threshold; i++) {
        const r = await lockout.recordFailure(elsewhere(`user${i}`), 'password');
        assert.deepEqual(r, { failures: 1, events: [] }, 'each account has a single failure');
      }
      assert.equal(await lockout.throttledFor(elsewhere('fresh')), null);
      // failures of a browser with its account's device cookie count towards the address too
      const last = await lockout.recordFailure(browser('alice', ALICES_LAPTOP), 'password');
      assert.deepEqual(last, { failures: 1, events: [{ counter: 'address', address: IP, failures: threshold }] });
      const table: [Client, boolean, string][] = [
        [elsewhere('fresh'), true, 'any name'],
        [elsewhere('user1'), true, 'a name that failed'],
        [elsewhere(null), true, 'no name'],
        [elsewhere('alice'), true, 'a real account from a client without its device cookie'],
        [browser('alice', ALICES_LAPTOP), false, "a browser with the account's device cookie"],
        [browser('alice', ALICES_PHONE), false, 'any browser of the account'],
        [{ account: null, ip: IP, device: ALICES_LAPTOP }, true, 'a device cookie without an account'],
        [elsewhere('fresh', OTHER_IP), false, 'another address'],
        [elsewhere('fresh', null), false, 'an unknown address'],
      ];
      for (const [client, throttled, why] of table)
        assert.equal((await lockout.throttledFor(client)) !== null, throttled, why);
      // a throttle is not a lock: it says nothing about any account
      assert.equal(await lockout.lockedBy(elsewhere('fresh')), null);
      assert.equal((await lockout.status('user1')).locked, false);
      assertAbout(await store.ttl(`throttle:ip:${IP}`), settings.durationMs, 'the throttle');
      // failures naming no account (a malformed request, a throttled attempt) count too, once
      const more = await fail(lockout, elsewhere(null), 3);
      assert.deepEqual(
        more.map((r) => r.events),
        [[], [], []],
      );
      assert.equal(await store.get(`fail:ip:${IP}`), String(threshold + 3));
    });

    it('exempt networks are never counted or throttled by address; accounts still lock there', async () => {
      const { lockout, settings, store } = h;
      const table: [ip: string, key: string][] = [
        ['198.18.4.5', '198.18.4.5'],
        ['198.19.255.1', '198.19.255.1'],
        ['::ffff:198.18.0.1', '198.18.0.1'],
        ['2001:db8:e:1::7', `2001:db8:e:1::/${IPV6_PREFIX_BITS}`],
      ];
      for (const [ip, key] of table) {
        for (let i = 0; i < settings.address.maxFailures + 3; i++)
          await lockout.recordFailure(elsewhere(`sprayed${i}`, ip), 'password');
        assert.equal(await lockout.throttledFor(elsewhere('fresh', ip)), null, ip);
        assert.equal(await store.get(`fail:ip:${key}`), null, `${ip} not counted`);
      }
      const locks = await fail(lockout, elsewhere('alice', '198.18.4.5'), settings.maxFailures);
      assert.deepEqual(locks.at(-1)?.events, [{ counter: 'account', failures: settings.maxFailures }]);
      // just outside: counted as usual
      await fail(lockout, elsewhere(null, '198.20.0.1'), settings.address.maxFailures);
      assert.notEqual(await lockout.throttledFor(elsewhere('fresh', '198.20.0.1')), null);
    });

    it('IPv4-mapped IPv6 is the IPv4 address; IPv6 clients are counted per /64', async () => {
      const { lockout, settings } = h;
      for (let i = 0; i < settings.address.maxFailures; i++) {
        // a different address of the same /64 each time
        await lockout.recordFailure(elsewhere(`u${i}`, `2001:db8:1:2::${(i + 1).toString(16)}`), 'password');
      }
      assert.notEqual(await lockout.throttledFor(elsewhere('x', '2001:db8:1:2:ffff::1')), null);
      assert.equal(await lockout.throttledFor(elsewhere('x', '2001:db8:1:3::1')), null);
      await lockout.recordFailure(elsewhere('someone', '::ffff:203.0.113.7'), 'password');
      assert.equal(await h.store.get('fail:ip:203.0.113.7'), '1');
    });

    it('30 concurrent failures at a threshold set each lock once and never extend it', async () => {
      const { lockout, store, settings } = h;
      settings.address.maxFailures = 50;
      await fail(lockout, elsewhere('alice', OTHER_IP), settings.maxFailures - 1);
      await fail(lockout, browser('alice', ALICES_LAPTOP, OTHER_IP), settings.maxFailures - 1);
      const kinds = ['password', 'totp', 'recovery'] as const;
      const burst = (client: (i: number) => Client) =>
        Promise.all(Array.from({ length: 30 }, (_, i) => lockout.recordFailure(client(i), kinds[i % 3] ?? 'password')));
      // 8 + 15 failures from OTHER_IP, then 30 more at once cross its 50
      const results = [
        ...(await burst((i) => elsewhere(' Alice ', i % 2 ? IP : OTHER_IP))),
        ...(await burst(() => browser('alice', ALICES_LAPTOP, OTHER_IP))),
      ];
      const events = results.flatMap((r) => r.events.map((e) => e.counter));
      assert.deepEqual(events.sort(), ['account', 'address', 'device'], 'each lock reported exactly once');
      assert.deepEqual(
        results
          .slice(0, 30)
          .map((r) => r.failures)
          .sort((a, b) => a - b),
        Array.from({ length: 30 }, (_, i) => settings.maxFailures + i),
        'the increments are atomic',
      );
      const keys = ['lock:acct:alice', `lock:dev:alice:${ALICES_LAPTOP}`, `throttle:ip:${OTHER_IP}`];
      const values = await Promise.all(keys.map((k) => store.get(k)));
      const ttls = await Promise.all(keys.map((k) => store.ttl(k)));
      for (const [i, key] of keys.entries()) assertAbout(ttls[i] ?? null, settings.durationMs, key);
      // later failures (a minute on) neither reset nor extend any of them
      h.clock.advance(MINUTE);
      await burst(() => elsewhere('alice', OTHER_IP));
      await burst(() => browser('alice', ALICES_LAPTOP, OTHER_IP));
      assert.deepEqual(await Promise.all(keys.map((k) => store.get(k))), values, 'set once, by the first');
      for (const [i, key] of keys.entries()) {
        const later = await store.ttl(key);
        assert.ok(later !== null && later <= (ttls[i] as number), `${key}: PTTL went up: extended`);
        if (h.kind === 'memory') assert.equal(later, settings.durationMs - MINUTE, key);
      }
    });

    it("unlock clears the account's lock and count and those of its browsers, not the address", async () => {
      const { lockout, store, settings } = h;
      assert.deepEqual(await lockout.unlock('alice'), { account: false, devices: 0 });
      await fail(lockout, elsewhere('alice'), 5);
      await fail(lockout, browser('alice', ALICES_LAPTOP), 5);
      await fail(lockout, browser('alice', ALICES_PHONE), 2);
      await fail(lockout, browser('bob', BOBS_LAPTOP), 5);
      assert.notEqual(await lockout.throttledFor(elsewhere('x')), null, `${settings.address.maxFailures} failures`);
      assert.deepEqual(await lockout.unlock('ALICE'), { account: true, devices: 1 });
      for (const client of [elsewhere('alice'), browser('alice', ALICES_LAPTOP), browser('alice', ALICES_PHONE)])
        assert.equal(await lockout.lockedBy(client), null);
      assert.deepEqual(await lockout.status('alice'), {
        locked: false,
        lockedForMs: null,
        failures: 0,
        lockedDevices: [],
      });
      assert.equal(await store.get(`fail:dev:alice:${ALICES_PHONE}`), null, 'unlocked browsers lose their count too');
      assert.equal(
        await lockout.lockedBy(browser('bob', BOBS_LAPTOP)),
        'device',
        "another user's browser stays locked",
      );
      assert.notEqual(await lockout.throttledFor(elsewhere('x')), null, 'the address throttle stays');
      assert.deepEqual(await lockout.unlock('alice'), { account: false, devices: 0 }, 'not locked any more');
      assert.deepEqual(await lockout.recordFailure(elsewhere('alice', OTHER_IP), 'password'), {
        failures: 1,
        events: [],
      });
    });

    it('reads the settings on every call (a configuration reload applies at once)', async () => {
      const { lockout, settings } = h;
      await fail(lockout, elsewhere('alice'), 2);
      settings.maxFailures = 3;
      assert.equal((await lockout.recordFailure(elsewhere('alice'), 'password')).events.length, 1);
      settings.durationMs = 5 * MINUTE;
      await fail(lockout, elsewhere('bob', OTHER_IP), 3);
      assertAbout(await h.store.ttl('lock:acct:bob'), 5 * MINUTE, 'the new duration');
      // the address had 3 failures; a lower limit throttles at the next, a new exemption lifts it
      settings.address.maxFailures = 4;
      assert.deepEqual((await lockout.recordFailure(elsewhere(null), 'password')).events, [
        { counter: 'address', address: IP, failures: 4 },
      ]);
      assert.notEqual(await lockout.throttledFor(elsewhere('carol')), null);
      settings.address.exempt = CidrSet.from(['203.0.113.0/24']);
      assert.equal(await lockout.throttledFor(elsewhere('carol')), null);
    });

    it('refuses nonsense settings, failure kinds and device ids (programming mistakes)', async () => {
      const { lockout, settings } = h;
      await assert.rejects(lockout.recordFailure(elsewhere('alice'), 'sms' as FailureKind), TypeError);
      await assert.rejects(lockout.recordFailure(browser('alice', 'not a device id'), 'password'), TypeError);
      await assert.rejects(lockout.lockedBy(browser('alice', 'x:y')), TypeError);
      const bad: [string, () => void][] = [
        ['max_failures 0', () => (settings.maxFailures = 0)],
        ['window 0', () => (settings.windowMs = 0)],
        ['duration Infinity', () => (settings.durationMs = Number.POSITIVE_INFINITY)],
        ['address max_failures 1.5', () => (settings.address.maxFailures = 1.5)],
      ];
      for (const [what, spoil] of bad) {
        Object.assign(settings, defaults());
        spoil();
        await assert.rejects(lockout.recordFailure(elsewhere('alice'), 'password'), TypeError, what);
        await assert.rejects(lockout.throttledFor(elsewhere('alice')), TypeError, what);
      }
    });

    if (name === 'redis') {
      it('counters and locks survive a restart (a new store and Lockout on the same Redis)', async () => {
        await fail(h.lockout, elsewhere('alice'), 5);
        await fail(h.lockout, elsewhere('bob'), 2);
        await fail(h.lockout, browser('carol', BOBS_LAPTOP), 5);
        await h.store.close();
        const { lockout } = await h.restart();
        assert.equal(await lockout.lockedBy(elsewhere('alice', null)), 'account');
        assert.equal(await lockout.lockedBy(browser('carol', BOBS_LAPTOP)), 'device');
        assert.notEqual(await lockout.throttledFor(elsewhere('dave')), null, '12 failures throttled the address');
        assert.equal((await lockout.status('bob')).failures, 2);
        const r = await fail(lockout, elsewhere('bob'), 3);
        assert.equal(r.at(-1)?.events[0]?.counter, 'account', 'the count carried over');
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

  it('addresses: canonical text, IPv6 by network, garbage hashed', () => {
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
