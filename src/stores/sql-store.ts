/**
 * The durable store on a SQL database: every DurableStore rule written once, for SQLite
 * (sqlite.ts) and PostgreSQL (postgres.ts), over a driver (sql-driver.ts) that runs one
 * statement or a few in one transaction.
 *
 * What must be atomic with several writers (a recovery code used once, an invite or access code
 * taken once, a factor's data replaced only if unchanged) is one statement whose row count
 * decides: a conditional `update` or a `delete ... returning`. What must hold across statements
 * (a device added and the user's old ones pruned) is one transaction. The audit trail
 * (sql-audit.ts) and the devices and sign-ins (sql-devices.ts) have files of their own.
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
  type ProviderUserRecord,
  type PushBlockRecord,
  type RecoveryCodeCount,
  type SessionEnd,
  type SignInRecord,
} from './durable.ts';
import {
  type AccessCodeRow,
  type FactorRow,
  factorOf,
  type InviteRow,
  type PushBlockRow,
  toAccessCode,
  toInvite,
  toPushBlock,
} from './durable-rows.ts';
import { SQL } from './durable-sql.ts';
import { SqlAudit } from './sql-audit.ts';
import { SqlDevices } from './sql-devices.ts';
import { changesOf, firstOf, rowsOf, type SqlDriver, type SqlResult, unique } from './sql-driver.ts';
import { SqlProviderUsers } from './sql-provider-users.ts';
import { checkText, checkTime } from './store-checks.ts';

export class SqlDurableStore implements DurableStore {
  readonly kind: 'sqlite' | 'postgres';
  /** The database beneath, for the tools that move whole tables (store-copy.ts). */
  readonly driver: SqlDriver;
  /** The migrations this open applied (empty when the schema was up to date). */
  readonly applied: readonly number[];
  readonly #db: SqlDriver;
  readonly #audit: SqlAudit;
  readonly #devices: SqlDevices;
  readonly #providerUsers: SqlProviderUsers;

  /** `withRequestId`: the audit table has its request_id column (a database migrated to 8 or later). */
  protected constructor(db: SqlDriver, withRequestId: boolean, applied: readonly number[]) {
    this.kind = db.kind;
    this.driver = db;
    this.applied = applied;
    this.#db = db;
    this.#audit = new SqlAudit(db, withRequestId);
    this.#devices = new SqlDevices(db);
    this.#providerUsers = new SqlProviderUsers(db);
  }

  // the audit trail (sql-audit.ts)
  appendAudit(record: AuditRecord): Promise<void> {
    return this.#audit.appendAudit(record);
  }

  queryAudit(query: AuditQuery): Promise<AuditRecord[]> {
    return this.#audit.queryAudit(query);
  }

  queryAuditPage(query: AuditPageQuery): Promise<AuditPage> {
    return this.#audit.queryAuditPage(query);
  }

  trimAudit(before: number): Promise<number> {
    return this.#audit.trimAudit(before);
  }

  async listFactors(user: string): Promise<FactorRecord[]> {
    return (await rowsOf<FactorRow>(this.#db, SQL.listFactors, [user])).map(factorOf);
  }

  async getFactor(id: string): Promise<FactorRecord | null> {
    const row = await firstOf<FactorRow>(this.#db, SQL.getFactor, [id]);
    return row === undefined ? null : factorOf(row);
  }

  async renameFactor(user: string, id: string, name: string): Promise<boolean> {
    checkText('factor name', name);
    return (await changesOf(this.#db, SQL.renameFactor, [name, user, id])) > 0;
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
    return (await changesOf(this.#db, SQL.updateFactorData, [next, time, user, id, old])) > 0;
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
    return (await changesOf(this.#db, SQL.removeFactor, [user, id])) > 0;
  }

  async touchFactor(user: string, id: string, time: number): Promise<boolean> {
    checkTime('time', time);
    return (await changesOf(this.#db, SQL.touchFactor, [time, user, id])) > 0;
  }

  async removeAllFactors(user: string): Promise<number> {
    return changesOf(this.#db, SQL.removeAllFactors, [user]);
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
    return (await changesOf(this.#db, SQL.useCode, [time, user, hash])) === 1;
  }

  async countRecoveryCodes(user: string): Promise<RecoveryCodeCount> {
    const row = (await firstOf<{ total: number; used: number }>(this.#db, SQL.countCodes, [user])) ?? {
      total: 0,
      used: 0,
    };
    return { total: Number(row.total), unused: Number(row.total) - Number(row.used) };
  }

  // devices and sign-ins (sql-devices.ts)
  getDevice(id: string): Promise<DeviceRecord | null> {
    return this.#devices.getDevice(id);
  }

  listDevices(user: string): Promise<DeviceRecord[]> {
    return this.#devices.listDevices(user);
  }

  addDevice(d: DeviceRecord, keep: number): Promise<void> {
    return this.#devices.addDevice(d, keep);
  }

  touchDevice(
    user: string,
    id: string,
    seen: { time: number; ip: string | null; country: string | null },
  ): Promise<boolean> {
    return this.#devices.touchDevice(user, id, seen);
  }

  trustDevice(user: string, id: string, time: number, until: number): Promise<boolean> {
    return this.#devices.trustDevice(user, id, time, until);
  }

  removeDevice(user: string, id: string): Promise<boolean> {
    return this.#devices.removeDevice(user, id);
  }

  removeAllDevices(user: string): Promise<number> {
    return this.#devices.removeAllDevices(user);
  }

  recordSignIn(r: SignInRecord, keep: number): Promise<void> {
    return this.#devices.recordSignIn(r, keep);
  }

  listSignIns(user: string, since: number, limit: number): Promise<SignInRecord[]> {
    return this.#devices.listSignIns(user, since, limit);
  }

  async endSessionsBefore(user: string, time: number): Promise<void> {
    checkText('user', user);
    checkTime('time', time);
    await this.#db.query(SQL.endSessions, [user, time]);
  }

  async listSessionEnds(since: number): Promise<SessionEnd[]> {
    checkTime('since', since);
    const rows = await rowsOf<{ user_name: string; ended_before: number }>(this.#db, SQL.listSessionEnds, [since]);
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
    const row = await firstOf<InviteRow>(this.#db, SQL.findInvite, [tokenHash]);
    return row === undefined ? null : toInvite(row);
  }

  async takeInvite(tokenHash: string, now: number): Promise<InviteRecord | null> {
    checkTime('now', now);
    const row = await firstOf<InviteRow>(this.#db, SQL.takeInvite, [tokenHash, now]);
    return row === undefined ? null : toInvite(row);
  }

  async removeInvite(tokenHash: string): Promise<boolean> {
    return (await changesOf(this.#db, SQL.removeInvite, [tokenHash])) > 0;
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
    const row = await firstOf<AccessCodeRow>(this.#db, SQL.findAccessCode, [user]);
    return row === undefined ? null : toAccessCode(row);
  }

  async takeAccessCode(user: string, codeHash: string, now: number): Promise<AccessCodeRecord | null> {
    checkTime('now', now);
    const row = await firstOf<AccessCodeRow>(this.#db, SQL.takeAccessCode, [user, codeHash, now]);
    return row === undefined ? null : toAccessCode(row);
  }

  async removeAccessCode(user: string): Promise<boolean> {
    return (await changesOf(this.#db, SQL.removeAccessCode, [user])) > 0;
  }

  async listAccessCodes(): Promise<AccessCodeRecord[]> {
    return (await rowsOf<AccessCodeRow>(this.#db, SQL.listAccessCodes, [])).map(toAccessCode);
  }

  async takeExpiredAccessCodes(now: number): Promise<AccessCodeRecord[]> {
    checkTime('now', now);
    return (await rowsOf<AccessCodeRow>(this.#db, SQL.takeExpiredAccessCodes, [now])).map(toAccessCode);
  }

  async blockPush(block: PushBlockRecord): Promise<boolean> {
    checkText('push block user', block.user);
    checkText('push block request', block.requestId);
    checkTime('push block time', block.blockedAt);
    const { user, blockedAt, requestId, ip, country, app } = block;
    return (await changesOf(this.#db, SQL.blockPush, [user, blockedAt, requestId, ip, country, app])) > 0;
  }

  async findPushBlock(user: string): Promise<PushBlockRecord | null> {
    const row = await firstOf<PushBlockRow>(this.#db, SQL.findPushBlock, [user]);
    return row === undefined ? null : toPushBlock(row);
  }

  async unblockPush(user: string): Promise<boolean> {
    return (await changesOf(this.#db, SQL.unblockPush, [user])) > 0;
  }

  async listPushBlocks(): Promise<PushBlockRecord[]> {
    return (await rowsOf<PushBlockRow>(this.#db, SQL.listPushBlocks, [])).map(toPushBlock);
  }

  async listUsersWithFactors(): Promise<string[]> {
    return (await rowsOf<{ user_name: string }>(this.#db, SQL.listUsersWithFactors, [])).map((r) => r.user_name);
  }

  async markEnrolmentDue(user: string, time: number): Promise<void> {
    checkText('user', user);
    checkTime('time', time);
    await this.#db.query(SQL.markEnrolmentDue, [user, time]);
  }

  async isEnrolmentDue(user: string): Promise<boolean> {
    return (await firstOf(this.#db, SQL.isEnrolmentDue, [user])) !== undefined;
  }

  async getPreference(user: string, name: string): Promise<string | null> {
    checkText('user', user);
    checkText('name', name);
    return (await firstOf<{ value: string }>(this.#db, SQL.getPreference, [user, name]))?.value ?? null;
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

  findProviderUser(provider: string, subject: string): Promise<ProviderUserRecord | null> {
    return this.#providerUsers.findProviderUser(provider, subject);
  }

  getProviderUser(user: string): Promise<ProviderUserRecord | null> {
    return this.#providerUsers.getProviderUser(user);
  }

  listProviderUsers(): Promise<ProviderUserRecord[]> {
    return this.#providerUsers.listProviderUsers();
  }

  saveProviderUser(record: ProviderUserRecord): Promise<boolean> {
    return this.#providerUsers.saveProviderUser(record);
  }

  removeProviderUser(user: string): Promise<boolean> {
    return this.#providerUsers.removeProviderUser(user);
  }

  async schemaVersion(): Promise<number> {
    return Number((await firstOf<{ v: number }>(this.#db, SQL.schemaVersion, []))?.v ?? 0);
  }

  async ping(): Promise<void> {
    await this.#db.query(SQL.ping, []);
  }

  /** Idempotent; later calls to other methods reject with StoreUnavailableError. */
  async close(): Promise<void> {
    await this.#db.close();
  }
}
