/**
 * SqliteDurableStore: the embedded durable store, on better-sqlite3 (the rules themselves are in
 * sql-store.ts, shared with PostgreSQL).
 *
 * open() creates the parent folder, sets WAL mode, busy_timeout and foreign_keys, then applies
 * the pending migrations (sqlite-migrate.ts). better-sqlite3 is synchronous: a statement runs to
 * its end before any other JavaScript, and a batch runs in one immediate transaction, so the
 * one-writer rules hold within a process and, through SQLite's locks, across processes sharing
 * the file. Statements are prepared once, on first use, so a store opened with only some
 * migrations (tests) works for the tables it has. Any sqlite error, including use after
 * close(), rejects with StoreUnavailableError('sqlite', cause).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PortcullisError, StoreUnavailableError } from '../errors.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.ts';
import { DuplicateKeyError, type SqlDriver, type SqlResult, type SqlStep } from './sql-driver.ts';
import { SqlDurableStore } from './sql-store.ts';
import { migrateSqlite } from './sqlite-migrate.ts';

export interface SqliteDurableStoreOptions {
  /** How long a writer waits for a lock held by another connection (default 5000 ms). */
  busyTimeoutMs?: number;
  /** The migrations to apply (tests only; default MIGRATIONS). */
  migrations?: readonly Migration[];
}

type Statement = Database.Statement<unknown[], unknown>;

const isKeyClash = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
};

class SqliteDriver implements SqlDriver {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Statement>();
  readonly #batch: Database.Transaction<(steps: readonly SqlStep[]) => SqlResult[]>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#batch = db.transaction((steps: readonly SqlStep[]) => steps.map((s) => this.#exec(s.sql, s.params)));
  }

  #exec(sql: string, params: readonly unknown[]): SqlResult {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    if (statement.reader) return { rows: statement.all(...params) as Record<string, unknown>[], changes: 0 };
    return { rows: [], changes: statement.run(...params).changes };
  }

  async query(sql: string, params: readonly unknown[]): Promise<SqlResult> {
    return this.#guard(() => this.#exec(sql, params));
  }

  async batch(steps: readonly SqlStep[]): Promise<SqlResult[]> {
    return this.#guard(() => this.#batch.immediate(steps));
  }

  #guard<T>(work: () => T): T {
    try {
      return work();
    } catch (err) {
      if (isKeyClash(err)) throw new DuplicateKeyError(err);
      throw new StoreUnavailableError('sqlite', err);
    }
  }

  async tables(): Promise<string[]> {
    const { rows } = await this.query(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by 1",
      [],
    );
    return rows.map((r) => String(r.name));
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

export class SqliteDurableStore extends SqlDurableStore {
  /** The file ('' for ':memory:'). */
  readonly label: string;

  private constructor(driver: SqlDriver, withRequestId: boolean, applied: readonly number[], file: string) {
    super(driver, withRequestId, applied);
    this.label = `sqlite:${file}`;
  }

  /** Opens (creating when needed) and migrates the database at `file` (':memory:' also works). */
  static async open(file: string, options: SqliteDurableStoreOptions = {}): Promise<SqliteDurableStore> {
    const migrations = options.migrations ?? MIGRATIONS;
    const latest = options.migrations ? Math.max(0, ...migrations.map((m) => m.version)) : LATEST_SCHEMA_VERSION;
    let db: Database.Database | undefined;
    try {
      if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
      const conn = new Database(file);
      db = conn;
      conn.pragma('journal_mode = WAL');
      conn.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      conn.pragma('foreign_keys = ON');
      conn.pragma('synchronous = NORMAL');
      const applied = migrateSqlite(conn, file, migrations, latest);
      // a database opened with only the early migrations (tests) has no request_id column yet
      const columns = conn.prepare("select name from pragma_table_info('audit')").all() as { name: string }[];
      return new SqliteDurableStore(
        new SqliteDriver(conn),
        columns.some((c) => c.name === 'request_id'),
        applied,
        file,
      );
    } catch (err) {
      if (db?.open) db.close();
      if (err instanceof PortcullisError) throw err;
      throw new StoreUnavailableError('sqlite', err);
    }
  }
}
