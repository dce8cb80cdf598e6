/**
 * `portcullis user unlock` when no gateway answers (through a gateway: live-commands.test.ts):
 * against the real Redis at 127.0.0.1:6379 (skipped with a notice when it is not running, FAILED
 * under CI=true) and with the memory store (refused, exit 1).
 *
 * The command uses the store's default key prefix ('pc:'), so each Redis test locks a user name
 * of its own (unique per run) and deletes exactly that user's keys afterwards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Lockout } from '../../src/authn/lockout.ts';
import { runUserUnlock } from '../../src/cli/unlock.ts';
import { ManualClock } from '../../src/clock.ts';
import { CidrSet } from '../../src/context/cidr.ts';
import { RedisEphemeralStore } from '../../src/stores/redis.ts';
import { requireService } from '../helpers/services.ts';
import { captureIo, GATEWAY, makeConfig } from './fixtures.ts';

const REDIS_URL = 'redis://127.0.0.1:6379/0';

const withStore = (ephemeral: string) =>
  `${GATEWAY}stores:\n  ephemeral: "${ephemeral}"\nlockout: { max_failures: 3, window: 15m, duration: 30m }\n`;

/** A Lockout on the same Redis keys the CLI uses (default prefix). */
async function openLockout() {
  const store = await RedisEphemeralStore.connect(REDIS_URL);
  const lockout = new Lockout({
    store,
    clock: new ManualClock(),
    settings: () => ({
      maxFailures: 3,
      windowMs: 15 * 60_000,
      durationMs: 30 * 60_000,
      address: { maxFailures: 50, exempt: CidrSet.from([]) },
    }),
  });
  return { store, lockout };
}

describe('portcullis user unlock', () => {
  it('unlocks a locked account and its locked browsers in Redis, then says it was not locked', async (t) => {
    if (!(await requireService('redis', t))) return;
    const user = `unlock-test-${randomUUID()}`;
    const dir = makeConfig({ 'config/gateway.yaml': withStore(REDIS_URL) });
    const { store, lockout } = await openLockout();
    const elsewhere = { account: user, ip: null, device: null };
    const laptop = { account: user, ip: null, device: 'unlockTestLaptop000000' };
    try {
      for (let i = 0; i < 3; i++) {
        await lockout.recordFailure(elsewhere, 'password');
        await lockout.recordFailure(laptop, 'totp');
      }
      assert.equal(await lockout.lockedBy(elsewhere), 'account');
      assert.equal(await lockout.lockedBy(laptop), 'device');

      const io = captureIo();
      // the name is canonicalised as everywhere else
      assert.equal(await runUserUnlock([`  ${user.toUpperCase()} `, '--config', dir.gateway], io), 0);
      assert.equal(io.stdout.text, `unlocked ${user} (the account and 1 of its browsers)\n`);
      // no gateway runs with this configuration: the shared store is used directly, with a notice
      assert.match(io.stderr.text, /^notice: no admin token: .*; clearing the lockout in the shared store directly\n$/);
      assert.equal(await lockout.lockedBy(elsewhere), null);
      assert.equal(await lockout.lockedBy(laptop), null);
      assert.deepEqual(await lockout.status(user), {
        locked: false,
        lockedForMs: null,
        failures: 0,
        lockedDevices: [],
      });

      const again = captureIo();
      assert.equal(await runUserUnlock([user, `--config=${dir.gateway}`], again), 0);
      assert.equal(again.stdout.text, `${user} was not locked\n`);
    } finally {
      await lockout.unlock(user);
      await store.close();
      dir.remove();
    }
  });

  it('with the memory store and no gateway: refused, lockouts live in the gateway process', async () => {
    const dir = makeConfig({ 'config/gateway.yaml': withStore('memory') });
    try {
      const io = captureIo();
      assert.equal(await runUserUnlock(['alice', '--config', dir.gateway], io), 1);
      assert.equal(io.stdout.text, '');
      assert.match(io.stderr.text, /cannot unlock alice: no admin token: the gateway has not started/);
      assert.match(io.stderr.text, /memory of the running gateway/);
      assert.match(io.stderr.text, /PORTCULLIS_ADMIN_URL/);
    } finally {
      dir.remove();
    }
  });

  it('the default ephemeral store is memory: refused the same way', async () => {
    const dir = makeConfig();
    try {
      const io = captureIo();
      assert.equal(await runUserUnlock(['alice', '--config', dir.gateway], io), 1);
      assert.match(io.stderr.text, /stores\.ephemeral: 'memory'/);
    } finally {
      dir.remove();
    }
  });

  it('usage errors exit 2', async () => {
    for (const args of [[], ['a', 'b'], ['bad name!'], ['alice', '--force']]) {
      const io = captureIo();
      assert.equal(await runUserUnlock(args, io), 2, JSON.stringify(args));
      assert.match(io.stderr.text, /usage: portcullis user unlock NAME/);
    }
  });

  it('an invalid configuration exits 1 with located problems', async () => {
    const dir = makeConfig({ 'config/gateway.yaml': `${GATEWAY}bogus: 1\n` });
    try {
      const io = captureIo();
      assert.equal(await runUserUnlock(['alice', '--config', dir.gateway], io), 1);
      assert.match(io.stderr.text, /gateway\.yaml:\d+:\d+: /);
    } finally {
      dir.remove();
    }
  });

  it('an unreachable Redis exits 1 without printing the password', async () => {
    const dir = makeConfig({ 'config/gateway.yaml': withStore('redis://:s3cret-pw@127.0.0.1:1/0') });
    try {
      const io = captureIo();
      assert.equal(await runUserUnlock(['alice', '--config', dir.gateway], io), 1);
      assert.match(io.stderr.text, /redis store unavailable/);
      assert.doesNotMatch(io.stderr.text + io.stdout.text, /s3cret-pw/);
    } finally {
      dir.remove();
    }
  });
});
