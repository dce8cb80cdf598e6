/**
 * Devices and sign-in history in SqliteDurableStore, on real files under os.tmpdir(): migration 3
 * applied to a database that had only migrations 1–2 (its data kept), every field round-tripped,
 * a device reachable only through its own user, duplicate ids refused, the per-user bounds
 * (the `keep` most recently seen untrusted devices kept, and every trusted one; the newest
 * `keep` sign-ins kept), each bound applied in the transaction of the insert, listSignIns'
 * since, limit and order (equal times: latest recorded first), and StoreUnavailableError once
 * closed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from '../../src/errors.ts';
import type { AuditRecord, DeviceRecord, FactorRecord, SignInRecord } from '../../src/stores/durable.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/stores/migrations.ts';
import { SqliteDurableStore } from '../../src/stores/sqlite.ts';
import { auditRecord } from '../helpers/audit-record.ts';
import { durableTargets } from '../helpers/durable-targets.ts';

const root = mkdtempSync(join(tmpdir(), 'pc-devices-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(root, `case-${++n}`, 'portcullis.db');

const T = 1_700_000_000_000; // a realistic ms time, beyond 32 bits
const DAY = 86_400_000;

const device = (over: Partial<DeviceRecord>): DeviceRecord => ({
  id: 'd-1',
  user: 'alice',
  name: 'Chrome on Windows',
  firstSeenAt: T,
  lastSeenAt: T,
  ip: '192.0.2.1',
  country: 'FR',
  trustedAt: null,
  trustedUntil: null,
  ...over,
});

const signIn = (over: Partial<SignInRecord>): SignInRecord => ({
  user: 'alice',
  time: T,
  ip: '192.0.2.1',
  country: 'FR',
  latitude: 48.8566,
  longitude: 2.3522,
  deviceId: 'd-1',
  ...over,
});

const audit: AuditRecord = auditRecord({ time: 500 });

const factor: FactorRecord = {
  id: 'f-1',
  user: 'alice',
  kind: 'totp',
  name: 'Phone',
  secret: 'v1.AAAAAAAA.iv.ct.tag',
  data: null,
  createdAt: 1_000,
  lastUsedAt: null,
};

const ids = (devices: DeviceRecord[]) => devices.map((d) => d.id);

describe('migration 3 (devices)', () => {
  it('is applied on the next open of a database that had only migrations 1–2, keeping its data', async () => {
    const file = freshPath();
    const v2 = await SqliteDurableStore.open(file, { migrations: MIGRATIONS.slice(0, 2) });
    assert.equal(await v2.schemaVersion(), 2);
    await v2.appendAudit(audit);
    await v2.addFactor(factor);
    await v2.replaceRecoveryCodes('alice', ['h1', 'h2'], 1_000);
    await assert.rejects(v2.listDevices('alice'), StoreUnavailableError, 'no devices table yet');
    await assert.rejects(v2.listSignIns('alice', 0, 10), StoreUnavailableError, 'no sign_ins table yet');
    await v2.close();

    const v3 = await SqliteDurableStore.open(file, { migrations: MIGRATIONS.slice(0, 3) });
    assert.equal(MIGRATIONS[2]?.version, 3);
    assert.equal(await v3.schemaVersion(), 3);
    assert.deepEqual(await v3.queryAudit({}), [audit], 'the audit trail survives');
    assert.deepEqual(await v3.listFactors('alice'), [factor], 'the factors survive');
    assert.deepEqual(await v3.countRecoveryCodes('alice'), { total: 2, unused: 2 }, 'the recovery codes survive');
    await v3.addDevice(device({}), 10);
    await v3.recordSignIn(signIn({}), 10);
    await v3.close();

    const db = new Database(file, { readonly: true });
    assert.deepEqual(db.prepare('select version, name from schema_migrations order by version').all(), [
      { version: 1, name: 'audit' },
      { version: 2, name: 'factors' },
      { version: 3, name: 'devices' },
    ]);
    db.close();

    const again = await SqliteDurableStore.open(file);
    assert.equal(await again.schemaVersion(), LATEST_SCHEMA_VERSION, 'and the later ones apply in turn');
    assert.deepEqual(await again.listDevices('alice'), [device({})], 'reopening keeps the devices');
    assert.deepEqual(await again.listSignIns('alice', 0, 10), [signIn({})], 'and the sign-ins');
    await again.close();
  });

  it('creates the columns and indexes the brief asks for, and a PostgreSQL identity id', async () => {
    const file = freshPath();
    await (await SqliteDurableStore.open(file)).close();
    const db = new Database(file, { readonly: true });
    const columns = (table: string) =>
      (
        db.prepare(`pragma table_info(${table})`).all() as { name: string; type: string; notnull: number; pk: number }[]
      ).map((c) => `${c.name} ${c.type.toLowerCase()}${c.notnull ? ' not null' : ''}${c.pk ? ` pk${c.pk}` : ''}`);
    assert.deepEqual(columns('devices'), [
      'id text pk1',
      'user_name text not null',
      'name text not null',
      'first_seen_at bigint not null',
      'last_seen_at bigint not null',
      'ip text',
      'country text',
      'trusted_at bigint',
      'trusted_until bigint',
    ]);
    assert.deepEqual(columns('sign_ins'), [
      'id integer pk1',
      'user_name text not null',
      'time bigint not null',
      'ip text',
      'country text',
      'latitude double precision',
      'longitude double precision',
      'device_id text',
    ]);
    const indexColumns = (index: string) =>
      (db.prepare(`pragma index_info(${index})`).all() as { name: string }[]).map((c) => c.name);
    assert.deepEqual(indexColumns('devices_user'), ['user_name']);
    assert.deepEqual(indexColumns('sign_ins_user_time'), ['user_name', 'time']);
    db.close();

    const m3 = MIGRATIONS.find((m) => m.version === 3);
    assert.ok(m3?.postgres, 'a PostgreSQL variant');
    assert.match(m3.postgres, /id bigint generated always as identity primary key/);
    assert.equal(m3.postgres.replace('bigint generated always as identity', 'integer'), m3.sql, 'the only difference');
  });
});

for (const target of durableTargets) {
  describe(`devices (${target.name})`, () => {
    it('round-trips every field, nulls included; getDevice finds any user’s device', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      const seen = device({ id: 'd-seen' });
      const trusted = device({
        id: 'd-trusted',
        name: 'Firefox on Linux',
        firstSeenAt: T - DAY,
        lastSeenAt: T + 5,
        ip: '2001:db8::1',
        country: null,
        trustedAt: T + 1,
        trustedUntil: T + 30 * DAY,
      });
      const bare = device({ id: 'd-bare', user: 'bob', ip: null, country: null });
      await store.addDevice(seen, 10);
      await store.addDevice(trusted, 10);
      await store.addDevice(bare, 10);

      assert.deepEqual(await store.getDevice('d-seen'), seen);
      assert.deepEqual(await store.getDevice('d-trusted'), trusted);
      assert.deepEqual(await store.getDevice('d-bare'), bare, 'whoever it belongs to');
      assert.equal(await store.getDevice('nope'), null);
      assert.deepEqual(await store.listDevices('alice'), [trusted, seen], 'most recently seen first');
      assert.deepEqual(await store.listDevices('bob'), [bare]);
      assert.deepEqual(await store.listDevices('carol'), []);
      await store.close();
    });

    it('lists most recently seen first, equal times by id', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      for (const [id, lastSeenAt] of [
        ['c', T + 1],
        ['b', T + 2],
        ['a', T + 1],
        ['d', T],
      ] as const) {
        await store.addDevice(device({ id, lastSeenAt }), 10);
      }
      assert.deepEqual(ids(await store.listDevices('alice')), ['b', 'a', 'c', 'd']);
      await store.close();
    });

    it('touches, trusts and removes a device only through its own user', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      const alices = device({ id: 'd-a' });
      const bobs = device({ id: 'd-b', user: 'bob', name: 'Safari on iOS', ip: '198.51.100.7', country: 'DE' });
      await store.addDevice(alices, 10);
      await store.addDevice(bobs, 10);

      const seen = { time: T + 100, ip: '203.0.113.9', country: 'BE' };
      assert.equal(await store.touchDevice('alice', 'd-b', seen), false, "bob's device, through alice");
      assert.equal(await store.trustDevice('alice', 'd-b', T + 100, T + DAY), false);
      assert.equal(await store.removeDevice('alice', 'd-b'), false);
      assert.equal(await store.touchDevice('alice', 'nope', seen), false, 'an unknown id');
      assert.equal(await store.trustDevice('alice', 'nope', T + 100, T + DAY), false);
      assert.equal(await store.removeDevice('alice', 'nope'), false);
      assert.deepEqual(await store.getDevice('d-b'), bobs, 'bob’s device unchanged');
      assert.deepEqual(await store.getDevice('d-a'), alices, 'alice’s device unchanged');

      assert.equal(await store.touchDevice('alice', 'd-a', seen), true);
      assert.deepEqual(
        await store.getDevice('d-a'),
        { ...alices, lastSeenAt: T + 100, ip: '203.0.113.9', country: 'BE' },
        'lastSeenAt, ip and country set; firstSeenAt and the rest kept',
      );
      assert.equal(await store.touchDevice('alice', 'd-a', { time: T + 200, ip: null, country: null }), true);
      assert.deepEqual(await store.getDevice('d-a'), { ...alices, lastSeenAt: T + 200, ip: null, country: null });

      assert.equal(await store.trustDevice('alice', 'd-a', T + 300, T + 300 + 30 * DAY), true);
      assert.deepEqual(await store.getDevice('d-a'), {
        ...alices,
        lastSeenAt: T + 200,
        ip: null,
        country: null,
        trustedAt: T + 300,
        trustedUntil: T + 300 + 30 * DAY,
      });

      assert.equal(await store.removeDevice('alice', 'd-a'), true);
      assert.equal(await store.removeDevice('alice', 'd-a'), false, 'already gone');
      assert.equal(await store.getDevice('d-a'), null);
      assert.deepEqual(await store.listDevices('bob'), [bobs], 'bob untouched throughout');
      await store.close();
    });

    it('refuses a duplicate id (even for another user) and malformed devices as TypeErrors', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      const original = device({ id: 'dup' });
      await store.addDevice(original, 10);
      await assert.rejects(store.addDevice(device({ id: 'dup' }), 10), TypeError);
      await assert.rejects(store.addDevice(device({ id: 'dup', user: 'bob', name: 'Other' }), 10), TypeError);
      assert.deepEqual(await store.getDevice('dup'), original, 'the original is kept');
      assert.deepEqual(await store.listDevices('bob'), []);

      await assert.rejects(store.addDevice(device({ id: '' }), 10), TypeError);
      await assert.rejects(store.addDevice(device({ id: 'x', user: '' }), 10), TypeError);
      await assert.rejects(store.addDevice(device({ id: 'x', name: '' }), 10), TypeError);
      await assert.rejects(store.addDevice(device({ id: 'x', lastSeenAt: 1.5 }), 10), TypeError);
      await assert.rejects(store.addDevice(device({ id: 'x', firstSeenAt: Number.NaN }), 10), TypeError);
      await assert.rejects(store.addDevice(device({ id: 'x', trustedUntil: Number.POSITIVE_INFINITY }), 10), TypeError);
      await assert.rejects(store.addDevice(device({ id: 'x', ip: 7 as unknown as string }), 10), TypeError);
      await assert.rejects(store.addDevice(device({ id: 'x' }), 0), TypeError, 'keep must be at least 1');
      await assert.rejects(store.addDevice(device({ id: 'x' }), 2.5), TypeError);
      await assert.rejects(store.touchDevice('alice', 'dup', { time: Number.NaN, ip: null, country: null }), TypeError);
      await assert.rejects(store.trustDevice('alice', 'dup', T, Number.NaN), TypeError);
      assert.deepEqual(ids(await store.listDevices('alice')), ['dup'], 'nothing else was added');
      assert.deepEqual(await store.getDevice('dup'), original, 'nor changed');
      await store.close();
    });

    it('bounds a user’s devices: untrusted ones beyond the newest `keep` go, trusted ones stay', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      const at = (i: number) => T + i * 1_000;
      // alice: an old device trusted long after the new one's first sight, one whose trust ends
      // exactly then (no longer trusted), and untrusted ones; bob has old untrusted devices too.
      await store.addDevice(
        device({ id: 'trusted-old', lastSeenAt: at(1), trustedAt: at(1), trustedUntil: at(100) }),
        10,
      );
      await store.addDevice(device({ id: 'expired', lastSeenAt: at(2), trustedAt: at(0), trustedUntil: at(10) }), 10);
      await store.addDevice(device({ id: 'u3', lastSeenAt: at(3) }), 10);
      await store.addDevice(device({ id: 'u4', lastSeenAt: at(4) }), 10);
      await store.addDevice(device({ id: 'bob-1', user: 'bob', lastSeenAt: at(0) }), 10);
      await store.addDevice(device({ id: 'bob-2', user: 'bob', lastSeenAt: at(1) }), 10);
      assert.deepEqual(ids(await store.listDevices('alice')), ['u4', 'u3', 'expired', 'trusted-old']);

      // keep 2: of the untrusted ones ('expired' too: its trust ends at the new device's first
      // sight), the two most recently seen stay (new, u4); the trusted one stays as well.
      await store.addDevice(device({ id: 'new', firstSeenAt: at(10), lastSeenAt: at(10) }), 2);
      assert.deepEqual(ids(await store.listDevices('alice')), ['new', 'u4', 'trusted-old']);
      assert.deepEqual(ids(await store.listDevices('bob')), ['bob-2', 'bob-1'], 'other users untouched');

      // Trusted devices do not count towards keep: `keep` untrusted ones stay besides them.
      await store.addDevice(
        device({ id: 'trusted-new', firstSeenAt: at(11), lastSeenAt: at(11), trustedAt: at(11), trustedUntil: at(50) }),
        1,
      );
      assert.deepEqual(ids(await store.listDevices('alice')), ['trusted-new', 'new', 'trusted-old']);

      // Only the user's own devices count.
      await store.addDevice(device({ id: 'bob-3', user: 'bob', lastSeenAt: at(2) }), 3);
      assert.deepEqual(ids(await store.listDevices('bob')), ['bob-3', 'bob-2', 'bob-1']);

      // Equal lastSeenAt: ranked as listDevices ranks them (by id), so what stays is its head.
      await store.addDevice(device({ id: 'q', user: 'carol', lastSeenAt: at(1) }), 10);
      await store.addDevice(device({ id: 'p', user: 'carol', lastSeenAt: at(1) }), 10);
      await store.addDevice(device({ id: 'r', user: 'carol', lastSeenAt: at(2) }), 2);
      assert.deepEqual(ids(await store.listDevices('carol')), ['r', 'p']);
      await store.close();
    });

    if (target.name === 'sqlite')
      it('bounds in the transaction of the insert: a failing prune keeps the new device out', async () => {
        const file = freshPath();
        const store = await SqliteDurableStore.open(file);
        await store.addDevice(device({ id: 'old', lastSeenAt: T }), 5);
        const db = new Database(file);
        db.exec(`create trigger no_prune before delete on devices begin select raise(abort, 'refused'); end`);
        db.close();
        await assert.rejects(store.addDevice(device({ id: 'new', lastSeenAt: T + 1 }), 1), StoreUnavailableError);
        assert.equal(await store.getDevice('new'), null, 'the insert was rolled back');
        assert.deepEqual(ids(await store.listDevices('alice')), ['old']);
        await store.close();
      });

    it('removes all of a user’s devices and says how many', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.addDevice(device({ id: 'a1' }), 10);
      await store.addDevice(device({ id: 'a2', trustedAt: T, trustedUntil: T + DAY }), 10);
      await store.addDevice(device({ id: 'a3' }), 10);
      await store.addDevice(device({ id: 'b1', user: 'bob' }), 10);
      assert.equal(await store.removeAllDevices('alice'), 3, 'trusted ones included');
      assert.equal(await store.removeAllDevices('alice'), 0);
      assert.deepEqual(await store.listDevices('alice'), []);
      assert.deepEqual(ids(await store.listDevices('bob')), ['b1']);
      await store.close();
    });
  });
}

for (const target of durableTargets) {
  describe(`sign-in history (${target.name})`, () => {
    it('round-trips every field: nulls, fractional and negative coordinates', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      const paris = signIn({ time: T });
      const sydney = signIn({
        time: T + 1,
        ip: '2001:db8::7',
        country: 'AU',
        latitude: -33.868_82,
        longitude: 151.209_29,
        deviceId: null,
      });
      const westOfGreenwich = signIn({ time: T + 2, latitude: 51.507_4, longitude: -0.127_8, country: 'GB' });
      const unknown = signIn({ time: T + 3, ip: null, country: null, latitude: null, longitude: null, deviceId: null });
      const extremes = signIn({ time: T + 4, latitude: -90, longitude: 180 });
      for (const r of [paris, sydney, westOfGreenwich, unknown, extremes]) await store.recordSignIn(r, 100);
      assert.deepEqual(await store.listSignIns('alice', 0, 100), [extremes, unknown, westOfGreenwich, sydney, paris]);
      await store.close();
    });

    it('lists since (inclusive), newest first, equal times latest recorded first, at most limit', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      // recorded out of time order, with ties
      const recorded: [string, number][] = [
        ['a', T + 10],
        ['b', T + 20],
        ['c', T + 10],
        ['d', T + 5],
        ['e', T + 20],
        ['f', T + 10],
      ];
      for (const [deviceId, time] of recorded) await store.recordSignIn(signIn({ deviceId, time }), 100);
      await store.recordSignIn(signIn({ user: 'bob', time: T + 30, deviceId: 'bob' }), 100);
      const list = async (since: number, limit: number) =>
        (await store.listSignIns('alice', since, limit)).map((r) => r.deviceId);

      assert.deepEqual(await list(0, 100), ['e', 'b', 'f', 'c', 'a', 'd']);
      assert.deepEqual(await list(T + 10, 100), ['e', 'b', 'f', 'c', 'a'], 'since is inclusive');
      assert.deepEqual(await list(T + 11, 100), ['e', 'b']);
      assert.deepEqual(await list(T + 21, 100), []);
      assert.deepEqual(await list(0, 3), ['e', 'b', 'f']);
      assert.deepEqual(await list(0, 1), ['e']);
      assert.deepEqual(
        await list(-T, 10_000),
        ['e', 'b', 'f', 'c', 'a', 'd'],
        'a negative since and the largest limit',
      );
      assert.deepEqual(await store.listSignIns('carol', 0, 10), []);

      for (const bad of [0, -1, 1.5, 10_001, Number.NaN, Number.POSITIVE_INFINITY]) {
        await assert.rejects(store.listSignIns('alice', 0, bad), TypeError, `limit ${bad}`);
      }
      await assert.rejects(store.listSignIns('alice', Number.NaN, 10), TypeError, 'since');
      await store.close();
    });

    it('keeps only each user’s newest `keep` sign-ins, other users’ history untouched', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      for (let i = 0; i < 5; i++)
        await store.recordSignIn(signIn({ user: 'bob', time: T + i, deviceId: `b${i}` }), 100);
      for (let i = 0; i < 5; i++) await store.recordSignIn(signIn({ time: T + i, deviceId: `a${i}` }), 3);
      const history = async (user: string) => (await store.listSignIns(user, 0, 100)).map((r) => r.deviceId);
      assert.deepEqual(await history('alice'), ['a4', 'a3', 'a2']);
      assert.deepEqual(await history('bob'), ['b4', 'b3', 'b2', 'b1', 'b0'], 'bob untouched');

      // An older sign-in than the kept ones is not among the newest: it goes at once.
      await store.recordSignIn(signIn({ time: T - 1, deviceId: 'late' }), 3);
      assert.deepEqual(await history('alice'), ['a4', 'a3', 'a2']);

      // Equal times: the latest recorded is the newest, also for the bound.
      await store.recordSignIn(signIn({ time: T + 9, deviceId: 'x' }), 2);
      await store.recordSignIn(signIn({ time: T + 9, deviceId: 'y' }), 2);
      await store.recordSignIn(signIn({ time: T + 1, deviceId: 'old' }), 2);
      await store.recordSignIn(signIn({ time: T + 9, deviceId: 'z' }), 2);
      assert.deepEqual(await history('alice'), ['z', 'y']);

      // A smaller keep for bob trims his history to it.
      await store.recordSignIn(signIn({ user: 'bob', time: T + 5, deviceId: 'b5' }), 1);
      assert.deepEqual(await history('bob'), ['b5']);
      assert.deepEqual(await history('alice'), ['z', 'y'], 'alice untouched');
      await store.close();
    });

    if (target.name === 'sqlite')
      it('bounds in the transaction of the insert: a failing prune keeps the new sign-in out', async () => {
        const file = freshPath();
        const store = await SqliteDurableStore.open(file);
        await store.recordSignIn(signIn({ time: T, deviceId: 'old' }), 5);
        const db = new Database(file);
        db.exec(`create trigger no_prune before delete on sign_ins begin select raise(abort, 'refused'); end`);
        db.close();
        await assert.rejects(store.recordSignIn(signIn({ time: T + 1, deviceId: 'new' }), 1), StoreUnavailableError);
        assert.deepEqual(
          (await store.listSignIns('alice', 0, 10)).map((r) => r.deviceId),
          ['old'],
        );
        await store.close();
      });

    it('refuses malformed sign-ins as TypeErrors', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await assert.rejects(store.recordSignIn(signIn({ user: '' }), 10), TypeError);
      await assert.rejects(store.recordSignIn(signIn({ time: 1.5 }), 10), TypeError);
      await assert.rejects(store.recordSignIn(signIn({ latitude: Number.NaN }), 10), TypeError);
      await assert.rejects(store.recordSignIn(signIn({ latitude: 90.5 }), 10), TypeError);
      await assert.rejects(store.recordSignIn(signIn({ longitude: -180.1 }), 10), TypeError);
      await assert.rejects(store.recordSignIn(signIn({ country: 1 as unknown as string }), 10), TypeError);
      await assert.rejects(store.recordSignIn(signIn({}), 0), TypeError, 'keep must be at least 1');
      assert.deepEqual(await store.listSignIns('alice', 0, 10), []);
      await store.close();
    });
  });
}

for (const target of durableTargets) {
  describe(`closed store (${target.name})`, () => {
    it('rejects every device and sign-in method with StoreUnavailableError', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.addDevice(device({}), 10);
      await store.recordSignIn(signIn({}), 10);
      await store.close();
      await assert.rejects(store.getDevice('d-1'), StoreUnavailableError);
      await assert.rejects(store.listDevices('alice'), StoreUnavailableError);
      await assert.rejects(store.addDevice(device({ id: 'd-2' }), 10), StoreUnavailableError);
      await assert.rejects(
        store.touchDevice('alice', 'd-1', { time: T, ip: null, country: null }),
        StoreUnavailableError,
      );
      await assert.rejects(store.trustDevice('alice', 'd-1', T, T + DAY), StoreUnavailableError);
      await assert.rejects(store.removeDevice('alice', 'd-1'), StoreUnavailableError);
      await assert.rejects(store.removeAllDevices('alice'), StoreUnavailableError);
      await assert.rejects(store.recordSignIn(signIn({}), 10), StoreUnavailableError);
      await assert.rejects(store.listSignIns('alice', 0, 10), StoreUnavailableError);
    });

    it('also when the statements were never prepared (closed before first use)', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.close();
      await assert.rejects(store.addDevice(device({}), 10), StoreUnavailableError);
      await assert.rejects(store.recordSignIn(signIn({}), 10), StoreUnavailableError);
      await assert.rejects(store.getDevice('d-1'), StoreUnavailableError);
    });
  });
}
