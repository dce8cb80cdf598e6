/**
 * SqliteDurableStore: the embedded durable store (audit trail, factors, recovery codes, devices
 * and sign-in history), on better-sqlite3.
 *
 * open() creates the parent folder, sets WAL mode, busy_timeout and foreign_keys, then applies
 * the pending migrations (sqlite-migrate.ts).
 *
 * better-sqlite3 is synchronous; the methods still return promises to honour DurableStore (a
 * PostgreSQL store will be truly asynchronous). Any sqlite error, including use after close(),
 * rejects with StoreUnavailableError('sqlite', cause); a factor or device id already in use is a
 * TypeError (ids are random: a clash is a bug), as are arguments of the wrong shape. Statements
 * are prepared once, on first use, so a store opened with only some migrations (tests) works for
 * the tables it has (queryAudit caches one statement per combination of filters).
 *
 * Devices and sign-ins are bounded per user, in the transaction that adds one: addDevice keeps
 * the user's `keep` most recently seen devices (id breaking ties, as listDevices) among those
 * not trusted at the new device's firstSeenAt, and deletes the other untrusted ones; trusted
 * devices neither count towards `keep` nor are deleted. recordSignIn keeps the user's newest
 * `keep` sign-ins, newest meaning latest time, then latest recorded.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PortcullisError, StoreUnavailableError } from '../errors.ts';
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
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.ts';
import { migrateSqlite } from './sqlite-migrate.ts';
import {
  type AccessCodeRow,
  type AuditRow,
  checkCoordinate,
  checkCount,
  checkOptionalText,
  checkOptionalTime,
  checkText,
  checkTime,
  type DeviceRow,
  type FactorRow,
  factorOf,
  type InviteRow,
  isPrimaryKeyClash,
  type PushBlockRow,
  type SignInRow,
  SQL,
  toAccessCode,
  toDevice,
  toInvite,
  toPushBlock,
  toSignIn,
} from './sqlite-rows.ts';

export interface SqliteDurableStoreOptions {
  /** How long a writer waits for a lock held by another connection (default 5000 ms). */
  busyTimeoutMs?: number;
  /** The migrations to apply (tests only; default MIGRATIONS). */
  migrations?: readonly Migration[];
}

const AUDIT_COLUMNS = 'time, event, outcome, tenant, user_name, ip, country, device, app, rule, detail';

function toAudit(row: AuditRow): AuditRecord {
  return {
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
    requestId: row.request_id,
  };
}

/** queryAudit's limit when none is given, and the most it returns. */
export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 10_000;
/** The most sign-ins listSignIns returns at once. */
export const MAX_SIGN_IN_LIMIT = 10_000;

type Statement = Database.Statement<unknown[], unknown>;

export class SqliteDurableStore implements DurableStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #insert: Statement;
  readonly #withRequestId: boolean;
  readonly #auditColumns: string;
  readonly #version: Statement;
  readonly #ping: Statement;
  readonly #queries = new Map<string, Statement>();
  #replaceCodes: Database.Transaction<(user: string, hashes: readonly string[], time: number) => void> | undefined;
  #addDevice: Database.Transaction<(device: DeviceRecord, keep: number) => void> | undefined;
  #recordSignIn: Database.Transaction<(record: SignInRecord, keep: number) => void> | undefined;
  #putInvite: Database.Transaction<(invite: InviteRecord) => boolean> | undefined;
  #putAccessCode: Database.Transaction<(code: AccessCodeRecord) => boolean> | undefined;

  private constructor(db: Database.Database) {
    this.#db = db;
    // a database opened with only the early migrations (tests) has no request_id column yet
    const columns = db.prepare("select name from pragma_table_info('audit')").all() as { name: string }[];
    const withRequestId = columns.some((c) => c.name === 'request_id');
    this.#auditColumns = `${AUDIT_COLUMNS}, ${withRequestId ? 'request_id' : 'null as request_id'}`;
    this.#insert = db.prepare(
      withRequestId
        ? `insert into audit (time, event, outcome, tenant, user_name, ip, country, device, app, rule, detail, request_id)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
        : `insert into audit (time, event, outcome, tenant, user_name, ip, country, device, app, rule, detail)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#withRequestId = withRequestId;
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
      migrateSqlite(conn, file, migrations, latest);
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
    checkOptionalText('audit request id', record.requestId ?? null);
    const values = [
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
    this.#run(() => this.#insert.run(...values));
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
    const rows = this.#run(() => this.#prepared(sql).all(...params) as AuditRow[]);
    return rows.map(toAudit);
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
    const rows = this.#run(() => this.#prepared(sql).all(...params) as (AuditRow & { id: number })[]);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      events: page.map(toAudit),
      next: rows.length > query.limit && last !== undefined ? { time: last.time, id: last.id } : null,
    };
  }

  async trimAudit(before: number): Promise<number> {
    checkTime('before', before);
    return this.#run(() => this.#prepared('delete from audit where time < ?').run(before).changes);
  }

  async listFactors(user: string): Promise<FactorRecord[]> {
    const rows = this.#run(() => this.#prepared(SQL.listFactors).all(user) as FactorRow[]);
    return rows.map(factorOf);
  }

  async getFactor(id: string): Promise<FactorRecord | null> {
    const row = this.#run(() => this.#prepared(SQL.getFactor).get(id) as FactorRow | undefined);
    return row === undefined ? null : factorOf(row);
  }

  async renameFactor(user: string, id: string, name: string): Promise<boolean> {
    checkText('factor name', name);
    return this.#run(() => this.#prepared(SQL.renameFactor).run(name, user, id).changes > 0);
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
    return this.#run(() => this.#prepared(SQL.updateFactorData).run(next, time, user, id, old).changes > 0);
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

  async getDevice(id: string): Promise<DeviceRecord | null> {
    const row = this.#run(() => this.#prepared(SQL.getDevice).get(id) as DeviceRow | undefined);
    return row ? toDevice(row) : null;
  }

  /** Most recently seen first; equal times by id. */
  async listDevices(user: string): Promise<DeviceRecord[]> {
    const rows = this.#run(() => this.#prepared(SQL.listDevices).all(user) as DeviceRow[]);
    return rows.map(toDevice);
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
    try {
      this.#addDevice ??= this.#db.transaction((device: DeviceRecord, k: number) => {
        this.#prepared(SQL.addDevice).run(
          device.id,
          device.user,
          device.name,
          device.firstSeenAt,
          device.lastSeenAt,
          device.ip,
          device.country,
          device.trustedAt,
          device.trustedUntil,
        );
        const now = device.firstSeenAt;
        this.#prepared(SQL.pruneDevices).run(device.user, now, device.user, now, k);
      });
      this.#addDevice.immediate(d, keep);
    } catch (err) {
      if (isPrimaryKeyClash(err)) throw new TypeError('device id already in use', { cause: err });
      throw new StoreUnavailableError('sqlite', err);
    }
  }

  async touchDevice(
    user: string,
    id: string,
    seen: { time: number; ip: string | null; country: string | null },
  ): Promise<boolean> {
    checkTime('time', seen.time);
    checkOptionalText('ip', seen.ip);
    checkOptionalText('country', seen.country);
    return this.#run(() => this.#prepared(SQL.touchDevice).run(seen.time, seen.ip, seen.country, user, id).changes > 0);
  }

  async trustDevice(user: string, id: string, time: number, until: number): Promise<boolean> {
    checkTime('time', time);
    checkTime('until', until);
    return this.#run(() => this.#prepared(SQL.trustDevice).run(time, until, user, id).changes > 0);
  }

  async removeDevice(user: string, id: string): Promise<boolean> {
    return this.#run(() => this.#prepared(SQL.removeDevice).run(user, id).changes > 0);
  }

  async removeAllDevices(user: string): Promise<number> {
    return this.#run(() => this.#prepared(SQL.removeAllDevices).run(user).changes);
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
    this.#run(() => {
      this.#recordSignIn ??= this.#db.transaction((record: SignInRecord, k: number) => {
        this.#prepared(SQL.addSignIn).run(
          record.user,
          record.time,
          record.ip,
          record.country,
          record.latitude,
          record.longitude,
          record.deviceId,
        );
        this.#prepared(SQL.pruneSignIns).run(record.user, record.user, k);
      });
      this.#recordSignIn.immediate(r, keep);
    });
  }

  /** `since` inclusive; newest first, equal times latest recorded first; limit from 1 to 10 000. */
  async listSignIns(user: string, since: number, limit: number): Promise<SignInRecord[]> {
    checkTime('since', since);
    checkCount('limit', limit, MAX_SIGN_IN_LIMIT);
    const rows = this.#run(() => this.#prepared(SQL.listSignIns).all(user, since, limit) as SignInRow[]);
    return rows.map(toSignIn);
  }

  async endSessionsBefore(user: string, time: number): Promise<void> {
    checkText('user', user);
    checkTime('time', time);
    this.#run(() => this.#prepared(SQL.endSessions).run(user, time));
  }

  async listSessionEnds(since: number): Promise<SessionEnd[]> {
    checkTime('since', since);
    const rows = this.#run(
      () => this.#prepared(SQL.listSessionEnds).all(since) as { user_name: string; ended_before: number }[],
    );
    return rows.map((r) => ({ user: r.user_name, before: Number(r.ended_before) }));
  }

  async putInvite(invite: InviteRecord): Promise<boolean> {
    checkText('invite user', invite.user);
    checkText('invite token hash', invite.tokenHash);
    checkText('invite created by', invite.createdBy);
    checkTime('invite createdAt', invite.createdAt);
    checkTime('invite expiresAt', invite.expiresAt);
    try {
      this.#putInvite ??= this.#db.transaction((i: InviteRecord) => {
        const replaced = this.#prepared(SQL.deleteUserInvite).run(i.user).changes > 0;
        this.#prepared(SQL.addInvite).run(i.tokenHash, i.user, i.createdAt, i.expiresAt, i.createdBy);
        return replaced;
      });
      return this.#putInvite.immediate(invite);
    } catch (err) {
      if (isPrimaryKeyClash(err)) throw new TypeError('invite token already in use', { cause: err });
      throw new StoreUnavailableError('sqlite', err);
    }
  }

  async findInvite(tokenHash: string): Promise<InviteRecord | null> {
    const row = this.#run(() => this.#prepared(SQL.findInvite).get(tokenHash) as InviteRow | undefined);
    return row === undefined ? null : toInvite(row);
  }

  async takeInvite(tokenHash: string, now: number): Promise<InviteRecord | null> {
    checkTime('now', now);
    const row = this.#run(() => this.#prepared(SQL.takeInvite).get(tokenHash, now) as InviteRow | undefined);
    return row === undefined ? null : toInvite(row);
  }

  async removeInvite(tokenHash: string): Promise<boolean> {
    return this.#run(() => this.#prepared(SQL.removeInvite).run(tokenHash).changes > 0);
  }

  async putAccessCode(code: AccessCodeRecord): Promise<boolean> {
    checkText('access code user', code.user);
    checkText('access code hash', code.codeHash);
    checkText('access code created by', code.createdBy);
    checkTime('access code createdAt', code.createdAt);
    checkTime('access code expiresAt', code.expiresAt);
    return this.#run(() => {
      this.#putAccessCode ??= this.#db.transaction((c: AccessCodeRecord) => {
        const replaced = this.#prepared(SQL.findAccessCode).get(c.user) !== undefined;
        this.#prepared(SQL.putAccessCode).run(c.user, c.codeHash, c.createdAt, c.expiresAt, c.createdBy);
        return replaced;
      });
      return this.#putAccessCode.immediate(code);
    });
  }

  async blockPush(block: PushBlockRecord): Promise<boolean> {
    checkText('push block user', block.user);
    checkText('push block request', block.requestId);
    checkTime('push block time', block.blockedAt);
    return this.#run(
      () =>
        this.#prepared(SQL.blockPush).run(
          block.user,
          block.blockedAt,
          block.requestId,
          block.ip,
          block.country,
          block.app,
        ).changes > 0,
    );
  }

  async findPushBlock(user: string): Promise<PushBlockRecord | null> {
    const row = this.#run(() => this.#prepared(SQL.findPushBlock).get(user) as PushBlockRow | undefined);
    return row === undefined ? null : toPushBlock(row);
  }

  async unblockPush(user: string): Promise<boolean> {
    return this.#run(() => this.#prepared(SQL.unblockPush).run(user).changes > 0);
  }

  async listPushBlocks(): Promise<PushBlockRecord[]> {
    return this.#run(() => (this.#prepared(SQL.listPushBlocks).all() as PushBlockRow[]).map(toPushBlock));
  }

  async findAccessCode(user: string): Promise<AccessCodeRecord | null> {
    const row = this.#run(() => this.#prepared(SQL.findAccessCode).get(user) as AccessCodeRow | undefined);
    return row === undefined ? null : toAccessCode(row);
  }

  async takeAccessCode(user: string, codeHash: string, now: number): Promise<AccessCodeRecord | null> {
    checkTime('now', now);
    const row = this.#run(
      () => this.#prepared(SQL.takeAccessCode).get(user, codeHash, now) as AccessCodeRow | undefined,
    );
    return row === undefined ? null : toAccessCode(row);
  }

  async removeAccessCode(user: string): Promise<boolean> {
    return this.#run(() => this.#prepared(SQL.removeAccessCode).run(user).changes > 0);
  }

  async listUsersWithFactors(): Promise<string[]> {
    const rows = this.#run(
      () =>
        this.#prepared('select distinct user_name from factors order by user_name').all() as { user_name: string }[],
    );
    return rows.map((r) => r.user_name);
  }

  async listAccessCodes(): Promise<AccessCodeRecord[]> {
    return this.#run(() => (this.#prepared(SQL.listAccessCodes).all() as AccessCodeRow[]).map(toAccessCode));
  }

  async takeExpiredAccessCodes(now: number): Promise<AccessCodeRecord[]> {
    checkTime('now', now);
    return this.#run(() => (this.#prepared(SQL.takeExpiredAccessCodes).all(now) as AccessCodeRow[]).map(toAccessCode));
  }

  async markEnrolmentDue(user: string, time: number): Promise<void> {
    checkText('user', user);
    checkTime('time', time);
    this.#run(() => this.#prepared(SQL.markEnrolmentDue).run(user, time));
  }

  async isEnrolmentDue(user: string): Promise<boolean> {
    return this.#run(() => this.#prepared(SQL.isEnrolmentDue).get(user) !== undefined);
  }

  async getPreference(user: string, name: string): Promise<string | null> {
    checkText('user', user);
    checkText('name', name);
    const row = this.#run(() => this.#prepared(SQL.getPreference).get(user, name) as { value: string } | undefined);
    return row?.value ?? null;
  }

  async setPreference(user: string, name: string, value: string | null): Promise<void> {
    checkText('user', user);
    checkText('name', name);
    if (value === null) this.#run(() => this.#prepared(SQL.removePreference).run(user, name));
    else {
      checkText('value', value);
      this.#run(() => this.#prepared(SQL.setPreference).run(user, name, value));
    }
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
