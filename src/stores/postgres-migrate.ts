import type pg from 'pg';
import {
  type AppliedMigration,
  checkApplied,
  type Migration,
  migrationChecksum,
  migrationSql,
  SCHEMA_MIGRATIONS_SQL,
} from './migrations.ts';

/** The advisory lock's first key: "PCUL"; the second is hashtext of the schema. */
const LOCK_KEY = 0x5043554c;

/**
 * Brings a PostgreSQL schema up to `latest` in one transaction under a transaction-scoped
 * advisory lock: instances starting together queue on the lock, the first applies the pending
 * migrations (creating the schema when one is named), the others find them applied. Every step
 * runs or none (PostgreSQL's DDL is transactional), each recorded with its checksum. A schema
 * newer than this code, or migrated from other SQL, is refused (checkApplied). The lock is
 * released by the commit or rollback, also when the connection dies. Returns the versions applied.
 */
export async function migratePostgres(
  client: pg.PoolClient,
  schema: string | null,
  migrations: readonly Migration[],
  latest: number,
  where: string,
): Promise<number[]> {
  await client.query('begin');
  try {
    // waiting for another instance's migration is not a slow statement
    await client.query("set local statement_timeout = '10min'");
    await client.query('select pg_advisory_xact_lock($1, hashtext($2))', [LOCK_KEY, schema ?? '']);
    if (schema !== null) await client.query(`create schema if not exists ${schema}`);
    await client.query(SCHEMA_MIGRATIONS_SQL);
    const { rows } = await client.query<AppliedMigration>('select version, name, checksum from schema_migrations');
    checkApplied(rows, migrations, latest, 'postgres', where);
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version) || m.version <= Math.max(0, ...done)) continue;
      await client.query(migrationSql(m, 'postgres'));
      await client.query(
        'insert into schema_migrations (version, name, applied_at, checksum) values ($1, $2, $3, $4)',
        [m.version, m.name, Date.now(), migrationChecksum(m, 'postgres')],
      );
      applied.push(m.version);
    }
    await client.query('commit');
    return applied;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
}
