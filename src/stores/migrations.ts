/**
 * Versioned schema migrations of the durable store, in order. A store applies, at open, every
 * migration whose version is above the highest one recorded in `schema_migrations`, each in its
 * own transaction together with its bookkeeping row. Never edit a released migration: append a
 * new one.
 *
 * The SQL is kept plain so that a later PostgreSQL store can reuse the list:
 * - times are `bigint` (ms since the epoch overflow a 32-bit `integer` in PostgreSQL; SQLite
 *   gives `bigint` integer affinity);
 * - the user column is `user_name`, because `user` is a reserved word in PostgreSQL (unquoted,
 *   `WHERE user = $1` would silently compare against the current role);
 * - the only dialect difference, the auto-numbered id, is given per dialect: SQLite's
 *   `integer primary key` is the rowid alias; PostgreSQL needs an identity column.
 */

export interface Migration {
  version: number;
  name: string;
  /** SQLite (and generic) SQL; may hold several statements. */
  sql: string;
  /** PostgreSQL SQL when it differs from `sql`. */
  postgres?: string;
}

/** The bookkeeping table, created before any migration runs. */
export const SCHEMA_MIGRATIONS_SQL = `
create table if not exists schema_migrations (
  version integer primary key,
  name text not null,
  applied_at bigint not null
)`;

const auditTable = (id: string) => `
create table audit (
  id ${id},
  time bigint not null,
  event text not null,
  outcome text not null,
  tenant text,
  user_name text,
  ip text,
  country text,
  device text,
  app text,
  rule text,
  detail text
);
create index audit_time on audit (time);
create index audit_tenant_time on audit (tenant, time);
create index audit_user_time on audit (user_name, time);
`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit',
    sql: auditTable('integer primary key'),
    postgres: auditTable('bigint generated always as identity primary key'),
  },
];

/** The highest version this code knows. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
