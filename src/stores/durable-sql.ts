/**
 * The durable store's SQL, one text for SQLite and PostgreSQL: `?` placeholders (the PostgreSQL
 * driver numbers them), no dialect-only functions (`is not distinct from` rather than SQLite's
 * `is`, a `case` rather than SQLite's two-argument `max`). Statements that must be atomic are one
 * statement each: a conditional `update` or a `delete ... returning` whose row count decides.
 */
const PUSH_BLOCK_COLUMNS = 'user_name, blocked_at, request_id, ip, country, app';
const ACCESS_CODE_COLUMNS = 'user_name, code_hash, created_at, expires_at, created_by';
const INVITE_COLUMNS = 'token_hash, user_name, created_at, expires_at, created_by';
const DEVICE_COLUMNS = 'id, user_name, name, first_seen_at, last_seen_at, ip, country, trusted_at, trusted_until';
const PROVIDER_USER_COLUMNS =
  'user_name, provider, subject, tenant, display_name, email, groups, created_at, last_seen_at';
const FACTOR_COLUMNS = 'id, user_name, kind, name, secret, data, created_at, last_used_at';

export const SQL = {
  findProviderUser: `select ${PROVIDER_USER_COLUMNS} from provider_users where provider = ? and subject = ?`,
  getProviderUser: `select ${PROVIDER_USER_COLUMNS} from provider_users where user_name = ?`,
  listProviderUsers: `select ${PROVIDER_USER_COLUMNS} from provider_users order by user_name`,
  // created, or updated when the name is the same subject's: no row changes when it is another's
  saveProviderUser: `insert into provider_users (${PROVIDER_USER_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)
    on conflict (user_name) do update set tenant = excluded.tenant, display_name = excluded.display_name,
      email = excluded.email, groups = excluded.groups, last_seen_at = excluded.last_seen_at
    where provider_users.provider = excluded.provider and provider_users.subject = excluded.subject`,
  removeProviderUser: 'delete from provider_users where user_name = ?',
  listFactors: `select ${FACTOR_COLUMNS} from factors
    where user_name = ? order by created_at, id`,
  addFactor: `insert into factors (${FACTOR_COLUMNS})
    values (?, ?, ?, ?, ?, ?, ?, ?)`,
  removeFactor: 'delete from factors where user_name = ? and id = ?',
  touchFactor: 'update factors set last_used_at = ? where user_name = ? and id = ?',
  getFactor: `select ${FACTOR_COLUMNS} from factors where id = ?`,
  renameFactor: 'update factors set name = ? where user_name = ? and id = ?',
  updateFactorData: `update factors set data = ?, last_used_at = ? where user_name = ? and id = ?
    and data is not distinct from ?`,
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
    on conflict (user_name) do update set ended_before =
    case when excluded.ended_before > session_ends.ended_before then excluded.ended_before else session_ends.ended_before end`,
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
  trimAudit: 'delete from audit where time < ?',
  listUsersWithFactors: 'select distinct user_name from factors order by user_name',
  schemaVersion: 'select coalesce(max(version), 0) as v from schema_migrations',
  ping: 'select 1 as ok',
} as const;
