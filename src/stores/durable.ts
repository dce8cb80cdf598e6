/**
 * The durable store: what must survive a restart (audit trail now; factors, devices and
 * sign-in history in later versions). Implementations: sqlite (embedded default) and, later,
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

export interface DurableStore {
  readonly kind: 'sqlite' | 'postgres';
  appendAudit(record: AuditRecord): Promise<void>;
  /** Newest first. */
  queryAudit(query: AuditQuery): Promise<AuditRecord[]>;
  /** The highest migration version applied. */
  schemaVersion(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
