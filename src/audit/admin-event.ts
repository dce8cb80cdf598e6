import { userInfo } from 'node:os';
import type { Clock } from '../clock.ts';
import type { AuditRecord, DurableStore } from '../stores/durable.ts';

/**
 * An event no client request carries (an administrator's action, a sweep, the retention trim):
 * no address, country, device, app or rule. `requestId`: the admin API request, else null.
 */
export function eventOffRequest(
  event: string,
  target: { user: string | null; tenant: string | null },
  detail: Record<string, unknown>,
  requestId: string | null = null,
): Omit<AuditRecord, 'time'> {
  return {
    event,
    outcome: 'info',
    tenant: target.tenant,
    user: target.user,
    ip: null,
    country: null,
    device: null,
    app: null,
    rule: null,
    detail,
    requestId,
  };
}

/**
 * An administrator's action (reset-mfa, revoke-sessions, ...), written straight to the durable
 * store: the audit trail says who did what to which user. `by` is `cli:<operating-system account>`
 * from the command line, `api:<token name>` (`api:admin-token`, `api:env-token`) from the admin API,
 * with the admin request's id (null from the command line).
 */
export async function recordAdminAction(
  durable: DurableStore,
  clock: Clock,
  event: string,
  target: { user: string; tenant: string | null },
  detail: Record<string, unknown>,
  by = `cli:${userInfo().username}`,
  requestId: string | null = null,
): Promise<void> {
  await durable.appendAudit({ time: clock.now(), ...eventOffRequest(event, target, { ...detail, by }, requestId) });
}
