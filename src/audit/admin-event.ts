import { userInfo } from 'node:os';
import type { Clock } from '../clock.ts';
import type { DurableStore } from '../stores/durable.ts';

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
  await durable.appendAudit({
    time: clock.now(),
    event,
    outcome: 'info',
    tenant: target.tenant,
    user: target.user,
    ip: null,
    country: null,
    device: null,
    app: null,
    rule: null,
    detail: { ...detail, by },
    requestId,
  });
}
