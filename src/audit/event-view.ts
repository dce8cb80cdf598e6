import type { AuditRecord } from '../stores/durable.ts';

/** An audit event as the admin API and `portcullis events --format json` show it. */
export interface EventView {
  /** ISO 8601, UTC */
  time: string;
  type: string;
  outcome: AuditRecord['outcome'];
  tenant: string | null;
  user: string | null;
  ip: string | null;
  country: string | null;
  device: string | null;
  app: string | null;
  rule: string | null;
  request_id: string | null;
  detail: Record<string, unknown> | null;
}

export function eventView(r: AuditRecord): EventView {
  return {
    time: new Date(r.time).toISOString(),
    type: r.event,
    outcome: r.outcome,
    tenant: r.tenant,
    user: r.user,
    ip: r.ip,
    country: r.country,
    device: r.device,
    app: r.app,
    rule: r.rule,
    request_id: r.requestId,
    detail: r.detail,
  };
}
