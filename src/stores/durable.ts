/**
 * The durable store: what must survive a restart (audit trail, second factors and recovery
 * codes now; devices and sign-in history in later versions). Implementations: sqlite (embedded default) and, later,
 * postgres. Schema changes are versioned migrations applied at open. Every method rejects
 * with StoreUnavailableError when the database cannot be reached.
 */
export interface AuditRecord {
  /** ms since the epoch */
  time: number;
  /** e.g. `login.success`, `login.failure`, `access.deny`, `access.challenge` */
  event: string;
  outcome: 'success' | 'failure' | 'deny' | 'challenge' | 'info';
  tenant: string | null;
  user: string | null;
  ip: string | null;
  country: string | null;
  device: string | null;
  app: string | null;
  rule: string | null;
  /** Free-form, never secret, JSON-serialisable details. */
  detail: Record<string, unknown> | null;
}

export interface AuditQuery {
  since?: number;
  until?: number;
  tenant?: string;
  user?: string;
  event?: string;
  limit?: number;
}

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

export interface DurableStore {
  readonly kind: 'sqlite' | 'postgres';
  appendAudit(record: AuditRecord): Promise<void>;
  /** Newest first. */
  queryAudit(query: AuditQuery): Promise<AuditRecord[]>;
  /** The user's factors, oldest first. */
  listFactors(user: string): Promise<FactorRecord[]>;
  /** Rejects with a TypeError for an unknown kind or an id already in use. */
  addFactor(factor: FactorRecord): Promise<void>;
  /** Whether the user had that factor. */
  removeFactor(user: string, id: string): Promise<boolean>;
  /** Sets lastUsedAt; whether the user has that factor. */
  touchFactor(user: string, id: string, time: number): Promise<boolean>;
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
  /** The highest migration version applied. */
  schemaVersion(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
