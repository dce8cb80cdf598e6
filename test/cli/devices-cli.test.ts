/**
 * `portcullis user devices`, `portcullis user forget-device` and the devices side of
 * `portcullis user reset-mfa`, on a real SQLite file: the listing (most recently seen first,
 * expired trust shown as not trusted, --json), forgetting one device or all (audited; with the
 * memory store the sessions go on and the command says so), the refusals (unknown user, unknown
 * or another user's device id, usage), and, with real Redis, the sessions signed in from the
 * forgotten device ending on every instance.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runUserDevices, runUserForgetDevice } from '../../src/cli/devices.ts';
import { main } from '../../src/cli/main.ts';
import { runUserResetMfa } from '../../src/cli/reset-mfa.ts';
import { ManualClock } from '../../src/clock.ts';
import type { DeviceRecord, DurableStore } from '../../src/stores/durable.ts';
import { openDurable } from '../../src/stores/open.ts';
import { PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';
import { requireService } from '../helpers/services.ts';
import { type ConfigDir, captureIo, GATEWAY, makeConfig } from './fixtures.ts';

const STORES = 'stores:\n  durable: sqlite:../data/devices.db\n  ephemeral: memory\n';
const T = Date.UTC(2026, 2, 1, 9, 30);
/** trust that ends long after any run of this test, and trust that ended long before */
const FAR_FUTURE = Date.UTC(2100, 0, 1);
const LONG_AGO = Date.UTC(2000, 0, 1);

const WINDOWS = 'Aaaaaaaaaaaaaaaaaaaaa1';
const LINUX = '-bbbbbbbbbbbbbbbbbbbb2';
const PHONE = 'Ccccccccccccccccccccc3';
const BOBS = 'Ddddddddddddddddddddd4';

const device = (over: Partial<DeviceRecord> & Pick<DeviceRecord, 'id' | 'user' | 'name'>): DeviceRecord => ({
  firstSeenAt: T,
  lastSeenAt: T,
  ip: null,
  country: null,
  trustedAt: null,
  trustedUntil: null,
  ...over,
});

/** A config folder whose SQLite file holds alice's three devices and bob's one. */
async function seeded(t: { after(fn: () => unknown): void }): Promise<{ dir: ConfigDir; durable: DurableStore }> {
  const dir = makeConfig({ 'config/gateway.yaml': GATEWAY + STORES });
  t.after(() => dir.remove());
  const durable = await openDurable('sqlite:../data/devices.db', dir.path('config'));
  t.after(() => durable.close());
  await durable.addDevice(
    device({
      id: WINDOWS,
      user: 'alice',
      name: 'Chrome on Windows',
      firstSeenAt: T - 86_400_000,
      lastSeenAt: T,
      ip: '192.0.2.10',
      country: 'FR',
      trustedAt: T,
      trustedUntil: FAR_FUTURE,
    }),
    20,
  );
  await durable.addDevice(
    device({ id: LINUX, user: 'alice', name: 'Firefox on Linux', lastSeenAt: T + 60_000, trustedUntil: LONG_AGO }),
    20,
  );
  await durable.addDevice(device({ id: PHONE, user: 'alice', name: 'Safari on iOS', lastSeenAt: T - 60_000 }), 20);
  await durable.addDevice(device({ id: BOBS, user: 'bob', name: 'Edge on Windows' }), 20);
  return { dir, durable };
}

const ids = async (durable: DurableStore, user: string) => (await durable.listDevices(user)).map((d) => d.id);

test('user devices: most recently seen first, trust or not (expired trust is not), --json for scripts', async (t) => {
  const { dir } = await seeded(t);
  const io = captureIo();
  assert.equal(await runUserDevices(['ALICE', '--config', dir.gateway], io), 0, io.stderr.text);
  const lines = io.stdout.text.trimEnd().split('\n');
  assert.equal(lines.length, 4, io.stdout.text);
  assert.match(lines[0] ?? '', /^ID +NAME +FIRST SEEN +LAST SEEN +IP +COUNTRY +TRUST$/);
  assert.match(
    lines[1] ?? '',
    /^-bbbbbbbbbbbbbbbbbbbb2 +Firefox on Linux +2026-03-01T09:30:00Z +2026-03-01T09:31:00Z +- +- +not trusted$/,
  );
  assert.match(
    lines[2] ?? '',
    /^Aaaaaaaaaaaaaaaaaaaaa1 +Chrome on Windows +2026-02-28T09:30:00Z +2026-03-01T09:30:00Z +192\.0\.2\.10 +FR +trusted until 2100-01-01T00:00:00Z$/,
  );
  assert.match(lines[3] ?? '', /^Ccccccccccccccccccccc3 +Safari on iOS .* not trusted$/);
  assert.doesNotMatch(io.stdout.text, /Edge on Windows/, 'only alice’s');

  const json = captureIo();
  assert.equal(await runUserDevices(['alice', '--json', '--config', dir.gateway], json), 0);
  const rows = JSON.parse(json.stdout.text) as Record<string, unknown>[];
  assert.deepEqual(
    rows.map((r) => r.id),
    [LINUX, WINDOWS, PHONE],
  );
  assert.deepEqual(rows[1], {
    id: WINDOWS,
    name: 'Chrome on Windows',
    first_seen: '2026-02-28T09:30:00Z',
    last_seen: '2026-03-01T09:30:00Z',
    ip: '192.0.2.10',
    country: 'FR',
    trusted: true,
    trusted_until: '2100-01-01T00:00:00Z',
  });
  assert.equal(rows[0]?.trusted, false);
  assert.equal(rows[0]?.trusted_until, null, 'expired trust is no trust');

  const none = captureIo();
  assert.equal(await runUserDevices(['carol', '--config', dir.gateway], none), 0);
  assert.equal(none.stdout.text, 'carol has no devices\n');
  const noneJson = captureIo();
  assert.equal(await runUserDevices(['carol', '--config', dir.gateway, '--json'], noneJson), 0);
  assert.deepEqual(JSON.parse(noneJson.stdout.text), []);

  const unknown = captureIo();
  assert.equal(await runUserDevices(['nobody', '--config', dir.gateway], unknown), 1);
  assert.match(unknown.stderr.text, /no user 'nobody'/);
  const usage = captureIo();
  assert.equal(await runUserDevices(['--config', dir.gateway], usage), 2);
  assert.match(usage.stderr.text, /usage: portcullis user devices NAME \[--config F\] \[--json\]/);
  assert.equal(await runUserDevices(['alice', 'bob', '--config', dir.gateway], captureIo()), 2);
  assert.equal(await runUserDevices(['alice', '--all', '--config', dir.gateway], captureIo()), 2);

  const viaMain = captureIo();
  assert.equal(await main(['user', 'devices', 'alice', '--config', dir.gateway], viaMain), 0);
  assert.equal(viaMain.stdout.text, io.stdout.text, 'dispatched from the main command');
});

test('user forget-device with the memory store: one device or all, audited; the sessions go on and it says so', async (t) => {
  const { dir, durable } = await seeded(t);
  const io = captureIo();
  assert.equal(await runUserForgetDevice(['alice', WINDOWS, '--config', dir.gateway], io), 0, io.stderr.text);
  assert.match(io.stdout.text, /^forgot 1 device\(s\) of alice: Chrome on Windows$/m);
  assert.match(
    io.stdout.text,
    /live in the memory of the running gateway \(stores\.ephemeral: memory\) and go on until they end/,
  );
  assert.deepEqual(await ids(durable, 'alice'), [LINUX, PHONE]);
  const audit = await durable.queryAudit({ event: 'admin.forget_device', user: 'alice' });
  assert.equal(audit.length, 1);
  const { by, ...detail } = audit[0]?.detail ?? {};
  assert.deepEqual(detail, { devices: ['Chrome on Windows'], all: false, sessions_ended: null });
  assert.match(String(by), /^cli:/);

  // an id that begins with '-' is the id, not an option
  assert.equal(await runUserForgetDevice(['alice', '--config', dir.gateway, LINUX], captureIo()), 0);
  assert.deepEqual(await ids(durable, 'alice'), [PHONE]);

  const unknown = captureIo();
  assert.equal(await runUserForgetDevice(['alice', WINDOWS, '--config', dir.gateway], unknown), 1, 'already gone');
  assert.match(unknown.stderr.text, /alice has no device 'Aaaaaaaaaaaaaaaaaaaaa1'/);
  const others = captureIo();
  assert.equal(await runUserForgetDevice(['alice', BOBS, '--config', dir.gateway], others), 1, 'bob’s device');
  assert.match(others.stderr.text, /alice has no device/);
  assert.deepEqual(await ids(durable, 'bob'), [BOBS], 'bob’s device is not forgotten');
  const noUser = captureIo();
  assert.equal(await runUserForgetDevice(['nobody', '--all', '--config', dir.gateway], noUser), 1);
  assert.match(noUser.stderr.text, /no user 'nobody'/);

  for (const args of [['alice'], ['alice', PHONE, '--all'], ['alice', PHONE, BOBS], ['--all'], ['alice', '--json']]) {
    const usage = captureIo();
    assert.equal(await runUserForgetDevice([...args, '--config', dir.gateway], usage), 2, args.join(' '));
    assert.match(usage.stderr.text, /usage: portcullis user forget-device NAME \(ID \| --all\) \[--config F\]/);
  }
  assert.deepEqual(await ids(durable, 'alice'), [PHONE], 'no usage error forgot anything');

  const all = captureIo();
  assert.equal(await main(['user', 'forget-device', 'alice', '--all', '--config', dir.gateway], all), 0);
  assert.match(all.stdout.text, /forgot 1 device\(s\) of alice: Safari on iOS/);
  assert.deepEqual(await ids(durable, 'alice'), []);
  const again = captureIo();
  assert.equal(await runUserForgetDevice(['alice', '--all', '--config', dir.gateway], again), 0);
  assert.equal(again.stdout.text, 'alice has no devices\n');
  assert.equal((await durable.queryAudit({ event: 'admin.forget_device', user: 'alice' })).length, 3);
  assert.deepEqual(await ids(durable, 'bob'), [BOBS]);
});

test('user reset-mfa forgets every device of the user too, and says how many', async (t) => {
  const { dir, durable } = await seeded(t);
  const io = captureIo();
  assert.equal(await runUserResetMfa(['alice', '--config', dir.gateway], io), 0, io.stderr.text);
  assert.match(io.stdout.text, /removed 0 factor\(s\) and the recovery codes of alice, and forgot 3 device\(s\)/);
  assert.deepEqual(await ids(durable, 'alice'), []);
  assert.deepEqual(await ids(durable, 'bob'), [BOBS]);
  const audit = await durable.queryAudit({ event: 'admin.reset_mfa', user: 'alice' });
  assert.equal(audit[0]?.detail?.devices_forgotten, 3);
  assert.equal(audit[0]?.detail?.factors_removed, 0);
});

/** Signs in through the JSON API from a browser holding `device` (a device cookie, or none). */
async function signIn(gw: TestGateway, user: string, device = ''): Promise<{ session: string; device: string }> {
  const answer = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/login',
    headers: {
      'content-type': 'application/json',
      origin: 'http://portal.test',
      ...(device ? { cookie: device } : {}),
    },
    body: JSON.stringify({ username: user, password: PASSWORD }),
  });
  assert.equal(answer.status, 200, answer.body);
  const name = gw.runtime.state().session.deviceCookieName;
  return { session: cookieFrom(answer, gw.cookieName) ?? '', device: cookieFrom(answer, name) ?? device };
}

test('user forget-device with Redis ends the sessions signed in from the device, on every instance', async (t) => {
  if (!(await requireService('redis', t))) return;
  const name = `erin-${randomBytes(4).toString('hex')}`;
  // two instances of one installation: the same Redis, SQLite file and secret key
  const shared = mkdtempSync(join(tmpdir(), 'portcullis-devices-'));
  // the command reads the store with the system clock, so the gateways start from now
  const options = {
    clock: new ManualClock(Date.now()),
    users: { [name]: { groups: ['msp-admins'] } },
    gateway: {
      data_dir: shared,
      stores: { durable: `sqlite:${join(shared, 'shared.db')}`, ephemeral: 'redis://127.0.0.1:6379/0' },
    },
  };
  const a = await startTestGateway(options);
  const b = await startTestGateway(options).catch(async (err) => {
    await a.close();
    throw err;
  });
  t.after(async () => {
    await a.runtime.sessions.revokeUser(name); // what is left of this run in the shared Redis
    await a.close();
    await b.close();
    rmSync(shared, { recursive: true, force: true });
  });
  const laptop = await signIn(a, name);
  const laptopAgain = await signIn(b, name, laptop.device);
  options.clock.advance(1_000);
  const phone = await signIn(a, name);
  const [phoneDevice, laptopDevice] = await a.runtime.durable.listDevices(name);
  assert.equal((await a.runtime.durable.listDevices(name)).length, 2, 'two browsers, one signed in twice');
  assert.ok(phoneDevice && laptopDevice && phoneDevice.lastSeenAt > laptopDevice.lastSeenAt);
  const config = join(a.dir, 'config/gateway.yaml');
  const alive = async (gw: TestGateway, cookie: string) =>
    (await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie } })).status === 200;

  const io = captureIo();
  assert.equal(await runUserForgetDevice([name, laptopDevice?.id ?? '', '--config', config], io), 0, io.stderr.text);
  assert.match(io.stdout.text, /ended 2 session\(s\) signed in from them/);
  assert.equal(await alive(b, laptop.session), false, 'ended on the other instance too');
  assert.equal(await alive(a, laptopAgain.session), false);
  assert.equal(await alive(b, phone.session), true, 'the other device’s session goes on');
  const audit = await a.runtime.durable.queryAudit({ event: 'admin.forget_device', user: name });
  assert.equal(audit[0]?.detail?.sessions_ended, 2);
  assert.deepEqual(audit[0]?.detail?.devices, [laptopDevice?.name]);

  const all = captureIo();
  assert.equal(await runUserForgetDevice([name, '--all', '--config', config], all), 0, all.stderr.text);
  assert.match(all.stdout.text, /forgot 1 device\(s\)/);
  assert.match(all.stdout.text, /ended 1 session\(s\)/);
  assert.equal(await alive(a, phone.session), false);
  assert.deepEqual(await a.runtime.durable.listDevices(name), []);
});
