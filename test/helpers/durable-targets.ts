/**
 * The durable stores the conformance tests run on: SQLite (real files under os.tmpdir()) and
 * PostgreSQL (the real server on 127.0.0.1:5432, trust auth, database `test`), each test on a
 * location of its own: a new file, or a new schema (`?schema=`), dropped when the process ends.
 *
 *   for (const target of durableTargets) describe(`devices (${target.name})`, () => {
 *     it('...', async (t) => { if (!target.ready(t)) return; const store = await target.open(target.fresh()); ... });
 *   });
 *
 * PostgreSQL missing: skipped with a notice outside CI, a failure under CI=true (ready()).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import pg from 'pg';
import type { Migration } from '../../src/stores/migrations.ts';
import { PostgresDurableStore } from '../../src/stores/postgres.ts';
import type { SqlDurableStore } from '../../src/stores/sql-store.ts';
import { SqliteDurableStore } from '../../src/stores/sqlite.ts';
import { missing, postgresAvailable } from './services.ts';

export interface DurableTarget {
  readonly name: 'sqlite' | 'postgres';
  /** A new, empty location: a file path or a postgres:// URL with a schema of its own. */
  fresh(): string;
  open(location: string, options?: { migrations?: readonly Migration[] }): Promise<SqlDurableStore>;
  /** False (skipping the test, or failing it in CI) when the database is not there. */
  ready(t: TestContext): boolean;
}

export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

const hasPostgres = await postgresAvailable();
const root = mkdtempSync(join(tmpdir(), 'pc-durable-'));
let n = 0;
const schemas: string[] = [];

after(async () => {
  rmSync(root, { recursive: true, force: true });
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
});

/** A schema name of its own for one test location. */
export function freshSchema(): string {
  const schema = `pc_test_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return schema;
}

export const sqliteTarget: DurableTarget = {
  name: 'sqlite',
  fresh: () => join(root, `case-${++n}`, 'portcullis.db'),
  open: (location, options) => SqliteDurableStore.open(location, options),
  ready: () => true,
};

export const postgresTarget: DurableTarget = {
  name: 'postgres',
  fresh: () => `${POSTGRES_URL}?schema=${freshSchema()}`,
  open: (location, options) => PostgresDurableStore.open(location, options),
  ready: (t) => hasPostgres || missing('postgres not running on 127.0.0.1:5432', t),
};

export const durableTargets: readonly DurableTarget[] = [sqliteTarget, postgresTarget];
