/**
 * SqliteDurableStore on real files under os.tmpdir(): migrations applied once and recorded,
 * reopening is idempotent, a later migration is applied on the next open, appendAudit and
 * queryAudit (filters, newest first, limit), a database from a newer Portcullis refused, and
 * StoreUnavailableError once closed. Also openDurable's spec handling.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { PortcullisError, StoreUnavailableError } from '../../src/errors.ts';
import { SessionEnds } from '../../src/session/session-ends.ts';
import type { AuditRecord } from '../../src/stores/durable.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/stores/migrations.ts';
import { openDurable } from '../../src/stores/open.ts';
import { SqliteDurableStore } from '../../src/stores/sqlite.ts';
import { durableTargets, postgresTarget } from '../helpers/durable-targets.ts';

const root = mkdtempSync(join(tmpdir(), 'pc-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(root, `case-${++n}`, 'nested', 'audit.db');

const record = (over: Partial<AuditRecord>): AuditRecord => ({
  time: 1_000,
  event: 'login.success',
  outcome: 'success',
  tenant: 'acme',
  user: 'alice',
  ip: '192.0.2.1',
  country: 'FR',
  device: null,
  app: 'wiki',
  rule: null,
  detail: null,
  requestId: null,
  ...over,
});

const migrationRows = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('select version, name, applied_at from schema_migrations order by version').all() as {
      version: number;
      name: string;
      applied_at: number;
    }[];
  } finally {
    db.close();
  }
};

for (const target of durableTargets) {
  describe(`durable store (${target.name})`, () => {
    if (target.name === 'sqlite')
      it('creates the folder, uses WAL, applies and records the migrations once', async () => {
        const file = freshPath();
        const store = await SqliteDurableStore.open(file);
        assert.ok(existsSync(file));
        assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
        await store.appendAudit(record({}));
        await store.close();
        const rows = migrationRows(file);
        assert.deepEqual(
          rows.map((r) => [r.version, r.name]),
          MIGRATIONS.map((m) => [m.version, m.name]),
        );
        assert.ok(rows.every((r) => r.applied_at > 0));
        const db = new Database(file, { readonly: true });
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        db.close();

        const again = await SqliteDurableStore.open(file);
        assert.equal(await again.schemaVersion(), LATEST_SCHEMA_VERSION);
        assert.equal((await again.queryAudit({})).length, 1, 'reopening keeps the data');
        await again.close();
        assert.deepEqual(migrationRows(file), rows, 'reopening applies nothing again');
      });

    if (target.name === 'sqlite')
      it('applies a later migration on the next open, in order', async () => {
        const file = freshPath();
        await (await SqliteDurableStore.open(file)).close();
        const next = { version: LATEST_SCHEMA_VERSION + 1, name: 'extra', sql: 'create table extra (x text);' };
        const store = await SqliteDurableStore.open(file, { migrations: [next, ...MIGRATIONS] });
        assert.equal(await store.schemaVersion(), next.version);
        await store.close();
        assert.deepEqual(
          migrationRows(file).map((r) => r.version),
          [...MIGRATIONS.map((m) => m.version), next.version],
        );
      });

    it('session ends: one mark per user, a later mark wins, read back by what was set since', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      const ends = new SessionEnds(store);
      await store.endSessionsBefore('alice', 1_000);
      await store.endSessionsBefore('bob', 2_000);
      await store.endSessionsBefore('alice', 500);
      assert.deepEqual(await store.listSessionEnds(0), [
        { user: 'alice', before: 1_000 },
        { user: 'bob', before: 2_000 },
      ]);
      assert.deepEqual(await store.listSessionEnds(1_000), [{ user: 'bob', before: 2_000 }]);
      await ends.refresh();
      assert.equal(ends.before('alice'), 1_000);
      assert.equal(ends.before('carol'), undefined);
      await store.endSessionsBefore('alice', 3_000);
      await ends.refresh();
      assert.equal(ends.before('alice'), 3_000, 'a later mark is read on the next refresh');
      await assert.rejects(store.endSessionsBefore('', 1), TypeError);
      await store.close();
      await assert.rejects(ends.refresh(), StoreUnavailableError);
      assert.equal(ends.before('alice'), 3_000, 'a store that is down keeps the marks held');
    });

    if (target.name === 'sqlite')
      it('refuses a database whose schema is newer than the code', async () => {
        const file = freshPath();
        await (await SqliteDurableStore.open(file)).close();
        const db = new Database(file);
        db.prepare('insert into schema_migrations (version, name, applied_at) values (?, ?, ?)').run(999, 'future', 1);
        db.close();
        await assert.rejects(
          SqliteDurableStore.open(file),
          (err: unknown) =>
            err instanceof PortcullisError &&
            err.code === 'PC_ERR_STORE_UNAVAILABLE' &&
            /schema version 999, newer than/.test(err.message),
        );
      });

    it('appends and queries audit records: filters, newest first, limit', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.appendAudit(record({ time: 1000, detail: { method: 'totp', n: 1 } }));
      await store.appendAudit(record({ time: 3000, event: 'login.failure', outcome: 'failure', user: 'bob' }));
      await store.appendAudit(record({ time: 2000, tenant: 'globex', rule: 'deny-tor', outcome: 'deny' }));
      await store.appendAudit(record({ time: 3000, event: 'access.challenge', outcome: 'challenge' }));

      const all = await store.queryAudit({});
      assert.deepEqual(
        all.map((r) => [r.time, r.event]),
        [
          [3000, 'access.challenge'],
          [3000, 'login.failure'],
          [2000, 'login.success'],
          [1000, 'login.success'],
        ],
        'newest first; equal times by insertion, newest first',
      );
      assert.deepEqual(all[3], record({ time: 1000, detail: { method: 'totp', n: 1 } }), 'round-trips every field');
      assert.deepEqual(
        (await store.queryAudit({ tenant: 'globex' })).map((r) => r.rule),
        ['deny-tor'],
      );
      assert.deepEqual(
        (await store.queryAudit({ user: 'bob' })).map((r) => r.outcome),
        ['failure'],
      );
      assert.equal((await store.queryAudit({ event: 'login.success' })).length, 2);
      assert.deepEqual(
        (await store.queryAudit({ since: 2000, until: 3000 })).map((r) => r.time),
        [2000],
        'since inclusive, until exclusive',
      );
      assert.equal((await store.queryAudit({ tenant: 'acme', user: 'alice', since: 1500 })).length, 1);
      assert.deepEqual(
        (await store.queryAudit({ limit: 2 })).map((r) => r.event),
        ['access.challenge', 'login.failure'],
      );
      assert.equal((await store.queryAudit({ limit: 0 })).length, 0);
      assert.equal((await store.queryAudit({ tenant: 'nobody' })).length, 0);
      await store.ping();
      await store.close();
    });

    it('rejects with StoreUnavailableError once closed', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.close();
      await assert.rejects(store.appendAudit(record({})), StoreUnavailableError);
      await assert.rejects(store.queryAudit({}), StoreUnavailableError);
      await assert.rejects(store.schemaVersion(), StoreUnavailableError);
      await assert.rejects(store.ping(), StoreUnavailableError);
      await store.close(); // idempotent
    });

    if (target.name === 'sqlite')
      it('a file that is not a database is StoreUnavailableError at open', async () => {
        const dir = join(root, 'not-a-db');
        await (await SqliteDurableStore.open(join(dir, 'x.db'))).close();
        await assert.rejects(SqliteDurableStore.open(dir), StoreUnavailableError, 'a directory');
      });

    it('keeps a preference per user and name: set, replaced, removed, survives reopening', async (t) => {
      if (!target.ready(t)) return;
      const file = target.fresh();
      const store = await target.open(file);
      assert.equal(await store.getPreference('alice', 'default_method'), null);
      await store.setPreference('alice', 'default_method', 'totp');
      await store.setPreference('alice', 'default_method', 'webauthn');
      await store.setPreference('bob', 'default_method', 'totp');
      await store.close();
      const again = await target.open(file);
      assert.equal(await again.getPreference('alice', 'default_method'), 'webauthn');
      assert.equal(await again.getPreference('bob', 'default_method'), 'totp');
      await again.setPreference('alice', 'default_method', null);
      assert.equal(await again.getPreference('alice', 'default_method'), null);
      assert.equal(await again.getPreference('bob', 'default_method'), 'totp');
      await assert.rejects(again.setPreference('alice', '', 'x'), TypeError);
      await again.close();
    });
  });
}

describe('openDurable', () => {
  it('resolves a relative sqlite path against the config folder', async () => {
    const store = await openDurable('sqlite:data/portcullis.db', join(root, 'cfg'));
    assert.equal(store.kind, 'sqlite');
    await store.close();
    assert.ok(existsSync(join(root, 'cfg', 'data', 'portcullis.db')));
  });

  it('accepts an absolute sqlite path', async () => {
    const file = freshPath();
    await (await openDurable(`sqlite:${file}`, '/nonexistent-base')).close();
    assert.ok(existsSync(file));
  });

  it('opens postgres://, and refuses a postgres URL it cannot read without showing its password', async (t) => {
    if (!postgresTarget.ready(t)) return;
    const store = await openDurable(postgresTarget.fresh(), root);
    assert.equal(store.kind, 'postgres');
    assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
    await store.close();
    await assert.rejects(
      openDurable('postgres://u:secret@db/pc?sslmode=prefer', root),
      (e: unknown) =>
        e instanceof PortcullisError &&
        e.code === 'PC_ERR_CONFIG_INVALID' &&
        e.message.includes('postgres://u@db/pc') &&
        !e.message.includes('secret'),
    );
  });

  it('refuses unknown specs', async () => {
    await assert.rejects(openDurable('mysql://x', root), PortcullisError);
    await assert.rejects(openDurable('sqlite:', root), PortcullisError);
  });
});
