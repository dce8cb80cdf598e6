/**
 * The durable store on a SQL database: every DurableStore rule written once, for SQLite
 * (sqlite.ts) and PostgreSQL (postgres.ts), over a driver (sql-driver.ts) that runs one
 * statement or a few in one transaction.
 *
 * What must be atomic with several writers (a recovery code used once, an invite or access code
 * taken once, a factor's data replaced only if unchanged) is one statement whose row count
 * decides: a conditional `update` or a `delete ... returning`. What must hold across statements
 * (a device added and the user's old ones pruned) is one transaction.
 *
 * Devices and sign-ins are bounded per user, in the transaction that adds one: addDevice keeps
 * the user's `keep` most recently seen devices (id breaking ties, as listDevices) among those
 * not trusted at the new device's firstSeenAt, and deletes the other untrusted ones; trusted
 * devices neither count towards `keep` nor are deleted. recordSignIn keeps the user's newest
 * `keep` sign-ins, newest meaning latest time, then latest recorded.
 *
 * Input of the wrong shape is a TypeError before any statement runs, as is a random id that
 * clashes with one in use; every database failure is StoreUnavailableError.
 */
import {
  type AccessCodeRecord,
  type AuditPage,
  type AuditPageQuery,
  type AuditQuery,
  type AuditRecord,
  type DeviceRecord,
  type DurableStore,
  FACTOR_KINDS,
  type FactorRecord,
  type InviteRecord,
  MAX_AUDIT_PAGE,
  type PushBlockRecord,
  type RecoveryCodeCount,
  type SessionEnd,
  type SignInRecord,
} from './durable.ts';
import {
  type AccessCodeRow,
  type AuditRow,
  type DeviceRow,
  type FactorRow,
  factorOf,
  type InviteRow,
  type PushBlockRow,
  type SignInRow,
  toAccessCode,
  toAudit,
  toDevice,
  toInvite,
  toPushBlock,
  toSignIn,
} from './durable-rows.ts';
import { SQL } from './durable-sql.ts';
import { DuplicateKeyError, type SqlDriver, type SqlResult } from './sql-driver.ts';
import {
  checkCoordinate,
  checkCount,
  checkOptionalText,
  checkOptionalTime,
  checkText,
  checkTime,
} from './store-checks.ts';

/** queryAudit's limit when none is given, and the most it returns. */
export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 10_000;
/** The most sign-ins listSignIns returns at once. */
export const MAX_SIGN_IN_LIMIT = 10_000;

const AUDIT_COLUMNS = 'time, event, outcome, tenant, user_name, ip, country, device, app, rule, detail';

/** A random id already in use is a bug in the caller: a TypeError that names what clashed. */
async function unique<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DuplicateKeyError) throw new TypeError(`${what} already in use`, { cause: err.cause });
    throw err;
  }
}

export class SqlDurableStore implements DurableStore {
  readonly kind: 'sqlite' | 'postgres';
  /** The database beneath, for the tools that move whole tables (store-copy.ts). */
  readonly driver: SqlDriver;
  /** The migrations this open applied (empty when the schema was up to date). */
  readonly applied: readonly number[];
  readonly #db: SqlDriver;
  readonly #withRequestId: boolean;
  readonly #auditColumns: string;
  readonly #insertAudit: string;

  /** `withRequestId`: the audit table has its request_id column (a database migrated to 8 or later). */
  protected constructor(db: SqlDriver, withRequestId: boolean, applied: readonly number[]) {
    this.kind = db.kind;
    this.driver = db;
    this.applied = applied;
    this.#db = db;
    this.#withRequestId = withRequestId;
    this.#auditColumns = `${AUDIT_COLUMNS}, ${withRequestId ? 'request_id' : 'null as request_id'}`;
    this.#insertAudit = withRequestId
      ? `insert into audit (${AUDIT_COLUMNS}, request_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      : `insert into audit (${AUDIT_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  }

  async #rows<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    return (await this.#db.query(sql, params)).rows as T[];
  }

  async #first<T>(sql: string, params: readonly unknown[]): Promise<T | undefined> {
    return (await this.#db.query(sql, params)).rows[0] as T | undefined;
  }

  async #changes(sql: string, params: readonly unknown[]): Promise<number> {
    return (await this.#db.query(sql, params)).changes;
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
    return (await this.#rows<AuditRow>(sql, params)).map(toAudit);
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
    const rows = await this.#rows<AuditRow & { id: number }>(sql, params);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      events: page.map(toAudit),
      next: rows.length > query.limit && last !== undefined ? { time: last.time, id: last.id } : null,
    };
  }

  async trimAudit(before: number): Promise<number> {
    checkTime('before', before);
    return this.#changes(SQL.trimAudit, [before]);
  }

  async listFactors(user: string): Promise<FactorRecord[]> {
    return (await this.#rows<FactorRow>(SQL.listFactors, [user])).map(factorOf);
  }

  async getFactor(id: string): Promise<FactorRecord | null> {
    const row = await this.#first<FactorRow>(SQL.getFactor, [id]);
    return row === undefined ? null : factorOf(row);
  }

  async renameFactor(user: string, id: string, name: string): Promise<boolean> {
    checkText('factor name', name);
    return (await this.#changes(SQL.renameFactor, [name, user, id])) > 0;
  }

  async updateFactorData(
    user: string,
    id: string,
    expected: Record<string, unknown> | null,
    data: Record<string, unknown>,
    time: number,
  ): Promise<boolean> {
    checkTime('time', time);
    // the same serialisation as addFactor wrote: JSON.stringify of what listFactors parsed
    const next = JSON.stringify(data);
    const old = expected === null ? null : JSON.stringify(expected);
    return (await this.#changes(SQL.updateFactorData, [next, time, user, id, old])) > 0;
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
    const values = [f.id, f.user, f.kind, f.name, f.secret, data, f.createdAt, f.lastUsedAt];
    await unique('factor id', () => this.#db.query(SQL.addFactor, values));
  }

  async removeFactor(user: string, id: string): Promise<boolean> {
    return (await this.#changes(SQL.removeFactor, [user, id])) > 0;
  }

  async touchFactor(user: string, id: string, time: number): Promise<boolean> {
    checkTime('time', time);
    return (await this.#changes(SQL.touchFactor, [time, user, id])) > 0;
  }

  async removeAllFactors(user: string): Promise<number> {
    return this.#changes(SQL.removeAllFactors, [user]);
  }

  async replaceRecoveryCodes(user: string, hashes: readonly string[], time: number): Promise<void> {
    checkText('user', user);
    checkTime('time', time);
    for (const hash of hashes) checkText('recovery code hash', hash);
    if (new Set(hashes).size !== hashes.length) throw new TypeError('recovery code hashes must be distinct');
    await this.#db.batch([
      { sql: SQL.deleteCodes, params: [user] },
      ...hashes.map((hash) => ({ sql: SQL.insertCode, params: [user, hash, time] })),
    ]);
  }

  async useRecoveryCode(user: string, hash: string, time: number): Promise<boolean> {
    checkTime('time', time);
    return (await this.#changes(SQL.useCode, [time, user, hash])) === 1;
  }

  async countRecoveryCodes(user: string): Promise<RecoveryCodeCount> {
    const row = (await this.#first<{ total: number; used: number }>(SQL.countCodes, [user])) ?? { total: 0, used: 0 };
    return { total: Number(row.total), unused: Number(row.total) - Number(row.used) };
  }

  async getDevice(id: string): Promise<DeviceRecord | null> {
    const row = await this.#first<DeviceRow>(SQL.getDevice, [id]);
    return row ? toDevice(row) : null;
  }

  /** Most recently seen first; equal times by id. */
  async listDevices(user: string): Promise<DeviceRecord[]> {
    return (await this.#rows<DeviceRow>(SQL.listDevices, [user])).map(toDevice);
  }

  async addDevice(d: DeviceRecord, keep: number): Promise<void> {
    checkText('device id', d.id);
    checkText('device user', d.user);
    checkText('device name', d.name);
    checkTime('device firstSeenAt', d.firstSeenAt);
    checkTime('device lastSeenAt', d.lastSeenAt);
    checkOptionalText('device ip', d.ip);
    checkOptionalText('device country', d.country);
    checkOptionalTime('device trustedAt', d.trustedAt);
    checkOptionalTime('device trustedUntil', d.trustedUntil);
    checkCount('keep', keep);
    const row = [d.id, d.user, d.name, d.firstSeenAt, d.lastSeenAt, d.ip, d.country, d.trustedAt, d.trustedUntil];
    const now = d.firstSeenAt;
    await unique('device id', () =>
      this.#db.batch([
        { sql: SQL.addDevice, params: row },
        { sql: SQL.pruneDevices, params: [d.user, now, d.user, now, keep] },
      ]),
    );
  }

  async touchDevice(
    user: string,
    id: string,
    seen: { time: number; ip: string | null; country: string | null },
  ): Promise<boolean> {
    checkTime('time', seen.time);
    checkOptionalText('ip', seen.ip);
    checkOptionalText('country', seen.country);
    return (await this.#changes(SQL.touchDevice, [seen.time, seen.ip, seen.country, user, id])) > 0;
  }

  async trustDevice(user: string, id: string, time: number, until: number): Promise<boolean> {
    checkTime('time', time);
    checkTime('until', until);
    return (await this.#changes(SQL.trustDevice, [time, until, user, id])) > 0;
  }

  async removeDevice(user: string, id: string): Promise<boolean> {
    return (await this.#changes(SQL.removeDevice, [user, id])) > 0;
  }

  async removeAllDevices(user: string): Promise<number> {
    return this.#changes(SQL.removeAllDevices, [user]);
  }

  async recordSignIn(r: SignInRecord, keep: number): Promise<void> {
    checkText('sign-in user', r.user);
    checkTime('sign-in time', r.time);
    checkOptionalText('sign-in ip', r.ip);
    checkOptionalText('sign-in country', r.country);
    checkCoordinate('sign-in latitude', r.latitude, 90);
    checkCoordinate('sign-in longitude', r.longitude, 180);
    checkOptionalText('sign-in deviceId', r.deviceId);
    checkCount('keep', keep);
    await this.#db.batch([
      { sql: SQL.addSignIn, params: [r.user, r.time, r.ip, r.country, r.latitude, r.longitude, r.deviceId] },
      { sql: SQL.pruneSignIns, params: [r.user, r.user, keep] },
    ]);
  }

  /** `since` inclusive; newest first, equal times latest recorded first; limit from 1 to 10 000. */
  async listSignIns(user: string, since: number, limit: number): Promise<SignInRecord[]> {
    checkTime('since', since);
    checkCount('limit', limit, MAX_SIGN_IN_LIMIT);
    return (await this.#rows<SignInRow>(SQL.listSignIns, [user, since, limit])).map(toSignIn);
  }

  async endSessionsBefore(user: string, time: number): Promise<void> {
    checkText('user', user);
    checkTime('time', time);
    await this.#db.query(SQL.endSessions, [user, time]);
  }

  async listSessionEnds(since: number): Promise<SessionEnd[]> {
    checkTime('since', since);
    const rows = await this.#rows<{ user_name: string; ended_before: number }>(SQL.listSessionEnds, [since]);
    return rows.map((r) => ({ user: r.user_name, before: Number(r.ended_before) }));
  }

  async putInvite(i: InviteRecord): Promise<boolean> {
    checkText('invite user', i.user);
    checkText('invite token hash', i.tokenHash);
    checkText('invite created by', i.createdBy);
    checkTime('invite createdAt', i.createdAt);
    checkTime('invite expiresAt', i.expiresAt);
    const [removed] = await unique('invite token', () =>
      this.#db.batch([
        { sql: SQL.deleteUserInvite, params: [i.user] },
        { sql: SQL.addInvite, params: [i.tokenHash, i.user, i.createdAt, i.expiresAt, i.createdBy] },
      ]),
    );
    return (removed as SqlResult).changes > 0;
  }

  async findInvite(tokenHash: string): Promise<InviteRecord | null> {
    const row = await this.#first<InviteRow>(SQL.findInvite, [tokenHash]);
    return row === undefined ? null : toInvite(row);
  }

  async takeInvite(tokenHash: string, now: number): Promise<InviteRecord | null> {
    checkTime('now', now);
    const row = await this.#first<InviteRow>(SQL.takeInvite, [tokenHash, now]);
    return row === undefined ? null : toInvite(row);
  }

  async removeInvite(tokenHash: string): Promise<boolean> {
    return (await this.#changes(SQL.removeInvite, [tokenHash])) > 0;
  }

  async putAccessCode(c: AccessCodeRecord): Promise<boolean> {
    checkText('access code user', c.user);
    checkText('access code hash', c.codeHash);
    checkText('access code created by', c.createdBy);
    checkTime('access code createdAt', c.createdAt);
    checkTime('access code expiresAt', c.expiresAt);
    const [earlier] = await this.#db.batch([
      { sql: SQL.findAccessCode, params: [c.user] },
      { sql: SQL.putAccessCode, params: [c.user, c.codeHash, c.createdAt, c.expiresAt, c.createdBy] },
    ]);
    return (earlier as SqlResult).rows.length > 0;
  }

  async findAccessCode(user: string): Promise<AccessCodeRecord | null> {
    const row = await this.#first<AccessCodeRow>(SQL.findAccessCode, [user]);
    return row === undefined ? null : toAccessCode(row);
  }

  async takeAccessCode(user: string, codeHash: string, now: number): Promise<AccessCodeRecord | null> {
    checkTime('now', now);
    const row = await this.#first<AccessCodeRow>(SQL.takeAccessCode, [user, codeHash, now]);
    return row === undefined ? null : toAccessCode(row);
  }

  async removeAccessCode(user: string): Promise<boolean> {
    return (await this.#changes(SQL.removeAccessCode, [user])) > 0;
  }

  async listAccessCodes(): Promise<AccessCodeRecord[]> {
    return (await this.#rows<AccessCodeRow>(SQL.listAccessCodes, [])).map(toAccessCode);
  }

  async takeExpiredAccessCodes(now: number): Promise<AccessCodeRecord[]> {
    checkTime('now', now);
    return (await this.#rows<AccessCodeRow>(SQL.takeExpiredAccessCodes, [now])).map(toAccessCode);
  }

  async blockPush(block: PushBlockRecord): Promise<boolean> {
    checkText('push block user', block.user);
    checkText('push block request', block.requestId);
    checkTime('push block time', block.blockedAt);
    const { user, blockedAt, requestId, ip, country, app } = block;
    return (await this.#changes(SQL.blockPush, [user, blockedAt, requestId, ip, country, app])) > 0;
  }

  async findPushBlock(user: string): Promise<PushBlockRecord | null> {
    const row = await this.#first<PushBlockRow>(SQL.findPushBlock, [user]);
    return row === undefined ? null : toPushBlock(row);
  }

  async unblockPush(user: string): Promise<boolean> {
    return (await this.#changes(SQL.unblockPush, [user])) > 0;
  }

  async listPushBlocks(): Promise<PushBlockRecord[]> {
    return (await this.#rows<PushBlockRow>(SQL.listPushBlocks, [])).map(toPushBlock);
  }

  async listUsersWithFactors(): Promise<string[]> {
    return (await this.#rows<{ user_name: string }>(SQL.listUsersWithFactors, [])).map((r) => r.user_name);
  }

  async markEnrolmentDue(user: string, time: number): Promise<void> {
    checkText('user', user);
    checkTime('time', time);
    await this.#db.query(SQL.markEnrolmentDue, [user, time]);
  }

  async isEnrolmentDue(user: string): Promise<boolean> {
    return (await this.#first(SQL.isEnrolmentDue, [user])) !== undefined;
  }

  async getPreference(user: string, name: string): Promise<string | null> {
    checkText('user', user);
    checkText('name', name);
    return (await this.#first<{ value: string }>(SQL.getPreference, [user, name]))?.value ?? null;
  }

  async setPreference(user: string, name: string, value: string | null): Promise<void> {
    checkText('user', user);
    checkText('name', name);
    if (value === null) await this.#db.query(SQL.removePreference, [user, name]);
    else {
      checkText('value', value);
      await this.#db.query(SQL.setPreference, [user, name, value]);
    }
  }

  async schemaVersion(): Promise<number> {
    return Number((await this.#first<{ v: number }>(SQL.schemaVersion, []))?.v ?? 0);
  }

  async ping(): Promise<void> {
    await this.#db.query(SQL.ping, []);
  }

  /** Idempotent; later calls to other methods reject with StoreUnavailableError. */
  async close(): Promise<void> {
    await this.#db.close();
  }
}
