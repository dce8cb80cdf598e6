/**
 * Factors and recovery codes in SqliteDurableStore, on real files under os.tmpdir(): migration 2
 * applied to a database that had only migration 1 (its data kept), factor CRUD per user,
 * recovery codes replaced in one transaction, each usable once (also when worker threads race
 * on separate connections), counts, and StoreUnavailableError once closed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from '../../src/errors.ts';
import type { AuditRecord, FactorRecord } from '../../src/stores/durable.ts';
import { MIGRATIONS } from '../../src/stores/migrations.ts';
import { SqliteDurableStore } from '../../src/stores/sqlite.ts';
import { auditRecord } from '../helpers/audit-record.ts';
import { durableTargets } from '../helpers/durable-targets.ts';

const root = mkdtempSync(join(tmpdir(), 'pc-factors-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(root, `case-${++n}`, 'portcullis.db');

const factor = (over: Partial<FactorRecord>): FactorRecord => ({
  id: 'f-1',
  user: 'alice',
  kind: 'totp',
  name: 'Phone',
  secret: 'v1.AAAAAAAA.iv.ct.tag',
  data: null,
  createdAt: 1_000,
  lastUsedAt: null,
  ...over,
});

const audit: AuditRecord = auditRecord({ time: 500 });

const tables = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare("select name from sqlite_master where type = 'table' order by name").all() as { name: string }[]
    ).map((r) => r.name);
  } finally {
    db.close();
  }
};

describe('migration 2 (factors)', () => {
  it('is applied on the next open of a database that had only migration 1, keeping its data', async () => {
    const file = freshPath();
    const v1 = await SqliteDurableStore.open(file, { migrations: MIGRATIONS.slice(0, 1) });
    assert.equal(await v1.schemaVersion(), 1);
    await v1.appendAudit(audit);
    await assert.rejects(v1.listFactors('alice'), StoreUnavailableError, 'no factors table yet');
    await v1.close();
    assert.ok(!tables(file).includes('factors'));

    const v2 = await SqliteDurableStore.open(file, { migrations: MIGRATIONS.slice(0, 2) });
    assert.equal(await v2.schemaVersion(), 2);
    assert.deepEqual(await v2.queryAudit({}), [audit], 'the audit trail survives');
    await v2.addFactor(factor({}));
    assert.equal((await v2.listFactors('alice')).length, 1);
    await v2.close();
    assert.ok(tables(file).includes('factors'));
    assert.ok(tables(file).includes('recovery_codes'));

    const again = await SqliteDurableStore.open(file);
    assert.equal((await again.listFactors('alice')).length, 1, 'reopening keeps the factors');
    await again.close();
  });

  it('creates the columns and indexes the brief asks for', async () => {
    const file = freshPath();
    await (await SqliteDurableStore.open(file)).close();
    const db = new Database(file, { readonly: true });
    const columns = (table: string) =>
      (db.prepare(`pragma table_info(${table})`).all() as { name: string; notnull: number; pk: number }[]).map(
        (c) => `${c.name}${c.notnull ? ' not null' : ''}${c.pk ? ` pk${c.pk}` : ''}`,
      );
    assert.deepEqual(columns('factors'), [
      'id pk1',
      'user_name not null',
      'kind not null',
      'name not null',
      'secret',
      'data',
      'created_at not null',
      'last_used_at',
    ]);
    assert.deepEqual(columns('recovery_codes'), [
      'user_name not null pk1',
      'code_hash not null pk2',
      'created_at not null',
      'used_at',
    ]);
    const indexes = db.prepare("select name from sqlite_master where type = 'index' and tbl_name = 'factors'").all();
    assert.ok(indexes.some((i) => (i as { name: string }).name === 'factors_user'));
    db.close();
  });
});

for (const target of durableTargets) {
  describe(`factors (${target.name})`, () => {
    it('adds, lists (oldest first, per user), touches and removes factors', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      const phone = factor({ id: 'f-1', createdAt: 2_000 });
      const key = factor({
        id: 'f-2',
        kind: 'webauthn',
        name: 'YubiKey',
        secret: null,
        data: { credentialId: 'abc', publicKey: 'pk', counter: 3, transports: ['usb'] },
        createdAt: 1_000,
      });
      const bobs = factor({ id: 'f-3', user: 'bob', kind: 'push', name: 'Bob phone', createdAt: 1_500 });
      await store.addFactor(phone);
      await store.addFactor(key);
      await store.addFactor(bobs);

      assert.deepEqual(await store.listFactors('alice'), [key, phone], 'every field round-trips; oldest first');
      assert.deepEqual(await store.listFactors('bob'), [bobs]);
      assert.deepEqual(await store.listFactors('carol'), []);

      assert.equal(await store.touchFactor('alice', 'f-1', 5_000), true);
      assert.equal(await store.touchFactor('bob', 'f-1', 6_000), false, "another user's factor is not touched");
      assert.equal(await store.touchFactor('alice', 'nope', 6_000), false);
      assert.equal((await store.listFactors('alice')).find((f) => f.id === 'f-1')?.lastUsedAt, 5_000);

      assert.equal(await store.removeFactor('bob', 'f-1'), false, "another user's factor is not removed");
      assert.equal(await store.removeFactor('alice', 'f-1'), true);
      assert.equal(await store.removeFactor('alice', 'f-1'), false, 'already gone');
      assert.deepEqual(
        (await store.listFactors('alice')).map((f) => f.id),
        ['f-2'],
      );
      await store.close();
    });

    it('removes all of a user\u2019s factors and says how many', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.addFactor(factor({ id: 'a1' }));
      await store.addFactor(factor({ id: 'a2', kind: 'push' }));
      await store.addFactor(factor({ id: 'b1', user: 'bob' }));
      await store.replaceRecoveryCodes('alice', ['h1'], 1);
      assert.equal(await store.removeAllFactors('alice'), 2);
      assert.equal(await store.removeAllFactors('alice'), 0);
      assert.deepEqual(await store.listFactors('alice'), []);
      assert.equal((await store.listFactors('bob')).length, 1);
      assert.deepEqual(await store.countRecoveryCodes('alice'), { total: 1, unused: 1 }, 'recovery codes stay');
      await store.close();
    });

    it('refuses a duplicate id, an unknown kind and unserialisable data as TypeErrors', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.addFactor(factor({ id: 'dup' }));
      await assert.rejects(store.addFactor(factor({ id: 'dup', user: 'bob' })), TypeError);
      await assert.rejects(store.addFactor(factor({ id: 'x', kind: 'sms' as FactorRecord['kind'] })), TypeError);
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      await assert.rejects(store.addFactor(factor({ id: 'y', data: cyclic })), TypeError);
      await assert.rejects(store.addFactor(factor({ id: '' })), TypeError);
      await assert.rejects(store.addFactor(factor({ id: 'z', createdAt: Number.NaN })), TypeError);
      assert.deepEqual(
        (await store.listFactors('alice')).map((f) => f.id),
        ['dup'],
      );
      assert.deepEqual(await store.listFactors('bob'), []);
      await store.close();
    });
  });
}

for (const target of durableTargets) {
  describe(`recovery codes (${target.name})`, () => {
    it('replaces the whole set, uses each code once, counts total and unused', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      assert.deepEqual(await store.countRecoveryCodes('alice'), { total: 0, unused: 0 });
      await store.replaceRecoveryCodes('alice', ['h1', 'h2', 'h3'], 1_000);
      await store.replaceRecoveryCodes('bob', ['h1', 'b2'], 1_000);
      assert.deepEqual(await store.countRecoveryCodes('alice'), { total: 3, unused: 3 });

      assert.equal(await store.useRecoveryCode('alice', 'h2', 2_000), true);
      assert.equal(await store.useRecoveryCode('alice', 'h2', 3_000), false, 'a code works once');
      assert.equal(await store.useRecoveryCode('alice', 'nope', 3_000), false);
      assert.equal(await store.useRecoveryCode('alice', 'b2', 3_000), false, "another user's code");
      assert.deepEqual(await store.countRecoveryCodes('alice'), { total: 3, unused: 2 });
      assert.deepEqual(
        await store.countRecoveryCodes('bob'),
        { total: 2, unused: 2 },
        'the same hash for bob is his own',
      );
      assert.equal(await store.useRecoveryCode('bob', 'h1', 3_000), true);

      // a new set replaces the old one entirely, used codes included
      await store.replaceRecoveryCodes('alice', ['n1', 'n2'], 4_000);
      assert.deepEqual(await store.countRecoveryCodes('alice'), { total: 2, unused: 2 });
      assert.equal(await store.useRecoveryCode('alice', 'h1', 5_000), false, 'old codes are gone');
      assert.equal(await store.useRecoveryCode('alice', 'n1', 5_000), true);
      assert.deepEqual(await store.countRecoveryCodes('bob'), { total: 2, unused: 1 }, 'bob untouched');

      // an empty set removes them all
      await store.replaceRecoveryCodes('alice', [], 6_000);
      assert.deepEqual(await store.countRecoveryCodes('alice'), { total: 0, unused: 0 });
      await store.close();
    });

    if (target.name === 'sqlite')
      it('replaces in one transaction: a failing insert keeps the old set', async () => {
        const file = freshPath();
        const store = await SqliteDurableStore.open(file);
        await store.replaceRecoveryCodes('alice', ['h1', 'h2'], 1_000);
        await assert.rejects(store.replaceRecoveryCodes('alice', ['n1', 'n1'], 2_000), TypeError, 'duplicates');
        // Make the second insert fail inside the transaction, after the delete and the first insert.
        const db = new Database(file);
        db.exec(`create trigger no_bad before insert on recovery_codes when new.code_hash = 'bad'
             begin select raise(abort, 'refused'); end`);
        db.close();
        await assert.rejects(store.replaceRecoveryCodes('alice', ['n1', 'bad', 'n3'], 2_000), StoreUnavailableError);
        assert.deepEqual(await store.countRecoveryCodes('alice'), { total: 2, unused: 2 });
        assert.equal(await store.useRecoveryCode('alice', 'h1', 3_000), true, 'the old set still works');
        assert.equal(await store.useRecoveryCode('alice', 'n1', 3_000), false, 'nothing of the new set');
        await store.close();
      });

    it('two uses of one code at once on one connection: exactly one succeeds', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.replaceRecoveryCodes('alice', ['h1'], 1_000);
      const results = await Promise.all([
        store.useRecoveryCode('alice', 'h1', 2_000),
        store.useRecoveryCode('alice', 'h1', 2_000),
      ]);
      assert.deepEqual(results.sort(), [false, true]);
      await store.close();
    });

    if (target.name === 'sqlite')
      it('concurrent uses of one code from separate connections in worker threads: exactly one succeeds', async () => {
        const file = freshPath();
        const setup = await SqliteDurableStore.open(file);
        await setup.replaceRecoveryCodes('alice', ['h1', 'h2'], 1_000);
        await setup.close();

        // tsx's loader does not reach worker threads on Node 20: each worker registers it first.
        const tsx = import.meta.resolve('tsx/esm/api');
        const script = new URL('./recovery-worker.ts', import.meta.url).href;
        const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => m.tsImport(${JSON.stringify(script)}, ${JSON.stringify(script)}))`;
        const workers = 6;
        const barrier = new SharedArrayBuffer(8);
        const flags = new Int32Array(barrier);
        let failure: unknown;
        const results = Array.from(
          { length: workers },
          () =>
            new Promise<boolean>((resolve, reject) => {
              const fail = (err: unknown) => {
                failure ??= err;
                reject(err);
              };
              const worker = new Worker(bootstrap, {
                eval: true,
                workerData: { file, user: 'alice', hash: 'h1', time: 2_000, barrier },
              });
              worker.once('message', (used: boolean) => resolve(used));
              worker.once('error', fail);
              worker.once('exit', (code) => code !== 0 && fail(new Error(`worker exited with ${code}`)));
            }),
        );
        for (const r of results) r.catch(() => {}); // reported below, once
        const deadline = Date.now() + 20_000;
        while (Atomics.load(flags, 0) < workers) {
          if (failure) throw failure;
          if (Date.now() > deadline) throw new Error('workers did not get ready');
          await new Promise((r) => setTimeout(r, 5));
        }
        Atomics.store(flags, 1, 1);
        Atomics.notify(flags, 1);
        const used = await Promise.all(results);
        assert.equal(used.filter(Boolean).length, 1, `exactly one use succeeded: ${JSON.stringify(used)}`);

        const check = await SqliteDurableStore.open(file);
        assert.deepEqual(await check.countRecoveryCodes('alice'), { total: 2, unused: 1 });
        await check.close();
      });

    it('rejects with StoreUnavailableError once closed', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.close();
      await assert.rejects(store.listFactors('alice'), StoreUnavailableError);
      await assert.rejects(store.addFactor(factor({})), StoreUnavailableError);
      await assert.rejects(store.removeFactor('alice', 'f-1'), StoreUnavailableError);
      await assert.rejects(store.touchFactor('alice', 'f-1', 1), StoreUnavailableError);
      await assert.rejects(store.removeAllFactors('alice'), StoreUnavailableError);
      await assert.rejects(store.replaceRecoveryCodes('alice', ['h'], 1), StoreUnavailableError);
      await assert.rejects(store.useRecoveryCode('alice', 'h', 1), StoreUnavailableError);
      await assert.rejects(store.countRecoveryCodes('alice'), StoreUnavailableError);
    });
  });
}
