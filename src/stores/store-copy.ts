/**
 * Moves a deployment from one durable store to another (`portcullis store copy`), typically
 * SQLite to PostgreSQL when one machine is no longer enough: every table, every row, in one
 * transaction on the destination, then the row counts compared. The destination must be empty
 * (a copy never merges), both at the same schema version (opening migrates both), and the source
 * may hold no table this code does not know (a newer version's data is never left behind
 * silently). Auto-numbered ids (audit, sign-in history) are renumbered in their order.
 */
import { PortcullisError } from '../errors.ts';
import type { SqlDurableStore } from './sql-store.ts';

interface TablePlan {
  readonly table: string;
  readonly columns: readonly string[];
  /** the order rows are read and written in (auto-numbered ids keep their order) */
  readonly order: string;
}

const cols = (list: string) => list.split(',').map((c) => c.trim());

/** Every table of the schema but schema_migrations. */
export const COPIED_TABLES: readonly TablePlan[] = [
  {
    table: 'audit',
    columns: cols('time, event, outcome, tenant, user_name, ip, country, device, app, rule, detail, request_id'),
    order: 'id',
  },
  { table: 'factors', columns: cols('id, user_name, kind, name, secret, data, created_at, last_used_at'), order: 'id' },
  {
    table: 'recovery_codes',
    columns: cols('user_name, code_hash, created_at, used_at'),
    order: 'user_name, code_hash',
  },
  {
    table: 'devices',
    columns: cols('id, user_name, name, first_seen_at, last_seen_at, ip, country, trusted_at, trusted_until'),
    order: 'id',
  },
  { table: 'sign_ins', columns: cols('user_name, time, ip, country, latitude, longitude, device_id'), order: 'id' },
  { table: 'session_ends', columns: cols('user_name, ended_before'), order: 'user_name' },
  { table: 'invites', columns: cols('token_hash, user_name, created_at, expires_at, created_by'), order: 'token_hash' },
  { table: 'enrolment_due', columns: cols('user_name, since'), order: 'user_name' },
  { table: 'preferences', columns: cols('user_name, name, value'), order: 'user_name, name' },
  {
    table: 'access_codes',
    columns: cols('user_name, code_hash, created_at, expires_at, created_by'),
    order: 'user_name',
  },
  { table: 'push_blocks', columns: cols('user_name, blocked_at, request_id, ip, country, app'), order: 'user_name' },
  {
    table: 'provider_users',
    columns: cols('user_name, provider, subject, tenant, display_name, email, groups, created_at, last_seen_at'),
    order: 'user_name',
  },
];

/** Rows per insert statement (well under both databases' parameter limits). */
const CHUNK = 200;

export interface CopyReport {
  /** rows copied, per table */
  readonly tables: ReadonlyArray<{ table: string; rows: number }>;
}

async function count(store: SqlDurableStore, table: string): Promise<number> {
  const { rows } = await store.driver.query(`select count(*) as n from ${table}`, []);
  return Number(rows[0]?.n ?? 0);
}

export async function copyStore(from: SqlDurableStore, to: SqlDurableStore): Promise<CopyReport> {
  const [fromVersion, toVersion] = [await from.schemaVersion(), await to.schemaVersion()];
  if (fromVersion !== toVersion)
    throw new PortcullisError(
      'PC_ERR_CONFIG_INVALID',
      `the stores are at schema versions ${fromVersion} and ${toVersion}: both must be at the same one`,
    );
  const known = new Set([...COPIED_TABLES.map((t) => t.table), 'schema_migrations']);
  const unknown = (await from.driver.tables()).filter((t) => !known.has(t));
  if (unknown.length > 0)
    throw new PortcullisError(
      'PC_ERR_CONFIG_INVALID',
      `the source holds tables this version does not copy (${unknown.join(', ')}): use the version that made them`,
    );
  for (const plan of COPIED_TABLES) {
    if ((await count(to, plan.table)) > 0)
      throw new PortcullisError(
        'PC_ERR_CONFIG_INVALID',
        `the destination is not empty (table ${plan.table} has rows): a copy goes only into a new, empty store`,
      );
  }
  const steps: { sql: string; params: unknown[] }[] = [];
  const tables: { table: string; rows: number }[] = [];
  for (const plan of COPIED_TABLES) {
    const list = plan.columns.join(', ');
    const { rows } = await from.driver.query(`select ${list} from ${plan.table} order by ${plan.order}`, []);
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const tuple = `(${plan.columns.map(() => '?').join(', ')})`;
      steps.push({
        sql: `insert into ${plan.table} (${list}) values ${chunk.map(() => tuple).join(', ')}`,
        params: chunk.flatMap((row) => plan.columns.map((c) => row[c] ?? null)),
      });
    }
    tables.push({ table: plan.table, rows: rows.length });
  }
  await to.driver.batch(steps);
  for (const { table, rows } of tables) {
    const copied = await count(to, table);
    if (copied !== rows)
      throw new PortcullisError(
        'PC_ERR_STORE_UNAVAILABLE',
        `table ${table}: ${rows} rows read but ${copied} in the destination`,
      );
  }
  return { tables };
}
