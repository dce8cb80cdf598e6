/**
 * PostgresDurableStore: the durable store on PostgreSQL, for several instances (the rules
 * themselves are in sql-store.ts, shared with SQLite), on node-postgres.
 *
 * Nothing may hang a request: connecting and waiting for a pooled connection time out
 * (connect_timeout), the server cancels a statement after statement_timeout and the client gives
 * up one second later on a server gone silent, an idle transaction is ended by the server. A
 * connection that drops while idle in the pool is reported to `onIdleError` and replaced, never
 * an uncaught error that would end the process. Statements are named prepared statements, parsed
 * and planned once per connection. bigint columns (ms times, ids) are read as numbers.
 *
 * open() migrates under an advisory lock (postgres-migrate.ts). A key already held is a
 * DuplicateKeyError (a TypeError from the store); any other failure, the server being down
 * included, is StoreUnavailableError('postgres').
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { PortcullisError, StoreUnavailableError } from '../errors.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.ts';
import { migratePostgres } from './postgres-migrate.ts';
import { type PostgresSettings, postgresSettings } from './postgres-settings.ts';
import { DuplicateKeyError, type SqlDriver, type SqlResult, type SqlStep } from './sql-driver.ts';
import { SqlDurableStore } from './sql-store.ts';

export interface PostgresDurableStoreOptions {
  /** The migrations to apply (tests only; default MIGRATIONS). */
  migrations?: readonly Migration[];
  /** Resolves a relative sslrootcert (the configuration's folder). */
  baseDir?: string;
  /** A pooled idle connection failed (it is replaced); for the log. */
  onIdleError?: (err: Error) => void;
}

const INT8 = 20;

/** PostgreSQL's unique_violation. */
const isKeyClash = (err: unknown) => (err as { code?: unknown } | null)?.code === '23505';

function failure(err: unknown): Error {
  return isKeyClash(err) ? new DuplicateKeyError(err) : new StoreUnavailableError('postgres', err);
}

/** A statement with `?` placeholders as a named prepared statement with `$1`, `$2`, ... */
interface Named {
  readonly name: string;
  readonly text: string;
}

export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #named = new Map<string, Named>();
  #closed = false;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  #statement(sql: string, params: readonly unknown[]): pg.QueryConfig {
    let named = this.#named.get(sql);
    if (named === undefined) {
      const text = numbered(sql);
      named = { name: `pc_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text };
      this.#named.set(sql, named);
    }
    return { name: named.name, text: named.text, values: params as unknown[] };
  }

  async query(sql: string, params: readonly unknown[]): Promise<SqlResult> {
    try {
      const result = await this.#pool.query(this.#statement(sql, params));
      return { rows: result.rows, changes: result.rowCount ?? 0 };
    } catch (err) {
      throw failure(err);
    }
  }

  async batch(steps: readonly SqlStep[]): Promise<SqlResult[]> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw failure(err);
    }
    let ok = false;
    try {
      await client.query('begin');
      const results: SqlResult[] = [];
      for (const step of steps) {
        const result = await client.query(this.#statement(step.sql, step.params));
        results.push({ rows: result.rows, changes: result.rowCount ?? 0 });
      }
      await client.query('commit');
      ok = true;
      return results;
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw failure(err);
    } finally {
      // a connection that failed mid-transaction is not handed out again
      client.release(!ok);
    }
  }

  async tables(): Promise<string[]> {
    const { rows } = await this.query(
      "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1",
      [],
    );
    return rows.map((r) => String(r.name));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

/** The pool for `settings`: every timeout set, bigint read as a number, TLS as configured. */
export function postgresPool(settings: PostgresSettings, onIdleError?: (err: Error) => void): pg.Pool {
  const types = new pg.TypeOverrides();
  // ms times and ids stay far below 2^53
  types.setTypeParser(INT8, (value: string) => Number(value));
  const pool = new pg.Pool({
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: settings.password,
    ssl: settings.ssl,
    max: settings.poolMax,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    query_timeout: settings.statementTimeoutMs + 1000,
    lock_timeout: settings.statementTimeoutMs,
    idle_in_transaction_session_timeout: settings.statementTimeoutMs * 2,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'portcullis',
    types,
    ...(settings.schema === null ? {} : { options: `-c search_path=${settings.schema}` }),
  });
  pool.on('error', (err) => onIdleError?.(err));
  return pool;
}

export class PostgresDurableStore extends SqlDurableStore {
  /** The database, as `postgres://user@host:port/db` (no password). */
  readonly label: string;
  private constructor(driver: SqlDriver, withRequestId: boolean, label: string, applied: number[]) {
    super(driver, withRequestId, applied);
    this.label = label;
  }

  /** Connects to `spec` (a postgres:// URL) and migrates it. */
  static async open(spec: string, options: PostgresDurableStoreOptions = {}): Promise<PostgresDurableStore> {
    const settings = postgresSettings(spec, options.baseDir ?? process.cwd());
    const migrations = options.migrations ?? MIGRATIONS;
    const latest = options.migrations ? Math.max(0, ...migrations.map((m) => m.version)) : LATEST_SCHEMA_VERSION;
    const pool = postgresPool(settings, options.onIdleError);
    try {
      const client = await pool.connect();
      let applied: number[];
      let withRequestId: boolean;
      try {
        applied = await migratePostgres(client, settings.schema, migrations, latest, settings.label);
        const { rows } = await client.query(
          `select 1 from information_schema.columns
           where table_schema = current_schema() and table_name = 'audit' and column_name = 'request_id'`,
        );
        withRequestId = rows.length > 0;
      } finally {
        client.release();
      }
      return new PostgresDurableStore(new PostgresDriver(pool), withRequestId, settings.label, applied);
    } catch (err) {
      await pool.end().catch(() => {});
      if (err instanceof PortcullisError) throw err;
      throw new StoreUnavailableError('postgres', err);
    }
  }
}
