import type { AuditRecord } from '../stores/durable.ts';

/** The fields of an event view, in the order the API lists them and CSV writes them. */
export const EVENT_FIELDS = [
  'time',
  'type',
  'outcome',
  'tenant',
  'user',
  'ip',
  'country',
  'device',
  'app',
  'rule',
  'request_id',
  'detail',
] as const satisfies readonly (keyof EventView)[];

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
