/**
 * The shapes of the durable store's rows and how rows become records (both dialects: times are
 * numbers, PostgreSQL's bigint being read as a number).
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

export function toAudit(row: AuditRow): AuditRecord {
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
