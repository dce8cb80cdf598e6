import type { Lockout } from '../authn/lockout.ts';
import { providerUsers } from '../idp/provider-user.ts';
import type { GatewayState } from '../state.ts';
import type { DurableStore } from '../stores/durable.ts';

/** The tenant label of the MSP's own staff (users without a tenant): no tenant name starts with `_`. */
export const MSP_TENANT_LABEL = '_msp';

/** How often a gateway recounts the account gauges. */
export const GAUGE_REFRESH_MS = 60_000;

/** Lock states asked of the ephemeral store at once. */
const LOCK_BATCH = 50;

export interface TenantCounts {
  withMfa: number;
  withoutMfa: number;
  accessCodes: number;
  locked: number;
}

/** Per tenant label. */
export type AccountCounts = ReadonlyMap<string, TenantCounts>;

/**
 * The numbers a dashboard needs, per tenant (MSP_TENANT_LABEL for the staff): enabled users of
 * users.yaml, and the users identity providers signed in, with and without a second factor, access codes not yet used nor expired at `now`,
 * users locked out (the account, or one of its browsers, as `GET /api/v1/users` says). Disabled
 * users are not counted. One query for the factors, one for the access codes, the lock states
 * in batches. Rejects when a store does (the caller keeps the last numbers).
 */
export async function countAccounts(deps: {
  state: Pick<GatewayState, 'users' | 'providers'>;
  durable: DurableStore;
  lockout: Pick<Lockout, 'status'>;
  now: number;
}): Promise<AccountCounts> {
  const [withFactors, codes, fromProviders] = await Promise.all([
    deps.durable.listUsersWithFactors(),
    deps.durable.listAccessCodes(),
    providerUsers(deps.state, deps.durable),
  ]);
  // users.yaml's enabled users, and those identity providers signed in (while their provider vouches for them)
  const enabled = [...deps.state.users.all().filter((u) => !u.disabled), ...fromProviders];
  const byName = new Map(enabled.map((u) => [u.name, u]));
  const counts = new Map<string, TenantCounts>();
  const of = (tenant: string | null): TenantCounts => {
    const label = tenant ?? MSP_TENANT_LABEL;
    let c = counts.get(label);
    if (c === undefined) {
      c = { withMfa: 0, withoutMfa: 0, accessCodes: 0, locked: 0 };
      counts.set(label, c);
    }
    return c;
  };
  const mfa = new Set(withFactors);
  for (const u of enabled) {
    const c = of(u.tenant);
    if (mfa.has(u.name)) c.withMfa++;
    else c.withoutMfa++;
  }
  for (const code of codes) {
    const u = byName.get(code.user);
    if (u !== undefined && code.expiresAt > deps.now) of(u.tenant).accessCodes++;
  }
  for (let i = 0; i < enabled.length; i += LOCK_BATCH) {
    const batch = enabled.slice(i, i + LOCK_BATCH);
    const states = await Promise.all(batch.map((u) => deps.lockout.status(u.name)));
    batch.forEach((u, j) => {
      const s = states[j];
      if (s !== undefined && (s.locked || s.lockedDevices.length > 0)) of(u.tenant).locked++;
    });
  }
  return counts;
}
