import type Database from 'better-sqlite3';
import { PortcullisError } from '../errors.ts';
import { type Migration, SCHEMA_MIGRATIONS_SQL } from './migrations.ts';

/**
 * Brings a SQLite database up to `latest`: each migration not applied yet runs in its own
 * immediate transaction, in version order, and is recorded in schema_migrations. Another process
 * migrating the same file at once is harmless (a version applied meanwhile is skipped). A
 * database newer than this code is refused: it would be read with the wrong shapes.
 */
export function migrateSqlite(
  conn: Database.Database,
  file: string,
  migrations: readonly Migration[],
  latest: number,
): void {
  conn.exec(SCHEMA_MIGRATIONS_SQL);
  const version = conn.prepare('select coalesce(max(version), 0) as v from schema_migrations');
  const current = () => (version.get() as { v: number }).v;
  const found = current();
  if (found > latest) {
    throw new PortcullisError(
      'PC_ERR_STORE_UNAVAILABLE',
      `sqlite database ${file} has schema version ${found}, newer than this version of Portcullis knows ` +
        `(${latest}); upgrade Portcullis or point it at another database`,
    );
  }
  const record = conn.prepare('insert into schema_migrations (version, name, applied_at) values (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= found) continue;
    conn
      .transaction(() => {
        if (current() >= m.version) return; // applied meanwhile by another process
        conn.exec(m.sql);
        record.run(m.version, m.name, Date.now());
      })
      .immediate();
  }
}
