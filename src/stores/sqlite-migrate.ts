import type Database from 'better-sqlite3';
import {
  type AppliedMigration,
  checkApplied,
  type Migration,
  migrationChecksum,
  migrationSql,
  SCHEMA_MIGRATIONS_SQL,
} from './migrations.ts';

/**
 * Brings a SQLite database up to `latest`: each migration not applied yet runs in its own
 * immediate transaction, in version order, and is recorded in schema_migrations with its
 * checksum. Another process migrating the same file at once is harmless (a version applied
 * meanwhile is skipped). A database newer than this code, or one whose recorded migrations this
 * code would have written differently, is refused (checkApplied). Migrations recorded before
 * checksums were kept get theirs on the next open. Returns the versions applied.
 */
export function migrateSqlite(
  conn: Database.Database,
  file: string,
  migrations: readonly Migration[],
  latest: number,
): number[] {
  conn.exec(SCHEMA_MIGRATIONS_SQL);
  const columns = conn.prepare("select name from pragma_table_info('schema_migrations')").all() as { name: string }[];
  if (!columns.some((c) => c.name === 'checksum')) conn.exec('alter table schema_migrations add column checksum text');
  const recorded = conn.prepare('select version, name, checksum from schema_migrations').all() as AppliedMigration[];
  checkApplied(recorded, migrations, latest, 'sqlite', `sqlite database ${file}`);
  const known = new Map(migrations.map((m) => [m.version, m]));
  const backfill = conn.prepare('update schema_migrations set checksum = ? where version = ? and checksum is null');
  for (const a of recorded) {
    const m = known.get(a.version);
    if (m !== undefined && a.checksum === null) backfill.run(migrationChecksum(m, 'sqlite'), a.version);
  }
  const version = conn.prepare('select coalesce(max(version), 0) as v from schema_migrations');
  const current = () => (version.get() as { v: number }).v;
  const found = current();
  const record = conn.prepare(
    'insert into schema_migrations (version, name, applied_at, checksum) values (?, ?, ?, ?)',
  );
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= found) continue;
    conn
      .transaction(() => {
        if (current() >= m.version) return; // applied meanwhile by another process
        conn.exec(migrationSql(m, 'sqlite'));
        record.run(m.version, m.name, Date.now(), migrationChecksum(m, 'sqlite'));
        applied.push(m.version);
      })
      .immediate();
  }
  return applied;
}
