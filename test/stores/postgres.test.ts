/**
 * What only the PostgreSQL durable store has (the store's rules are the conformance tests, run on
 * both stores): migrations under an advisory lock (three instances opening an empty schema at
 * once apply them once), upgrades keeping data, checksums and newer schemas refused, the
 * schema's shape, strict settings, and the timeouts and pool error handling that keep a silent
 * or dropped server from hanging a request or ending the process. Real server on 127.0.0.1:5432,
 * a schema per test, reached through a loopback TCP proxy where the test takes it away.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { PortcullisError, StoreUnavailableError } from '../../src/errors.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/stores/migrations.ts';
import { numbered, PostgresDurableStore } from '../../src/stores/postgres.ts';
import { postgresSettings } from '../../src/stores/postgres-settings.ts';
import { auditRecord } from '../helpers/audit-record.ts';
import { freshSchema, POSTGRES_URL, postgresTarget } from '../helpers/durable-targets.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

const ALL = MIGRATIONS.map((m) => m.version);

async function sql<T extends pg.QueryResultRow>(schema: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const urlFor = (schema: string, extra = '') => `${POSTGRES_URL}?schema=${schema}${extra}`;

describe('PostgreSQL migrations', () => {
  it('three instances opening an empty schema at once: the migrations run once, no error', async (t) => {
    if (!postgresTarget.ready(t)) return;
    const schema = freshSchema();
    const stores = await Promise.all([1, 2, 3].map(() => PostgresDurableStore.open(urlFor(schema))));
    t.after(() => Promise.all(stores.map((s) => s.close())));
    const applied = stores.map((s) => s.applied);
    assert.deepEqual(
      applied.filter((a) => a.length > 0),
      [ALL],
      'one instance applied every migration, the others none',
    );
    for (const s of stores) assert.equal(await s.schemaVersion(), LATEST_SCHEMA_VERSION);
    const rows = await sql<{ version: number; checksum: string }>(
      schema,
      'select version, checksum from schema_migrations order by version',
    );
    assert.deepEqual(
      rows.map((r) => r.version),
      ALL,
    );
    assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum)));
  });

  it('a schema at an earlier version is brought up to date on the next open, its data kept', async (t) => {
    if (!postgresTarget.ready(t)) return;
    const url = postgresTarget.fresh();
    const v3 = await PostgresDurableStore.open(url, { migrations: MIGRATIONS.slice(0, 3) });
    assert.deepEqual(v3.applied, [1, 2, 3]);
    await v3.appendAudit(auditRecord({ time: 1_000, requestId: null }));
    await assert.rejects(v3.isEnrolmentDue('alice'), StoreUnavailableError, 'no table yet');
    await v3.close();
    const now = await PostgresDurableStore.open(url);
    t.after(() => now.close());
    assert.deepEqual(now.applied, ALL.slice(3));
    assert.equal((await now.queryAudit({})).length, 1);
    await now.markEnrolmentDue('alice', 5);
    assert.equal(await now.isEnrolmentDue('alice'), true);
  });

  it('refuses a schema migrated from other SQL (checksum) and one newer than the code', async (t) => {
    if (!postgresTarget.ready(t)) return;
    const schema = freshSchema();
    await (await PostgresDurableStore.open(urlFor(schema))).close();
    await sql(schema, "update schema_migrations set checksum = repeat('0', 64) where version = 2");
    await assert.rejects(
      PostgresDurableStore.open(urlFor(schema).replace('postgres@', 'postgres:pw-secret@')),
      (e: unknown) =>
        e instanceof PortcullisError &&
        /migration 2 \(factors\) was applied from other SQL/.test(e.message) &&
        !e.message.includes('pw-secret'),
    );
    await sql(schema, 'update schema_migrations set checksum = $1 where version = 2', [
      (await sql<{ c: string }>(schema, 'select checksum as c from schema_migrations where version = 1'))[0]?.c,
    ]);
    const other = freshSchema();
    await (await PostgresDurableStore.open(urlFor(other))).close();
    await sql(
      other,
      "insert into schema_migrations (version, name, applied_at, checksum) values (99, 'future', 0, null)",
    );
    await assert.rejects(PostgresDurableStore.open(urlFor(other)), /schema version 99, newer than/);
  });

  it('creates identity ids, bigint times and code-point ordered text', async (t) => {
    if (!postgresTarget.ready(t)) return;
    const schema = freshSchema();
    const store = await PostgresDurableStore.open(urlFor(schema));
    t.after(() => store.close());
    const columns = await sql<{ table_name: string; column_name: string; data_type: string; is_identity: string }>(
      schema,
      `select table_name, column_name, data_type, is_identity from information_schema.columns
       where table_schema = $1 and column_name in ('id', 'time', 'user_name') order by table_name, column_name`,
      [schema],
    );
    const shape = Object.fromEntries(
      columns.map((c) => [
        `${c.table_name}.${c.column_name}`,
        `${c.data_type}${c.is_identity === 'YES' ? ' identity' : ''}`,
      ]),
    );
    assert.equal(shape['audit.id'], 'bigint identity');
    assert.equal(shape['sign_ins.id'], 'bigint identity');
    assert.equal(shape['audit.time'], 'bigint');
    assert.equal(shape['factors.user_name'], 'text');
    for (const user of ['bob', 'Zed', 'alice', 'Ann'])
      await store.addFactor({
        id: `f-${user}`,
        user,
        kind: 'totp',
        name: 'P',
        secret: null,
        data: null,
        createdAt: 1,
        lastUsedAt: null,
      });
    assert.deepEqual(await store.listUsersWithFactors(), ['Ann', 'Zed', 'alice', 'bob'], 'as SQLite orders');
  });
});

describe('PostgreSQL settings', () => {
  it('reads the URL strictly and never shows the password', () => {
    const s = postgresSettings(
      'postgres://app:p%40ss@db.example:6432/portcullis?sslmode=verify-full&schema=gw&pool_max=20&connect_timeout=3&statement_timeout=2000',
      '/etc/portcullis',
    );
    assert.equal(s.host, 'db.example');
    assert.equal(s.port, 6432);
    assert.equal(s.user, 'app');
    assert.equal(s.password, 'p@ss');
    assert.equal(s.database, 'portcullis');
    assert.equal(s.schema, 'gw');
    assert.equal(s.poolMax, 20);
    assert.equal(s.connectTimeoutMs, 3000);
    assert.equal(s.statementTimeoutMs, 2000);
    assert.deepEqual(s.ssl, { rejectUnauthorized: true, servername: 'db.example' });
    assert.equal(s.label, 'postgres://app@db.example:6432/portcullis');
    assert.equal(postgresSettings('postgresql://h/d', '/').ssl, false, 'TLS only when asked for');
    assert.deepEqual(postgresSettings('postgres://h/d?sslmode=no-verify', '/').ssl, { rejectUnauthorized: false });
    for (const bad of [
      'postgres://u:pw@h/d?sslmode=allow',
      'postgres://u:pw@h/d?sslmode=disable&sslrootcert=ca.pem',
      'postgres://u:pw@h/d?pool_max=0',
      'postgres://u:pw@h/d?pool_max=1e3',
      'postgres://u:pw@h/d?statement_timeout=10',
      'postgres://u:pw@h/d?schema=a;drop',
      'postgres://u:pw@h/d?schema=a&schema=b',
      'postgres://u:pw@h/d?host=elsewhere',
      'postgres://u:pw@h/d#x',
      'postgres://u:pw@h',
      'postgres://u:pw@/d',
    ]) {
      assert.throws(
        () => postgresSettings(bad, '/'),
        (e: unknown) => e instanceof PortcullisError && e.code === 'PC_ERR_CONFIG_INVALID' && !e.message.includes('pw'),
        bad,
      );
    }
  });

  it('numbers the placeholders of a statement', () => {
    assert.equal(numbered('select ? where a = ? and b in (?, ?)'), 'select $1 where a = $2 and b in ($3, $4)');
  });
});

describe('PostgreSQL going away', () => {
  it('a server that accepts and never answers: open fails within connect_timeout, it does not hang', async (t) => {
    if (!postgresTarget.ready(t)) return;
    const proxy = await startTcpProxy(5432);
    t.after(() => proxy.close());
    proxy.freeze();
    await assert.rejects(
      PostgresDurableStore.open(
        `postgres://postgres@127.0.0.1:${proxy.port}/test?schema=${freshSchema()}&connect_timeout=1`,
      ),
      StoreUnavailableError,
    );
  });

  it('a server gone silent mid-run: the statement fails (no hang), and the store recovers by itself', async (t) => {
    if (!postgresTarget.ready(t)) return;
    const proxy = await startTcpProxy(5432);
    t.after(() => proxy.close());
    const store = await PostgresDurableStore.open(
      `postgres://postgres@127.0.0.1:${proxy.port}/test?schema=${freshSchema()}&connect_timeout=1&statement_timeout=200`,
    );
    t.after(() => store.close());
    await store.markEnrolmentDue('alice', 1);
    proxy.freeze();
    await assert.rejects(store.isEnrolmentDue('alice'), StoreUnavailableError);
    await assert.rejects(store.replaceRecoveryCodes('alice', ['h'], 2), StoreUnavailableError, 'a transaction too');
    proxy.restore();
    assert.equal(await store.isEnrolmentDue('alice'), true, 'a fresh connection answers');
    assert.deepEqual(
      await store.countRecoveryCodes('alice'),
      { total: 0, unused: 0 },
      'the failed transaction left nothing',
    );
  });

  it('idle connections dropped under the pool: reported, the process lives, the next call reconnects', async (t) => {
    if (!postgresTarget.ready(t)) return;
    const proxy = await startTcpProxy(5432);
    t.after(() => proxy.close());
    const idleErrors: Error[] = [];
    const store = await PostgresDurableStore.open(
      `postgres://postgres@127.0.0.1:${proxy.port}/test?schema=${freshSchema()}&connect_timeout=1`,
      { onIdleError: (err) => idleErrors.push(err) },
    );
    t.after(() => store.close());
    await Promise.all([1, 2, 3].map((i) => store.markEnrolmentDue(`u${i}`, i)));
    const before = proxy.accepted;
    proxy.cut();
    await assert.rejects(store.ping(), StoreUnavailableError, 'down: refused, not hung');
    proxy.restore();
    await store.ping();
    assert.equal(await store.isEnrolmentDue('u2'), true, 'nothing lost');
    assert.ok(proxy.accepted > before, 'new connections were made');
    assert.ok(idleErrors.length >= 1, 'the dropped idle connections were reported, not thrown');
  });
});
