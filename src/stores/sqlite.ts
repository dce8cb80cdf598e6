/**
 * SqliteDurableStore: the embedded durable store (audit trail, factors, recovery codes), on
 * better-sqlite3.
 *
 * open() creates the parent folder, sets WAL mode, busy_timeout and foreign_keys, then applies
 * the pending migrations of ./migrations.ts, each in its own IMMEDIATE transaction together with
 * its `schema_migrations` row (re-checked inside the transaction, so two processes opening the
 * same file at once do not apply a migration twice). A file whose schema is newer than this
 * code knows is refused with a PortcullisError telling the operator to upgrade.
 *
 * better-sqlite3 is synchronous; the methods still return promises to honour DurableStore (a
 * PostgreSQL store will be truly asynchronous). Any sqlite error, including use after close(),
 * rejects with StoreUnavailableError('sqlite', cause); a factor id already in use is a TypeError
 * (ids are random: a clash is a bug). Statements are prepared once, on first use, so a store
 * opened with only some migrations (tests) works for the tables it has (queryAudit caches one
 * statement per combination of filters).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PortcullisError, StoreUnavailableError } from '../errors.ts';
import {
  type AuditQuery,
  type AuditRecord,
  type DurableStore,
  FACTOR_KINDS,
  type FactorKind,
  type FactorRecord,
  type RecoveryCodeCount,
} from './durable.ts';
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

interface FactorRow {
  id: string;
  user_name: string;
  kind: FactorKind;
  name: string;
  secret: string | null;
  data: string | null;
  created_at: number;
  last_used_at: number | null;
}

type Statement = Database.Statement<unknown[], unknown>;

const SQL = {
  listFactors: `select id, user_name, kind, name, secret, data, created_at, last_used_at from factors
    where user_name = ? order by created_at, id`,
  addFactor: `insert into factors (id, user_name, kind, name, secret, data, created_at, last_used_at)
    values (?, ?, ?, ?, ?, ?, ?, ?)`,
  removeFactor: 'delete from factors where user_name = ? and id = ?',
  touchFactor: 'update factors set last_used_at = ? where user_name = ? and id = ?',
  removeAllFactors: 'delete from factors where user_name = ?',
  deleteCodes: 'delete from recovery_codes where user_name = ?',
  insertCode: 'insert into recovery_codes (user_name, code_hash, created_at, used_at) values (?, ?, ?, null)',
  useCode: 'update recovery_codes set used_at = ? where user_name = ? and code_hash = ? and used_at is null',
  countCodes: 'select count(*) as total, count(used_at) as used from recovery_codes where user_name = ?',
} as const;

const isPrimaryKeyClash = (err: unknown) => (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';

function checkText(what: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
}

function checkTime(what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`${what} must be an integer (ms)`);
}

export class SqliteDurableStore implements DurableStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #insert: Statement;
  readonly #version: Statement;
  readonly #ping: Statement;
  readonly #queries = new Map<string, Statement>();
  #replaceCodes: Database.Transaction<(user: string, hashes: readonly string[], time: number) => void> | undefined;

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
    const rows = this.#run(() => this.#prepared(sql).all(...params) as AuditRow[]);
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

  async listFactors(user: string): Promise<FactorRecord[]> {
    const rows = this.#run(() => this.#prepared(SQL.listFactors).all(user) as FactorRow[]);
    return rows.map((row) => ({
      id: row.id,
      user: row.user_name,
      kind: row.kind,
      name: row.name,
      secret: row.secret,
      data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
    }));
  }

  async addFactor(f: FactorRecord): Promise<void> {
    checkText('factor id', f.id);
    checkText('factor user', f.user);
    checkText('factor name', f.name);
    if (!FACTOR_KINDS.includes(f.kind)) throw new TypeError(`unknown factor kind ${JSON.stringify(f.kind)}`);
    if (f.secret !== null && typeof f.secret !== 'string')
      throw new TypeError('factor secret must be a string or null');
    checkTime('factor createdAt', f.createdAt);
    if (f.lastUsedAt !== null) checkTime('factor lastUsedAt', f.lastUsedAt);
    // Serialised first: data that is not JSON-serialisable is a TypeError, not an outage.
    const data = f.data === null ? null : JSON.stringify(f.data);
    try {
      this.#prepared(SQL.addFactor).run(f.id, f.user, f.kind, f.name, f.secret, data, f.createdAt, f.lastUsedAt);
    } catch (err) {
      if (isPrimaryKeyClash(err)) throw new TypeError('factor id already in use', { cause: err });
      throw new StoreUnavailableError('sqlite', err);
    }
  }

  async removeFactor(user: string, id: string): Promise<boolean> {
    return this.#run(() => this.#prepared(SQL.removeFactor).run(user, id).changes > 0);
  }

  async touchFactor(user: string, id: string, time: number): Promise<boolean> {
    checkTime('time', time);
    return this.#run(() => this.#prepared(SQL.touchFactor).run(time, user, id).changes > 0);
  }

  async removeAllFactors(user: string): Promise<number> {
    return this.#run(() => this.#prepared(SQL.removeAllFactors).run(user).changes);
  }

  async replaceRecoveryCodes(user: string, hashes: readonly string[], time: number): Promise<void> {
    checkText('user', user);
    checkTime('time', time);
    for (const hash of hashes) checkText('recovery code hash', hash);
    if (new Set(hashes).size !== hashes.length) throw new TypeError('recovery code hashes must be distinct');
    this.#run(() => {
      this.#replaceCodes ??= this.#db.transaction((u: string, list: readonly string[], t: number) => {
        this.#prepared(SQL.deleteCodes).run(u);
        const insert = this.#prepared(SQL.insertCode);
        for (const hash of list) insert.run(u, hash, t);
      });
      this.#replaceCodes.immediate(user, hashes, time);
    });
  }

  async useRecoveryCode(user: string, hash: string, time: number): Promise<boolean> {
    checkTime('time', time);
    return this.#run(() => this.#prepared(SQL.useCode).run(time, user, hash).changes === 1);
  }

  async countRecoveryCodes(user: string): Promise<RecoveryCodeCount> {
    const row = this.#run(() => this.#prepared(SQL.countCodes).get(user) as { total: number; used: number });
    return { total: row.total, unused: row.total - row.used };
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

  /** The statement for `sql`, prepared on first use. */
  #prepared(sql: string): Statement {
    let statement = this.#queries.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#queries.set(sql, statement);
    }
    return statement;
  }

  #run<T>(work: () => T): T {
    try {
      return work();
    } catch (err) {
      throw new StoreUnavailableError('sqlite', err);
    }
  }
}
