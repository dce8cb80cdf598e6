/**
 * The audit trail's part of the SQL durable store (sql-store.ts): appended one row at a time,
 * read newest first by filters or in pages with a stable cursor, trimmed by age.
 */
import { type AuditPage, type AuditPageQuery, type AuditQuery, type AuditRecord, MAX_AUDIT_PAGE } from './durable.ts';
import { type AuditRow, toAudit } from './durable-rows.ts';
import { SQL } from './durable-sql.ts';
import { changesOf, rowsOf, type SqlDriver } from './sql-driver.ts';
import { checkCount, checkOptionalText, checkText, checkTime } from './store-checks.ts';

/** queryAudit's limit when none is given, and the most it returns. */
export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 10_000;

const AUDIT_COLUMNS = 'time, event, outcome, tenant, user_name, ip, country, device, app, rule, detail';

export class SqlAudit {
  readonly #db: SqlDriver;
  readonly #withRequestId: boolean;
  readonly #auditColumns: string;
  readonly #insertAudit: string;

  /** `withRequestId`: the audit table has its request_id column (a database migrated to 8 or later). */
  constructor(db: SqlDriver, withRequestId: boolean) {
    this.#db = db;
    this.#withRequestId = withRequestId;
    this.#auditColumns = `${AUDIT_COLUMNS}, ${withRequestId ? 'request_id' : 'null as request_id'}`;
    this.#insertAudit = withRequestId
      ? `insert into audit (${AUDIT_COLUMNS}, request_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      : `insert into audit (${AUDIT_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    // Serialised first: a detail that is not JSON-serialisable is a TypeError, not an outage.
    const detail = record.detail === null ? null : JSON.stringify(record.detail);
    checkOptionalText('audit request id', record.requestId ?? null);
    const values: unknown[] = [
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
    ];
    if (this.#withRequestId) values.push(record.requestId ?? null);
    await this.#db.query(this.#insertAudit, values);
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
      `select ${this.#auditColumns} from audit` +
      (where.length ? ` where ${where.join(' and ')}` : '') +
      ' order by time desc, id desc limit ?';
    return (await rowsOf<AuditRow>(this.#db, sql, params)).map(toAudit);
  }

  /**
   * One page, newest first (equal times: latest recorded first), at most MAX_AUDIT_PAGE; the
   * cursor is the last event's (time, row id), so a page never repeats nor skips an event
   * whatever events are recorded meanwhile. `typePrefix` compares the start of the type
   * (substr: LIKE would read `_` as a wildcard).
   */
  async queryAuditPage(query: AuditPageQuery): Promise<AuditPage> {
    checkCount('limit', query.limit, MAX_AUDIT_PAGE);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.tenant === null) where.push('tenant is null');
    else if (query.tenant !== undefined) {
      where.push('tenant = ?');
      params.push(query.tenant);
    }
    if (query.user !== undefined) {
      where.push('user_name = ?');
      params.push(query.user);
    }
    if (query.type !== undefined) {
      where.push('event = ?');
      params.push(query.type);
    }
    if (query.typePrefix !== undefined) {
      checkText('type prefix', query.typePrefix);
      where.push('substr(event, 1, ?) = ?');
      params.push(query.typePrefix.length, query.typePrefix);
    }
    if (query.since !== undefined) {
      checkTime('since', query.since);
      where.push('time >= ?');
      params.push(query.since);
    }
    if (query.before !== undefined) {
      checkTime('cursor time', query.before.time);
      checkCount('cursor id', query.before.id, Number.MAX_SAFE_INTEGER);
      where.push('(time < ? or (time = ? and id < ?))');
      params.push(query.before.time, query.before.time, query.before.id);
    }
    params.push(query.limit + 1);
    const sql =
      `select id, ${this.#auditColumns} from audit` +
      (where.length ? ` where ${where.join(' and ')}` : '') +
      ' order by time desc, id desc limit ?';
    const rows = await rowsOf<AuditRow & { id: number }>(this.#db, sql, params);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      events: page.map(toAudit),
      next: rows.length > query.limit && last !== undefined ? { time: last.time, id: last.id } : null,
    };
  }

  async trimAudit(before: number): Promise<number> {
    checkTime('before', before);
    return changesOf(this.#db, SQL.trimAudit, [before]);
  }
}
