/**
 * Reads what the audit looks at into plain facts: the configuration (users, apps, policy rules,
 * settings) and, unless only the configuration is audited, the stores (factors, recovery codes,
 * devices, sign-ins, access codes, lock state). findings.ts turns the facts into the report
 * without any I/O.
 *
 * A store that cannot be read rejects with StoreUnavailableError (the CLI exits 3, the admin
 * API answers 503): an incomplete report is never produced. The lock state lives in the
 * ephemeral store; when it cannot be reached at all (an in-memory store of another process),
 * `locks` is null and the report says the lock state is unknown.
 */
import path from 'node:path';
import type { LockoutStatus } from '../authn/lockout.ts';
import type { Clock } from '../clock.ts';
import { vouchingProvider } from '../idp/provider-user.ts';
import type { RuleSpec } from '../policy/schema.ts';
import type { GatewayState } from '../state.ts';
import type { DurableStore, FactorKind } from '../stores/durable.ts';
import { canonicalUsername } from '../users/canonical.ts';

/** How many unused recovery codes are enough. */
export const RECOVERY_CODES_LOW = 3;
/** The longest a device may be trusted without a finding. */
export const DEVICE_TRUST_LIMIT_MS = 30 * 86_400_000;

export interface UserFact {
  readonly name: string;
  readonly tenant: string | null;
  readonly privileged: boolean;
  /** `users.yaml:line:column` of the user, relative to the configuration root */
  readonly at: string;
  /** null: only the configuration was audited */
  readonly stored: StoredUserFacts | null;
  /** the identity provider that signed the user in (its users are in the durable store, not users.yaml) */
  readonly provider?: string;
  /** stale after this long without a sign-in: the provider's stale_after (default audit.stale_after) */
  readonly staleAfterMs?: number;
}

export interface ProviderFact {
  readonly name: string;
  readonly tenant: string | null;
  readonly trustUpstreamMfa: boolean;
  readonly at: string;
}

export interface StoredUserFacts {
  readonly factors: readonly FactorKind[];
  readonly recovery: { readonly total: number; readonly unused: number };
  /** ms of the newest recorded sign-in, or null */
  readonly lastSignIn: number | null;
  /** something happened to the account (an invite, an enrolment, an admin action) within stale_after */
  readonly recentTrace: boolean;
  readonly enrolmentDue: boolean;
  readonly trustedDevices: readonly { readonly name: string; readonly trustedAt: number; readonly until: number }[];
  readonly accessCode: { readonly createdBy: string; readonly expiresAt: number } | null;
  /** the user reported a push as not theirs: push is blocked until an administrator lifts it */
  readonly pushReported: { readonly at: number; readonly ip: string | null; readonly app: string | null } | null;
  /** null: unknown (the lock state could not be read) */
  readonly lock: { readonly locked: boolean; readonly failures: number; readonly lockedDevices: number } | null;
}

export interface AppFact {
  readonly name: string;
  readonly tenant: string | null;
  readonly host: string;
  readonly at: string;
  /** a rule names its host, or it is in its tenant's own policy file */
  readonly ownRule: boolean;
}

export interface RuleFact {
  readonly name: string;
  /** the policy file's tenant; null: a shared file */
  readonly fileTenant: string | null;
  readonly at: string;
  readonly action: 'allow' | 'deny' | 'authenticate';
  readonly level: 'password' | 'mfa' | 'phishing_resistant' | null;
  /** names users or groups: an anonymous request must sign in first */
  readonly identity: boolean;
  readonly conditions: boolean;
  readonly paths: boolean;
  /** the apps the rule can decide for, by their tenant (null: MSP apps) */
  readonly apps: ReadonlyMap<string | null, readonly string[]>;
}

export interface Facts {
  readonly now: number;
  /** every tenant the configuration names, MSP staff (null) first */
  readonly tenants: readonly (string | null)[];
  readonly users: readonly UserFact[];
  readonly apps: readonly AppFact[];
  readonly rules: readonly RuleFact[];
  readonly providers: readonly ProviderFact[];
  readonly rememberDevice: { readonly ms: number; readonly at: string };
  readonly staleAfterMs: number;
  readonly suppressions: GatewayState['audit']['suppressions'];
  readonly configOnly: boolean;
  readonly notes: readonly string[];
}

/** Reads a user's lock state; null when it cannot be known. */
export type LockReader = ((user: string) => Promise<LockoutStatus>) | null;

/**
 * The folder that holds every configuration file (gateway.yaml's folder, the users file and the
 * policies folder): locations in the report are relative to it, so they read the same wherever
 * the files are and match a policy repository's layout (`config/gateway.yaml`, `policies/x.yaml`).
 */
export function configRoot(state: GatewayState): string {
  const dirs = [state.files.baseDir, path.dirname(state.files.usersPath), state.files.policiesDir];
  let root = dirs[0] as string;
  for (const d of dirs) {
    while (root !== path.dirname(root) && path.relative(root, d).startsWith('..')) root = path.dirname(root);
  }
  return root;
}

/** A `file:line:column` from the loader, its file made relative to `root` (with `/`). */
export function relativeLocation(located: string, root: string): string {
  const m = /^(.*):(\d+):(\d+)$/.exec(located);
  if (m === null) return located;
  const rel = path
    .relative(root, path.resolve(m[1] as string))
    .split(path.sep)
    .join('/');
  return `${rel}:${m[2]}:${m[3]}`;
}

/** The configuration part of the facts (no store is read). */
function configFacts(
  state: GatewayState,
  now: number,
): Omit<Facts, 'users' | 'configOnly' | 'notes'> & {
  users: Omit<UserFact, 'stored'>[];
} {
  const files = state.files;
  const root = configRoot(state);
  const rel = (located: string) => relativeLocation(located, root);

  const usersAt = new Map<string, string>();
  for (const raw of Object.keys(files.users)) {
    const name = canonicalUsername(raw);
    if (name !== null) usersAt.set(name, rel(files.locateUsers(['users', raw], 'key')));
  }
  const users = state.users
    .all()
    .filter((u) => !u.disabled)
    .map((u) => ({
      name: u.name,
      tenant: u.tenant,
      privileged: state.audit.isPrivileged(u.groups),
      at: usersAt.get(u.name) ?? rel(`${files.usersPath}:1:1`),
    }));

  const specs: { spec: RuleSpec; tenant: string | null; at: string }[] = [];
  for (const p of files.policies) {
    p.data.rules.forEach((spec, i) => {
      specs.push({ spec, tenant: p.data.tenant ?? null, at: rel(p.locate(['rules', i, 'name'])) });
    });
  }
  const appsOf = new Map<number, Map<string | null, string[]>>();
  for (const app of state.apps) {
    for (const rule of state.policy.byApp.get(app.name) ?? []) {
      const byTenant = appsOf.get(rule.ref.index) ?? new Map<string | null, string[]>();
      appsOf.set(rule.ref.index, byTenant);
      byTenant.set(app.facts.tenant, [...(byTenant.get(app.facts.tenant) ?? []), app.name]);
    }
  }
  const rules: RuleFact[] = specs.map(({ spec, tenant, at }, i) => {
    const fields = spec as RuleSpec & { users?: unknown; groups?: unknown; paths?: unknown };
    return {
      name: spec.name,
      fileTenant: tenant,
      at,
      action: spec.action,
      level: spec.action === 'authenticate' ? (spec.require?.level ?? 'mfa') : null,
      identity: fields.users !== undefined || fields.groups !== undefined,
      conditions: spec.when !== undefined && Object.keys(spec.when).length > 0,
      paths: fields.paths !== undefined,
      apps: appsOf.get(i + 1) ?? new Map(),
    };
  });

  const apps: AppFact[] = state.apps.map((app, i) => {
    const own = (state.policy.byApp.get(app.name) ?? []).some(
      (r) => r.hosts !== null || (app.facts.tenant !== null && r.ref.tenant === app.facts.tenant),
    );
    return {
      name: app.name,
      tenant: app.facts.tenant,
      host: app.facts.host,
      at: rel(files.locateGateway(['apps', i, 'name'])),
      ownRule: own,
    };
  });

  const providers: ProviderFact[] = [...state.providers.values()].map((p, i) => ({
    name: p.name,
    tenant: p.tenant,
    trustUpstreamMfa: p.trustUpstreamMfa,
    at: rel(files.locateGateway(['identity_providers', i, 'name'])),
  }));

  const named = new Set<string>();
  for (const p of providers) if (p.tenant !== null) named.add(p.tenant);
  for (const a of state.apps) if (a.facts.tenant !== null) named.add(a.facts.tenant);
  for (const u of state.users.all()) if (u.tenant !== null) named.add(u.tenant);
  for (const p of files.policies) if (p.data.tenant !== undefined) named.add(p.data.tenant);
  for (const t of state.branding.tenants.keys()) named.add(t);
  const tenants = [null, ...[...named].sort()];

  return {
    now,
    tenants,
    users,
    apps,
    rules,
    providers,
    rememberDevice: {
      ms: state.session.rememberDeviceMs,
      at: rel(files.locateGateway(['session', 'remember_device'])),
    },
    staleAfterMs: state.audit.staleAfterMs,
    suppressions: state.audit.suppressions.map((s) => ({ ...s, at: rel(s.at) })),
  };
}

/** Only the configuration: no store is read, the user findings are left out. */
export function collectConfig(state: GatewayState, clock: Clock): Facts {
  const base = configFacts(state, clock.now());
  return {
    ...base,
    users: base.users.map((u) => ({ ...u, stored: null })),
    configOnly: true,
    notes: ['only the configuration was audited: no store was read, so no user finding is reported'],
  };
}

/** The configuration and the stores. Rejects with StoreUnavailableError when a store cannot be read. */
export async function collect(
  state: GatewayState,
  durable: DurableStore,
  locks: LockReader,
  clock: Clock,
  notes: readonly string[] = [],
): Promise<Facts> {
  const now = clock.now();
  const base = configFacts(state, now);
  const codes = new Map((await durable.listAccessCodes()).map((c) => [c.user, c]));
  const pushBlocks = new Map((await durable.listPushBlocks()).map((b) => [b.user, b]));
  const users: UserFact[] = [];
  // the users identity providers signed in, while their provider vouches for them
  const byProvider = new Map(base.providers.map((p) => [p.name, p]));
  const accounts: Omit<UserFact, 'stored'>[] = [...base.users];
  const lastSeen = new Map<string, number>();
  for (const r of await durable.listProviderUsers()) {
    const p = byProvider.get(r.provider);
    const settings = vouchingProvider(state, r.provider, r.tenant, r.user);
    if (p === undefined || settings === undefined) continue;
    accounts.push({
      name: r.user,
      tenant: r.tenant,
      privileged: state.audit.isPrivileged(r.groups),
      at: p.at,
      provider: r.provider,
      staleAfterMs: settings.staleAfterMs,
    });
    lastSeen.set(r.user, r.lastSeenAt);
  }
  for (const u of accounts) {
    const [factors, recovery, signIns, trace, enrolmentDue, devices, lock] = await Promise.all([
      durable.listFactors(u.name),
      durable.countRecoveryCodes(u.name),
      durable.listSignIns(u.name, 0, 1),
      durable.queryAudit({ user: u.name, since: now - state.audit.staleAfterMs, limit: 20 }),
      durable.isEnrolmentDue(u.name),
      durable.listDevices(u.name),
      locks === null ? Promise.resolve(null) : locks(u.name),
    ]);
    const code = codes.get(u.name);
    const block = pushBlocks.get(u.name);
    users.push({
      ...u,
      stored: {
        factors: factors.map((f) => f.kind),
        recovery,
        lastSignIn: Math.max(signIns[0]?.time ?? 0, lastSeen.get(u.name) ?? 0) || null,
        recentTrace: trace.some((e) => e.outcome === 'success' || e.outcome === 'info'),
        enrolmentDue,
        trustedDevices: devices
          .filter((d) => d.trustedUntil !== null && d.trustedAt !== null && d.trustedUntil > now)
          .map((d) => ({ name: d.name, trustedAt: d.trustedAt as number, until: d.trustedUntil as number })),
        accessCode:
          code !== undefined && code.expiresAt > now ? { createdBy: code.createdBy, expiresAt: code.expiresAt } : null,
        pushReported: block === undefined ? null : { at: block.blockedAt, ip: block.ip, app: block.app },
        lock:
          lock === null
            ? null
            : { locked: lock.locked, failures: lock.failures, lockedDevices: lock.lockedDevices.length },
      },
    });
  }
  return {
    ...base,
    users,
    configOnly: false,
    notes: [
      ...notes,
      ...(locks === null ? ['lock state unknown: locked-account cannot be reported (see docs/audit.md)'] : []),
    ],
  };
}
