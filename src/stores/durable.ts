/**
 * The durable store: what must survive a restart (audit trail, second factors, recovery codes,
 * the devices users signed in from and their sign-in history). Implementations: SQLite (the
 * embedded default) and PostgreSQL (several instances), both in sql-store.ts over a driver.
 * Schema changes are versioned migrations applied at open. Every method rejects with
 * StoreUnavailableError when the database cannot be reached.
 */
export interface AuditRecord {
  /** ms since the epoch */
  time: number;
  /** e.g. `login.success`, `login.failure`, `access.deny`, `access.challenge` */
  event: string;
  /** `alert`: a security event someone should look at (a user reported a sign-in as not theirs) */
  outcome: 'success' | 'failure' | 'deny' | 'challenge' | 'info' | 'alert';
  tenant: string | null;
  user: string | null;
  ip: string | null;
  country: string | null;
  device: string | null;
  app: string | null;
  rule: string | null;
  /** Free-form, never secret, JSON-serialisable details. */
  detail: Record<string, unknown> | null;
  /**
   * The id of the request the event came from (the reference on a refusal page, the `reqId` of
   * the request's log lines); null for events not from a request (sweeps, the command line).
   */
  requestId: string | null;
}

export interface AuditQuery {
  since?: number;
  until?: number;
  tenant?: string;
  user?: string;
  event?: string;
  limit?: number;
}

/** Where a page of the audit trail ends: the last event's time and its row id (newest first). */
export interface AuditCursor {
  readonly time: number;
  readonly id: number;
}

/** The audit trail read page by page, newest first (the admin API, `portcullis events`). */
export interface AuditPageQuery {
  /** one tenant; null: the MSP's own staff and events without a tenant */
  readonly tenant?: string | null;
  readonly user?: string;
  /** an event type, exactly */
  readonly type?: string;
  /** every event type that starts with this (e.g. `access_code.`) */
  readonly typePrefix?: string;
  /** ms, inclusive */
  readonly since?: number;
  /** only events after this cursor in newest-first order (older, or as old and recorded earlier) */
  readonly before?: AuditCursor;
  /** 1 to MAX_AUDIT_PAGE */
  readonly limit: number;
}

export interface AuditPage {
  readonly events: readonly AuditRecord[];
  /** the cursor for the next page, or null when this page holds the oldest matching event */
  readonly next: AuditCursor | null;
}

/** The most events one page holds. */
export const MAX_AUDIT_PAGE = 1000;

export type FactorKind = 'totp' | 'webauthn' | 'push';

/** The kinds a factor may have, for validation. */
export const FACTOR_KINDS: readonly FactorKind[] = ['totp', 'webauthn', 'push'];

/** A user's enrolled second factor. */
export interface FactorRecord {
  /** Random and unique across all users (the table's primary key). */
  id: string;
  user: string;
  kind: FactorKind;
  /** The label the user chose, e.g. "Phone". */
  name: string;
  /** Sealed by SecretBox (bind it to the row: `<kind>:<user>:<id>`), or null for public data. */
  secret: string | null;
  /** JSON-serialisable, never secret, kind-specific details (e.g. a WebAuthn public key). */
  data: Record<string, unknown> | null;
  /** ms since the epoch */
  createdAt: number;
  lastUsedAt: number | null;
}

export interface RecoveryCodeCount {
  total: number;
  unused: number;
}

/**
 * A browser a user completed a sign-in from, known by the random id in its device cookie. It is
 * trusted while `trustedUntil` is in the future; forgetting a device deletes the row.
 */
export interface DeviceRecord {
  /** Random, unique across all users (primary key); the cookie carries it, signed. */
  id: string;
  user: string;
  /** Readable, from the User-Agent: "Chrome on Windows". */
  name: string;
  /** ms since the epoch */
  firstSeenAt: number;
  lastSeenAt: number;
  /** where it was last seen */
  ip: string | null;
  country: string | null;
  /** ms: when the user trusted it, or null (seen, not trusted) */
  trustedAt: number | null;
  /** ms: the trust ends here */
  trustedUntil: number | null;
}

/** A user an identity provider signed in (idp/): what it said at the last sign-in. */
export interface ProviderUserRecord {
  /** canonical user name */
  readonly user: string;
  readonly provider: string;
  /** the provider's stable id of the person (entra: <tid>:<oid>) */
  readonly subject: string;
  readonly tenant: string | null;
  readonly displayName: string;
  readonly email: string | null;
  readonly groups: readonly string[];
  readonly createdAt: number;
  /** the last sign-in */
  readonly lastSeenAt: number;
}

/** One completed sign-in (or step-up): the history risk signals are computed from. */
export interface SignInRecord {
  user: string;
  /** ms since the epoch */
  time: number;
  ip: string | null;
  /** ISO 3166 alpha-2, or null when unknown */
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  deviceId: string | null;
}

/** Every session of `user` created at or before `before` (ms) is over. */
export interface SessionEnd {
  readonly user: string;
  readonly before: number;
}

/** A one-time invitation link (`portcullis user invite`); only the hash of its token is kept. */
export interface InviteRecord {
  user: string;
  /** SHA-256 of the token, base64url */
  tokenHash: string;
  /** ms since the epoch */
  createdAt: number;
  expiresAt: number;
  /** who issued it, e.g. `cli:root` */
  createdBy: string;
}

/**
 * A temporary access code an administrator issued to a user who lost a device
 * (`portcullis access-code`): one per user (a new one replaces the earlier), single use, known
 * only by its hash.
 */
/** A user reported a push they did not start: no push for them until an administrator unblocks. */
export interface PushBlockRecord {
  user: string;
  /** ms since the epoch */
  blockedAt: number;
  /** the push request reported */
  requestId: string;
  /** where the sign-in that caused the push came from */
  ip: string | null;
  country: string | null;
  app: string | null;
}

export interface AccessCodeRecord {
  user: string;
  /** SHA-256 of the code, base64url */
  codeHash: string;
  /** ms since the epoch */
  createdAt: number;
  expiresAt: number;
  /** who issued it, e.g. `cli:root`, `api:admin-token` */
  createdBy: string;
}

export interface DurableStore {
  readonly kind: 'sqlite' | 'postgres';
  appendAudit(record: AuditRecord): Promise<void>;
  /** Newest first. */
  queryAudit(query: AuditQuery): Promise<AuditRecord[]>;
  /** One page of the audit trail, newest first; equal times latest recorded first. */
  queryAuditPage(query: AuditPageQuery): Promise<AuditPage>;
  /** Deletes the audit events older than `before` (ms, exclusive); how many. */
  trimAudit(before: number): Promise<number>;
  /** The user's factors, oldest first. */
  listFactors(user: string): Promise<FactorRecord[]>;
  /** Rejects with a TypeError for an unknown kind or an id already in use. */
  addFactor(factor: FactorRecord): Promise<void>;
  /** Whether the user had that factor. */
  removeFactor(user: string, id: string): Promise<boolean>;
  /** Sets lastUsedAt; whether the user has that factor. */
  touchFactor(user: string, id: string, time: number): Promise<boolean>;
  /** The factor with this id, whoever it belongs to, or null. */
  getFactor(id: string): Promise<FactorRecord | null>;
  /** Renames one factor of the user; whether the user has that factor. */
  renameFactor(user: string, id: string, name: string): Promise<boolean>;
  /**
   * Replaces the factor's data and sets lastUsedAt, only if its data is still `expected` (a
   * compare-and-set: of two concurrent uses that both read the same data, one wins). Whether it
   * was replaced.
   */
  updateFactorData(
    user: string,
    id: string,
    expected: Record<string, unknown> | null,
    data: Record<string, unknown>,
    time: number,
  ): Promise<boolean>;
  /** Removes every factor of the user (not the recovery codes); how many there were. */
  removeAllFactors(user: string): Promise<number>;
  /**
   * Replaces the user's recovery codes (their hashes) by a new set, in one transaction; an
   * empty list removes them all.
   */
  replaceRecoveryCodes(user: string, hashes: readonly string[], time: number): Promise<void>;
  /** Marks an unused code used, atomically: of two concurrent uses of one code, exactly one is true. */
  useRecoveryCode(user: string, hash: string, time: number): Promise<boolean>;
  countRecoveryCodes(user: string): Promise<RecoveryCodeCount>;
  /** The device, whoever it belongs to, or null. */
  getDevice(id: string): Promise<DeviceRecord | null>;
  /** The user's devices, most recently seen first. */
  listDevices(user: string): Promise<DeviceRecord[]>;
  /**
   * Inserts a device, then deletes the user's least recently seen devices beyond `keep` that
   * are not trusted (one transaction). A TypeError for an id already in use.
   */
  addDevice(device: DeviceRecord, keep: number): Promise<void>;
  /** Sets lastSeenAt, ip and country; whether the user has that device. */
  touchDevice(
    user: string,
    id: string,
    seen: { time: number; ip: string | null; country: string | null },
  ): Promise<boolean>;
  /** Sets trustedAt and trustedUntil; whether the user has that device. */
  trustDevice(user: string, id: string, time: number, until: number): Promise<boolean>;
  /** Deletes one device of the user; whether it existed. */
  removeDevice(user: string, id: string): Promise<boolean>;
  /** Deletes every device of the user; how many there were. */
  removeAllDevices(user: string): Promise<number>;
  /** Appends a sign-in and keeps only the user's newest `keep` (one transaction). */
  recordSignIn(record: SignInRecord, keep: number): Promise<void>;
  /** The user's sign-ins at or after `since`, newest first, at most `limit`. */
  listSignIns(user: string, since: number, limit: number): Promise<SignInRecord[]>;
  /**
   * Marks every session of the user created at or before `time` as over; a later mark wins over
   * an earlier one. Gateways read the marks (listSessionEnds) and end those sessions whatever
   * their ephemeral store: the way a command-line tool reaches sessions held in a gateway's memory.
   */
  endSessionsBefore(user: string, time: number): Promise<void>;
  /** The marks set after `since` (a mark's time), oldest first. */
  listSessionEnds(since: number): Promise<SessionEnd[]>;
  /** Stores an invite, replacing the user's earlier one (whether there was one). */
  putInvite(invite: InviteRecord): Promise<boolean>;
  /** The invite with this token hash, expired or not, or null. */
  findInvite(tokenHash: string): Promise<InviteRecord | null>;
  /**
   * Uses an invite: deletes it and returns it, only if it has not expired at `now` (atomically:
   * of two concurrent uses, one gets it). Null otherwise.
   */
  takeInvite(tokenHash: string, now: number): Promise<InviteRecord | null>;
  /** Deletes an invite (an expired one was presented); whether it existed. */
  removeInvite(tokenHash: string): Promise<boolean>;
  /** The user must enrol a second factor at every sign-in while holding none (set-up, invites). */
  markEnrolmentDue(user: string, time: number): Promise<void>;
  isEnrolmentDue(user: string): Promise<boolean>;
  /** A setting the user chose (`name`, e.g. `default_method`), or null when never set. */
  getPreference(user: string, name: string): Promise<string | null>;
  /** Sets a setting of the user; null removes it. */
  setPreference(user: string, name: string, value: string | null): Promise<void>;
  /** Stores an access code, replacing the user's earlier one (whether there was one). */
  putAccessCode(code: AccessCodeRecord): Promise<boolean>;
  /** The user's access code, expired or not, or null. */
  findAccessCode(user: string): Promise<AccessCodeRecord | null>;
  /**
   * Uses the user's access code: deletes it and returns it, only if its hash is `codeHash` and it
   * has not expired at `now` (atomically: of two concurrent uses, one gets it). Null otherwise.
   */
  takeAccessCode(user: string, codeHash: string, now: number): Promise<AccessCodeRecord | null>;
  /** Deletes the user's access code; whether there was one. */
  removeAccessCode(user: string): Promise<boolean>;
  /** The users holding at least one second factor. */
  listUsersWithFactors(): Promise<string[]>;
  /** Every access code, expired or not, oldest first. */
  listAccessCodes(): Promise<AccessCodeRecord[]>;
  /** Deletes the codes that expired at or before `now` and returns them (each to exactly one caller). */
  takeExpiredAccessCodes(now: number): Promise<AccessCodeRecord[]>;
  /** Blocks push for the user; false when a block was there already (the first one is kept). */
  blockPush(block: PushBlockRecord): Promise<boolean>;
  /** The user's push block, or null. */
  findPushBlock(user: string): Promise<PushBlockRecord | null>;
  /** Lifts the user's push block; whether there was one. */
  unblockPush(user: string): Promise<boolean>;
  /** Every push block, oldest first (the audit report). */
  listPushBlocks(): Promise<PushBlockRecord[]>;
  /** The highest migration version applied. */
  /** The user a provider's subject signed in as, or null. */
  findProviderUser(provider: string, subject: string): Promise<ProviderUserRecord | null>;
  /** The provider user holding this name, or null (a users.yaml user is not one). */
  getProviderUser(user: string): Promise<ProviderUserRecord | null>;
  /** Every provider user, by name. */
  listProviderUsers(): Promise<ProviderUserRecord[]>;
  /**
   * Records a provider user at a sign-in: created the first time, its details and lastSeenAt
   * updated afterwards (createdAt kept). False, with nothing written, when the name belongs to
   * another provider subject or the subject to another name.
   */
  saveProviderUser(record: ProviderUserRecord): Promise<boolean>;
  /** Forgets a provider user (its next sign-in creates it again); true when it was there. */
  removeProviderUser(user: string): Promise<boolean>;
  schemaVersion(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
