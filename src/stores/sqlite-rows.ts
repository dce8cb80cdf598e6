/**
 * The SQLite durable store's SQL text, the shapes of its rows, how rows become records, and the
 * checks on input before it reaches a statement. The store itself (sqlite.ts) prepares and runs.
 */
import type {
  AccessCodeRecord,
  AuditRecord,
  DeviceRecord,
  FactorKind,
  FactorRecord,
  InviteRecord,
  PushBlockRecord,
  SignInRecord,
} from './durable.ts';

export interface AuditRow {
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
  request_id: string | null;
}

export interface FactorRow {
  id: string;
  user_name: string;
  kind: FactorKind;
  name: string;
  secret: string | null;
  data: string | null;
  created_at: number;
  last_used_at: number | null;
}

export interface DeviceRow {
  id: string;
  user_name: string;
  name: string;
  first_seen_at: number;
  last_seen_at: number;
  ip: string | null;
  country: string | null;
  trusted_at: number | null;
  trusted_until: number | null;
}

export interface SignInRow {
  user_name: string;
  time: number;
  ip: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  device_id: string | null;
}

export interface PushBlockRow {
  user_name: string;
  blocked_at: number;
  request_id: string;
  ip: string | null;
  country: string | null;
  app: string | null;
}

export const toPushBlock = (row: PushBlockRow): PushBlockRecord => ({
  user: row.user_name,
  blockedAt: Number(row.blocked_at),
  requestId: row.request_id,
  ip: row.ip,
  country: row.country,
  app: row.app,
});

const PUSH_BLOCK_COLUMNS = 'user_name, blocked_at, request_id, ip, country, app';

export interface AccessCodeRow {
  user_name: string;
  code_hash: string;
  created_at: number;
  expires_at: number;
  created_by: string;
}

export const toAccessCode = (row: AccessCodeRow): AccessCodeRecord => ({
  user: row.user_name,
  codeHash: row.code_hash,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  createdBy: row.created_by,
});

const ACCESS_CODE_COLUMNS = 'user_name, code_hash, created_at, expires_at, created_by';

export interface InviteRow {
  token_hash: string;
  user_name: string;
  created_at: number;
  expires_at: number;
  created_by: string;
}

export const toInvite = (row: InviteRow): InviteRecord => ({
  user: row.user_name,
  tokenHash: row.token_hash,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  createdBy: row.created_by,
});

const INVITE_COLUMNS = 'token_hash, user_name, created_at, expires_at, created_by';

export function factorOf(row: FactorRow): FactorRecord {
  return {
    id: row.id,
    user: row.user_name,
    kind: row.kind,
    name: row.name,
    secret: row.secret,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export const DEVICE_COLUMNS =
  'id, user_name, name, first_seen_at, last_seen_at, ip, country, trusted_at, trusted_until';

export const SQL = {
  listFactors: `select id, user_name, kind, name, secret, data, created_at, last_used_at from factors
    where user_name = ? order by created_at, id`,
  addFactor: `insert into factors (id, user_name, kind, name, secret, data, created_at, last_used_at)
    values (?, ?, ?, ?, ?, ?, ?, ?)`,
  removeFactor: 'delete from factors where user_name = ? and id = ?',
  touchFactor: 'update factors set last_used_at = ? where user_name = ? and id = ?',
  getFactor: 'select id, user_name, kind, name, secret, data, created_at, last_used_at from factors where id = ?',
  renameFactor: 'update factors set name = ? where user_name = ? and id = ?',
  updateFactorData: `update factors set data = ?, last_used_at = ? where user_name = ? and id = ?
    and data is ?`,
  removeAllFactors: 'delete from factors where user_name = ?',
  deleteCodes: 'delete from recovery_codes where user_name = ?',
  insertCode: 'insert into recovery_codes (user_name, code_hash, created_at, used_at) values (?, ?, ?, null)',
  useCode: 'update recovery_codes set used_at = ? where user_name = ? and code_hash = ? and used_at is null',
  countCodes: 'select count(*) as total, count(used_at) as used from recovery_codes where user_name = ?',
  getDevice: `select ${DEVICE_COLUMNS} from devices where id = ?`,
  listDevices: `select ${DEVICE_COLUMNS} from devices where user_name = ? order by last_seen_at desc, id`,
  addDevice: `insert into devices (${DEVICE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // The user's devices not trusted at time `now`, beyond the `keep` most recently seen of them.
  pruneDevices: `delete from devices where user_name = ? and (trusted_until is null or trusted_until <= ?)
    and id not in (select id from devices where user_name = ? and (trusted_until is null or trusted_until <= ?)
      order by last_seen_at desc, id limit ?)`,
  touchDevice: 'update devices set last_seen_at = ?, ip = ?, country = ? where user_name = ? and id = ?',
  trustDevice: 'update devices set trusted_at = ?, trusted_until = ? where user_name = ? and id = ?',
  removeDevice: 'delete from devices where user_name = ? and id = ?',
  removeAllDevices: 'delete from devices where user_name = ?',
  endSessions: `insert into session_ends (user_name, ended_before) values (?, ?)
    on conflict (user_name) do update set ended_before = max(ended_before, excluded.ended_before)`,
  getPreference: 'select value from preferences where user_name = ? and name = ?',
  setPreference: `insert into preferences (user_name, name, value) values (?, ?, ?)
    on conflict (user_name, name) do update set value = excluded.value`,
  removePreference: 'delete from preferences where user_name = ? and name = ?',
  listSessionEnds: 'select user_name, ended_before from session_ends where ended_before > ? order by ended_before',
  deleteUserInvite: 'delete from invites where user_name = ?',
  addInvite: `insert into invites (${INVITE_COLUMNS}) values (?, ?, ?, ?, ?)`,
  findInvite: `select ${INVITE_COLUMNS} from invites where token_hash = ?`,
  takeInvite: `delete from invites where token_hash = ? and expires_at > ? returning ${INVITE_COLUMNS}`,
  removeInvite: 'delete from invites where token_hash = ?',
  putAccessCode: `insert into access_codes (${ACCESS_CODE_COLUMNS}) values (?, ?, ?, ?, ?)
    on conflict (user_name) do update set code_hash = excluded.code_hash, created_at = excluded.created_at,
    expires_at = excluded.expires_at, created_by = excluded.created_by`,
  findAccessCode: `select ${ACCESS_CODE_COLUMNS} from access_codes where user_name = ?`,
  takeAccessCode: `delete from access_codes where user_name = ? and code_hash = ? and expires_at > ?
    returning ${ACCESS_CODE_COLUMNS}`,
  removeAccessCode: 'delete from access_codes where user_name = ?',
  blockPush: `insert into push_blocks (${PUSH_BLOCK_COLUMNS}) values (?, ?, ?, ?, ?, ?) on conflict (user_name) do nothing`,
  findPushBlock: `select ${PUSH_BLOCK_COLUMNS} from push_blocks where user_name = ?`,
  unblockPush: 'delete from push_blocks where user_name = ?',
  listPushBlocks: `select ${PUSH_BLOCK_COLUMNS} from push_blocks order by blocked_at, user_name`,
  listAccessCodes: `select ${ACCESS_CODE_COLUMNS} from access_codes order by created_at, user_name`,
  takeExpiredAccessCodes: `delete from access_codes where expires_at <= ? returning ${ACCESS_CODE_COLUMNS}`,
  markEnrolmentDue: 'insert into enrolment_due (user_name, since) values (?, ?) on conflict (user_name) do nothing',
  isEnrolmentDue: 'select 1 as due from enrolment_due where user_name = ?',
  addSignIn: `insert into sign_ins (user_name, time, ip, country, latitude, longitude, device_id)
    values (?, ?, ?, ?, ?, ?, ?)`,
  pruneSignIns: `delete from sign_ins where user_name = ?
    and id not in (select id from sign_ins where user_name = ? order by time desc, id desc limit ?)`,
  listSignIns: `select user_name, time, ip, country, latitude, longitude, device_id from sign_ins
    where user_name = ? and time >= ? order by time desc, id desc limit ?`,
} as const;

export const isPrimaryKeyClash = (err: unknown) =>
  (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';

export function checkText(what: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
}

export function checkTime(what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`${what} must be an integer (ms)`);
}

export function checkOptionalText(what: string, value: unknown): void {
  if (value !== null && typeof value !== 'string') throw new TypeError(`${what} must be a string or null`);
}

export function checkOptionalTime(what: string, value: unknown): void {
  if (value !== null) checkTime(what, value);
}

export function checkCount(what: string, value: unknown, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max)
    throw new TypeError(`${what} must be an integer from 1 to ${max}`);
}

export function checkCoordinate(what: string, value: unknown, bound: number): void {
  if (value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > bound)
    throw new TypeError(`${what} must be a number from -${bound} to ${bound}, or null`);
}

export const toDevice = (row: DeviceRow): DeviceRecord => ({
  id: row.id,
  user: row.user_name,
  name: row.name,
  firstSeenAt: row.first_seen_at,
  lastSeenAt: row.last_seen_at,
  ip: row.ip,
  country: row.country,
  trustedAt: row.trusted_at,
  trustedUntil: row.trusted_until,
});

/** A sign_ins row as the store hands it out. */
export const toSignIn = (row: SignInRow): SignInRecord => ({
  user: row.user_name,
  time: row.time,
  ip: row.ip,
  country: row.country,
  latitude: row.latitude,
  longitude: row.longitude,
  deviceId: row.device_id,
});
