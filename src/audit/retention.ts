import type { Clock } from '../clock.ts';
import type { DurableStore } from '../stores/durable.ts';
import { eventOffRequest } from './admin-event.ts';
import type { AuditLog } from './audit.ts';

/** The trim runs a minute after start, then once a day. */
export const AUDIT_TRIM_FIRST_MS = 60_000;
export const AUDIT_TRIM_EVERY_MS = 86_400_000;

/**
 * Deletes the audit events older than `audit.retention` (gateway.yaml, default 400d), so the
 * table does not grow forever: an event exactly `retention` old stays. When rows went, one
 * `audit.trimmed` event says how many and up to when. Several instances may trim at once: the
 * delete is idempotent, and only an instance that deleted something records the event. Returns
 * how many were deleted.
 */
export async function trimAuditTrail(deps: {
  durable: DurableStore;
  audit: AuditLog;
  clock: Clock;
  retentionMs: () => number;
}): Promise<number> {
  const retentionMs = deps.retentionMs();
  const before = deps.clock.now() - retentionMs;
  const deleted = await deps.durable.trimAudit(before);
  if (deleted > 0) {
    deps.audit.record(
      eventOffRequest(
        'audit.trimmed',
        { user: null, tenant: null },
        { deleted, before: new Date(before).toISOString(), retention_days: retentionMs / 86_400_000 },
      ),
    );
  }
  return deleted;
}
