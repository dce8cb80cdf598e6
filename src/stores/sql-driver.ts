/**
 * What the durable store needs of a database (sql-store.ts holds the store itself): statements
 * with `?` placeholders, each run alone or several in one transaction. A driver turns a key
 * clash into DuplicateKeyError and every other failure into StoreUnavailableError.
 */
export interface SqlResult {
  /** The rows a `select` or a `... returning` gave; empty otherwise. */
  readonly rows: Record<string, unknown>[];
  /** How many rows an insert, update or delete touched. */
  readonly changes: number;
}

export interface SqlStep {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export interface SqlDriver {
  readonly kind: 'sqlite' | 'postgres';
  query(sql: string, params: readonly unknown[]): Promise<SqlResult>;
  /** Runs the steps in order in one transaction: all of them take effect, or none. */
  batch(steps: readonly SqlStep[]): Promise<SqlResult[]>;
  /** The tables the store's schema holds (schema_migrations included). */
  tables(): Promise<string[]>;
  close(): Promise<void>;
}

/** A unique key already held (a random id that clashed: a bug, reported as a TypeError). */
export class DuplicateKeyError extends Error {
  constructor(cause: unknown) {
    super('duplicate key', { cause });
    this.name = 'DuplicateKeyError';
  }
}

/** A random id already in use is a bug in the caller: a TypeError that names what clashed. */
export async function unique<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DuplicateKeyError) throw new TypeError(`${what} already in use`, { cause: err.cause });
    throw err;
  }
}

/** The rows a statement returns. */
export async function rowsOf<T>(db: SqlDriver, sql: string, params: readonly unknown[]): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

/** The first row a statement returns, if any. */
export async function firstOf<T>(db: SqlDriver, sql: string, params: readonly unknown[]): Promise<T | undefined> {
  return (await db.query(sql, params)).rows[0] as T | undefined;
}

/** The rows a statement changed. */
export async function changesOf(db: SqlDriver, sql: string, params: readonly unknown[]): Promise<number> {
  return (await db.query(sql, params)).changes;
}
