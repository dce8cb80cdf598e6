/**
 * SqliteDurableStore: the embedded durable store (audit trail), on better-sqlite3.
 *
 * open() creates the parent folder, sets WAL mode, busy_timeout and foreign_keys, then applies
 * the pending migrations of ./migrations.ts, each in its own IMMEDIATE transaction together with
 * its `schema_migrations` row (re-checked inside the transaction, so two processes opening the
 * same file at once do not apply a migration twice). A file whose schema is newer than this
 * code knows is refused with a PortcullisError telling the operator to upgrade.
 *
 * better-sqlite3 is synchronous; the methods still return promises to honour DurableStore (a
 * PostgreSQL store will be truly asynchronous). Any sqlite error, including use after close(),
 * rejects with StoreUnavailableError('sqlite', cause). Statements are prepared once (queryAudit
 * caches one statement per combination of filters).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PortcullisError, StoreUnavailableError } from '../errors.ts';
import type { AuditQuery, AuditRecord, DurableStore } from './durable.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration, SCHEMA_MIGRATIONS_SQL } from './migrations.ts';

export interface SqliteDurableStoreOptions {
  /** How long a writer waits for a lock held by another connection (default 5000 ms). */
  busyTimeoutMs?: number;
  /** The migrations to apply (tests only; default MIGRATIONS). */
  migrations?: readonly Migration[];
}

/** queryAudit's limit when none is given, and the most it returns. */
export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 10_000;

interface AuditRow {
  time: number;
  event: string;
  outcome: AuditRecord['outcome'];
  tenant: string | null;
  user_name: string | null;
  ip: string | null;
  country: string | null;
  device: string | null;
  app: string | null;
  rule: string | null;
  detail: string | null;
}

type Statement = Database.Statement<unknown[], unknown>;

export class SqliteDurableStore implements DurableStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #insert: Statement;
  readonly #version: Statement;
  readonly #ping: Statement;
  readonly #queries = new Map<string, Statement>();

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#insert = db.prepare(
      `insert into audit (time, event, outcome, tenant, user_name, ip, country, device, app, rule, detail)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#version = db.prepare('select coalesce(max(version), 0) as v from schema_migrations');
    this.#ping = db.prepare('select 1');
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
      return new SqliteDurableStore(conn);
    } catch (err) {
      if (db?.open) db.close();
      if (err instanceof PortcullisError) throw err;
      throw new StoreUnavailableError('sqlite', err);
    }
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    // Serialised first: a detail that is not JSON-serialisable is a TypeError, not an outage.
    const detail = record.detail === null ? null : JSON.stringify(record.detail);
    this.#run(() =>
      this.#insert.run(
        record.time,
        record.event,
        record.outcome,
        record.tenant,
        record.user,
        record.ip,
        record.country,
        record.device,
        record.app,
        record.rule,
        detail,
      ),
    );
  }

  /** Newest first. `since` is inclusive, `until` exclusive; limit defaults to 100, at most 10 000. */
  async queryAudit(query: AuditQuery): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      if (value === undefined) return;
      where.push(clause);
      params.push(value);
    };
    add('time >= ?', query.since);
    add('time < ?', query.until);
    add('tenant = ?', query.tenant);
    add('user_name = ?', query.user);
    add('event = ?', query.event);
    const wanted = query.limit ?? DEFAULT_AUDIT_LIMIT;
    const limit = Math.min(MAX_AUDIT_LIMIT, Math.max(0, Math.floor(Number.isFinite(wanted) ? wanted : 0)));
    params.push(limit);
    const sql =
      'select time, event, outcome, tenant, user_name, ip, country, device, app, rule, detail from audit' +
      (where.length ? ` where ${where.join(' and ')}` : '') +
      ' order by time desc, id desc limit ?';
    const rows = this.#run(() => {
      let statement = this.#queries.get(sql);
      if (!statement) {
        statement = this.#db.prepare(sql);
        this.#queries.set(sql, statement);
      }
      return statement.all(...params) as AuditRow[];
    });
    return rows.map((row) => ({
      time: row.time,
      event: row.event,
      outcome: row.outcome,
      tenant: row.tenant,
      user: row.user_name,
      ip: row.ip,
      country: row.country,
      device: row.device,
      app: row.app,
      rule: row.rule,
      detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
    }));
  }

  async schemaVersion(): Promise<number> {
    return this.#run(() => (this.#version.get() as { v: number }).v);
  }

  async ping(): Promise<void> {
    this.#run(() => this.#ping.get());
  }

  /** Idempotent; later calls to other methods reject with StoreUnavailableError. */
  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #run<T>(work: () => T): T {
    try {
      return work();
    } catch (err) {
      throw new StoreUnavailableError('sqlite', err);
    }
  }
}
