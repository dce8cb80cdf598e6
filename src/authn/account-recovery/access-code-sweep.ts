import { eventOffRequest } from '../../audit/admin-event.ts';
import type { AuditLog } from '../../audit/audit.ts';
import type { Clock } from '../../clock.ts';
import type { DurableStore } from '../../stores/durable.ts';
import type { UserDirectory } from '../../users/directory.ts';

/** How often a gateway looks for access codes that expired unused. */
export const ACCESS_CODE_SWEEP_MS = 60_000;

/**
 * Removes the access codes that expired unused and audits each (`access_code.expired`): the
 * trail shows that a code given out was never used. Several gateways may sweep at once: the store
 * hands each expired code to one of them only. Returns how many were swept.
 */
export async function sweepExpiredAccessCodes(deps: {
  durable: DurableStore;
  audit: AuditLog;
  clock: Clock;
  users: () => UserDirectory;
}): Promise<number> {
  const expired = await deps.durable.takeExpiredAccessCodes(deps.clock.now());
  for (const code of expired) {
    deps.audit.record(
      eventOffRequest(
        'access_code.expired',
        { user: code.user, tenant: deps.users().get(code.user)?.tenant ?? null },
        { issued_by: code.createdBy, expired_at: new Date(code.expiresAt).toISOString(), presented: false },
      ),
    );
  }
  return expired.length;
}
