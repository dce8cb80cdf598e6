/**
 * Versioned schema migrations of the durable store, in order. A store applies, at open, every
 * migration whose version is above the highest one recorded in `schema_migrations`, each in its
 * own transaction together with its bookkeeping row. Never edit a released migration: append a
 * new one.
 *
 * One list serves SQLite and PostgreSQL. PostgreSQL runs every pending migration in one
 * transaction under an advisory lock (postgres-migrate.ts); SQLite runs each in its own immediate
 * transaction (sqlite-migrate.ts). Each applied migration is recorded with the SHA-256 of the
 * SQL that ran: a database whose record disagrees with this code (a released migration edited)
 * is refused rather than used with a schema nobody can name.
 *
 * The SQL is kept plain so that both dialects read it:
 * - times are `bigint` (ms since the epoch overflow a 32-bit `integer` in PostgreSQL; SQLite
 *   gives `bigint` integer affinity);
 * - the user column is `user_name`, because `user` is a reserved word in PostgreSQL (unquoted,
 *   `WHERE user = $1` would silently compare against the current role);
 * - the only dialect difference, the auto-numbered id, is given per dialect: SQLite's
 *   `integer primary key` is the rowid alias; PostgreSQL needs an identity column;
 * - PostgreSQL's text columns compare by code point (`collate "C"`, added by migrationSql), as
 *   SQLite's do: ordering by a name or an id is the same on both, whatever the server's locale.
 */
import { createHash } from 'node:crypto';
import { PortcullisError } from '../errors.ts';

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
  applied_at bigint not null,
  checksum text
)`;

export type Dialect = 'sqlite' | 'postgres';

/** The SQL a migration runs on a dialect. */
export function migrationSql(m: Migration, dialect: Dialect): string {
  if (dialect === 'sqlite') return m.sql;
  return (m.postgres ?? m.sql).replace(/\btext\b(?! collate)/g, 'text collate "C"');
}

/** SHA-256 (hex) of the SQL a migration runs on a dialect: what schema_migrations records. */
export function migrationChecksum(m: Migration, dialect: Dialect): string {
  return createHash('sha256').update(migrationSql(m, dialect)).digest('hex');
}

/** A migration as schema_migrations recorded it (checksum null: recorded before checksums were). */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string | null;
}

/**
 * Refuses a database this code must not use: one newer than `latest`, or one where a migration
 * this code knows was recorded with other SQL (edited after release). `where` names the
 * database for the message (never a password).
 */
export function checkApplied(
  applied: readonly AppliedMigration[],
  migrations: readonly Migration[],
  latest: number,
  dialect: Dialect,
  where: string,
): void {
  const found = applied.reduce((max, a) => Math.max(max, a.version), 0);
  if (found > latest) {
    throw new PortcullisError(
      'PC_ERR_STORE_UNAVAILABLE',
      `${where} has schema version ${found}, newer than this version of Portcullis knows ` +
        `(${latest}); upgrade Portcullis or point it at another database`,
    );
  }
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const a of applied) {
    const m = known.get(a.version);
    if (m === undefined || a.checksum === null) continue;
    if (a.checksum !== migrationChecksum(m, dialect)) {
      throw new PortcullisError(
        'PC_ERR_STORE_UNAVAILABLE',
        `${where}: migration ${a.version} (${a.name}) was applied from other SQL than this version of ` +
          'Portcullis holds (its checksum differs); a released migration is never edited: restore the ' +
          'Portcullis version that made this database, or report it',
      );
    }
  }
}

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

/**
 * Second factors and recovery codes. `kind` is 'totp' | 'webauthn' | 'push', checked by the
 * code rather than by a CHECK constraint so that a later kind needs no table rebuild (SQLite
 * cannot alter a constraint). `secret` is sealed by SecretBox, `data` is JSON. Recovery codes
 * are stored only as hashes; `used_at` is set once, by a conditional update.
 */
const factorsTables = `
create table factors (
  id text primary key,
  user_name text not null,
  kind text not null,
  name text not null,
  secret text,
  data text,
  created_at bigint not null,
  last_used_at bigint
);
create index factors_user on factors (user_name);
create table recovery_codes (
  user_name text not null,
  code_hash text not null,
  created_at bigint not null,
  used_at bigint,
  primary key (user_name, code_hash)
);
`;

/**
 * Devices and sign-in history. A device row is a browser a user completed a sign-in from, keyed
 * by the random id its signed cookie carries; it is trusted while `trusted_until` is in the
 * future, and forgetting it deletes the row. `sign_ins` is the bounded per-user history risk
 * signals are computed from; its auto-numbered id orders sign-ins that share a time (newest
 * first is insertion order reversed), hence a per-dialect id as for `audit`. No foreign key from
 * `sign_ins.device_id`: the history outlives a forgotten device.
 */
const devicesTables = (id: string) => `
create table devices (
  id text primary key,
  user_name text not null,
  name text not null,
  first_seen_at bigint not null,
  last_seen_at bigint not null,
  ip text,
  country text,
  trusted_at bigint,
  trusted_until bigint
);
create index devices_user on devices (user_name);
create table sign_ins (
  id ${id},
  user_name text not null,
  time bigint not null,
  ip text,
  country text,
  latitude double precision,
  longitude double precision,
  device_id text
);
create index sign_ins_user_time on sign_ins (user_name, time);
`;

/**
 * Onboarding. `invites`: the one-time links of `portcullis user invite`, one per user (a new
 * invite replaces the earlier one), known only by the SHA-256 of their token. `enrolment_due`:
 * the accounts made by the set-up page or an invite, asked to enrol a second factor at every
 * sign-in while they hold none, whatever the policy says.
 */
const onboardingTables = `
create table invites (
  token_hash text primary key,
  user_name text not null unique,
  created_at bigint not null,
  expires_at bigint not null,
  created_by text not null
);
create table enrolment_due (user_name text primary key, since bigint not null);
`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit',
    sql: auditTable('integer primary key'),
    postgres: auditTable('bigint generated always as identity primary key'),
  },
  { version: 2, name: 'factors', sql: factorsTables },
  {
    version: 3,
    name: 'devices',
    sql: devicesTables('integer primary key'),
    postgres: devicesTables('bigint generated always as identity primary key'),
  },
  {
    version: 4,
    name: 'session ends',
    // per user: every session created at or before this time (ms) is over (reset-mfa, revoke-sessions)
    sql: 'create table session_ends (user_name text primary key, ended_before bigint not null);',
  },
  { version: 5, name: 'onboarding', sql: onboardingTables },
  {
    version: 6,
    name: 'preferences',
    // per user, small settings the user chose (e.g. the default second factor); never secret
    sql: 'create table preferences (user_name text not null, name text not null, value text not null, primary key (user_name, name));',
  },
  {
    version: 7,
    name: 'access codes',
    // one per user, single use, only the SHA-256 of the code (portcullis access-code)
    sql: `create table access_codes (
  user_name text primary key,
  code_hash text not null,
  created_at bigint not null,
  expires_at bigint not null,
  created_by text not null
);
create index access_codes_expires on access_codes (expires_at);`,
  },
  {
    version: 8,
    name: 'audit request ids and paging',
    // the request an event came from; (time, id) for newest-first pages; (event, time) for a type
    // filter; the retention trim deletes by time (audit_time_id)
    sql: `alter table audit add column request_id text;
drop index audit_time;
create index audit_time_id on audit (time, id);
create index audit_event_time on audit (event, time);`,
  },
  {
    version: 9,
    name: 'push blocks',
    // a user who reported a push they did not start gets no push until an administrator unblocks
    sql: `create table push_blocks (
  user_name text primary key,
  blocked_at bigint not null,
  request_id text not null,
  ip text,
  country text,
  app text
);`,
  },
  {
    version: 10,
    name: 'provider users',
    // the users identity providers signed in (idp/): one name per provider subject, and no name
    // shared by two subjects; groups as a JSON array; last_seen_at for the stale-account finding
    sql: `create table provider_users (
  user_name text primary key,
  provider text not null,
  subject text not null,
  tenant text,
  display_name text not null,
  email text,
  groups text not null,
  created_at bigint not null,
  last_seen_at bigint not null,
  unique (provider, subject)
);`,
  },
];

/** The highest version this code knows. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
