/**
 * A seeded configuration for the audit: MSP staff and two clients, each persona set up so that
 * exactly known findings apply to it (see EXPECTED), in real files and a real SQLite store.
 *
 *   MSP:    alice (admin, TOTP + key, reported)  push-reported (she said a push was not hers)
 *           bob (tech, no factor)                no-second-factor
 *           erin (helpdesk-admins, TOTP)         privileged-not-phishing-resistant
 *           frank (admin, no factor)             no-second-factor (critical), privileged-not-phishing-resistant
 *           dave (admin, disabled, no factor)    nothing: disabled accounts are left out
 *   acme:   carol (2 codes left, 100 days idle)  recovery-codes-low (its suppression expired), stale-account
 *           craig (access code, 45-day trust)    active-access-code, long-device-trust
 *           cathy (locked out)                   locked-account
 *           pat@acme.example (Entra, TOTP, 40 days)  stale-account (the provider's stale_after is 30d)
 *           quinn@acme.example (Entra, TOTP, 2 days) nothing
 *           (old@acme.example of a provider no longer configured: nothing)
 *   globex: gina (key, never signed in)          stale-account
 *           greg (invited a week ago)            no-second-factor (not stale: the invite is recent)
 *   apps:   nas (MSP) and globex-portal have no rule of their own (the latter suppressed);
 *   rules:  psa-health and rmm-api allow anonymously; office-password and everyone admit with
 *           a password; session.remember_device is 45d (reported for each tenant); acme's Entra
 *           provider is trusted for the second factor (upstream-mfa-trusted).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lockout } from '../../src/authn/lockout.ts';
import { ManualClock } from '../../src/clock.ts';
import { loadConfigFiles } from '../../src/config/load.ts';
import type { LockReader } from '../../src/report/collect.ts';
import { buildState, type GatewayState } from '../../src/state.ts';
import type { DurableStore, FactorKind } from '../../src/stores/durable.ts';
import { MemoryEphemeralStore } from '../../src/stores/memory.ts';
import { openDurable } from '../../src/stores/open.ts';
import { providerUserRecord } from '../idp/fixtures.ts';

export const NOW = Date.UTC(2026, 11, 7, 10, 0, 0);
const DAY = 86_400_000;

export const GATEWAY = `server:
  public_url: http://portal.msp.example
  admin_listen: 127.0.0.1:0
stores:
  durable: sqlite:../data/portcullis.db
  ephemeral: memory
session:
  remember_device: 45d
lockout: { max_failures: 3, window: 15m, duration: 30m }
branding:
  name: Northwind IT
  color: "#0b6e4f"
  tenants:
    acme:
      name: Acme <Corp> & Sons
      color: "#b4232a"
      logo: acme.svg
      time_zone: Europe/Berlin
    globex:
      time_zone: America/New_York
audit:
  suppressions:
    - finding: app-without-rule
      tenant: globex
      subject: globex-portal
      reason: the portal is retired in January
      approved_by: Jane Doe (globex CISO)
      expires: 2027-01-31
    - finding: recovery-codes-low
      subject: carol
      reason: carol is on leave
      approved_by: Max Mustermann
      expires: 2026-11-01
apps:
  - name: psa
    host: psa.msp.example
    upstream: http://127.0.0.1:9
  - name: nas
    host: nas.msp.example
    upstream: http://127.0.0.1:9
  - name: acme-rmm
    tenant: acme
    host: rmm.acme.example
    upstream: http://127.0.0.1:9
  - name: globex-portal
    tenant: globex
    host: portal.globex.example
    upstream: http://127.0.0.1:9
identity_providers:
  - name: acme-entra
    kind: entra
    label: Acme
    issuer: https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0
    client_id: c
    client_secret: s
    tenant: acme
    trust_upstream_mfa: true
    stale_after: 30d
`;

export const USERS = `users:
  alice:
    groups: [msp-admins]
  bob:
    groups: [techs]
  erin:
    groups: [helpdesk-admins]
  frank:
    groups: [msp-admins]
  dave:
    groups: [msp-admins]
    disabled: true
  carol:
    groups: [staff]
    tenant: acme
  craig:
    groups: [staff]
    tenant: acme
  cathy:
    groups: [staff]
    tenant: acme
  gina:
    groups: [users]
    tenant: globex
  greg:
    groups: [users]
    tenant: globex
`;

export const SHARED_POLICY = `rules:
  - name: psa-health
    hosts: [psa.msp.example]
    paths: [/health]
    methods: [GET]
    action: allow
  - name: psa-admin
    hosts: [psa.msp.example]
    paths: [/admin/**]
    groups: [msp-admins]
    action: authenticate
    require: { level: phishing_resistant }
  - name: staff
    groups: [msp-admins, techs, helpdesk-admins]
    action: authenticate
    require: { level: mfa }
`;

export const ACME_POLICY = `tenant: acme
rules:
  - name: rmm-api
    hosts: [rmm.acme.example]
    paths: [/api/**]
    action: allow
  - name: office-password
    hosts: [rmm.acme.example]
    when: { networks: [203.0.113.0/24] }
    action: authenticate
    require: { level: password }
  - name: everyone
    action: authenticate
    require: { level: password }
`;

export const LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#c00"/></svg>';

/** (id, tenant, subject) of every finding the seeded configuration must produce, and no other. */
export const EXPECTED: readonly (readonly [string, string | null, string])[] = [
  ['anonymous-rule', null, 'psa-health'],
  ['app-without-rule', null, 'nas'],
  ['long-device-trust', null, 'session.remember_device'],
  ['no-second-factor', null, 'bob'],
  ['no-second-factor', null, 'frank'],
  ['privileged-not-phishing-resistant', null, 'erin'],
  ['privileged-not-phishing-resistant', null, 'frank'],
  ['push-reported', null, 'alice'],
  ['active-access-code', 'acme', 'craig'],
  ['anonymous-rule', 'acme', 'rmm-api'],
  ['locked-account', 'acme', 'cathy'],
  ['long-device-trust', 'acme', 'craig'],
  ['long-device-trust', 'acme', 'session.remember_device'],
  ['password-only-rule', 'acme', 'everyone'],
  ['password-only-rule', 'acme', 'office-password'],
  ['recovery-codes-low', 'acme', 'carol'],
  ['stale-account', 'acme', 'carol'],
  ['stale-account', 'acme', 'pat@acme.example'],
  ['upstream-mfa-trusted', 'acme', 'identity_providers.acme-entra.trust_upstream_mfa'],
  ['long-device-trust', 'globex', 'session.remember_device'],
  ['no-second-factor', 'globex', 'greg'],
  ['stale-account', 'globex', 'gina'],
];

export interface Seeded {
  readonly root: string;
  /** absolute path of config/gateway.yaml */
  readonly gateway: string;
  readonly db: string;
  readonly clock: ManualClock;
  state(): Promise<GatewayState>;
  remove(): void;
}

/** Writes the configuration folder; `files` replaces or (null) leaves out a file. */
export function writeConfig(files: Record<string, string | null> = {}): Omit<Seeded, 'state'> {
  const root = mkdtempSync(join(tmpdir(), 'portcullis-audit-'));
  for (const d of ['config', 'policies', 'data']) mkdirSync(join(root, d));
  const all: Record<string, string | null> = {
    'config/gateway.yaml': GATEWAY,
    'config/users.yaml': USERS,
    'config/acme.svg': LOGO,
    'policies/00-shared.yaml': SHARED_POLICY,
    'policies/acme.yaml': ACME_POLICY,
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) if (text !== null) writeFileSync(join(root, rel), text);
  return {
    root,
    gateway: join(root, 'config/gateway.yaml'),
    db: join(root, 'data/portcullis.db'),
    clock: new ManualClock(NOW),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

export async function stateOf(gateway: string): Promise<GatewayState> {
  return buildState(await loadConfigFiles(gateway, {}), { whoamiOrigin: 'http://127.0.0.1:1' });
}

let ids = 0;
const factor = (user: string, kind: FactorKind) => ({
  id: `f${++ids}-${user}`,
  user,
  kind,
  name: kind,
  secret: null,
  data: null,
  createdAt: NOW - 200 * DAY,
  lastUsedAt: null,
});

/** Puts the personas' factors, codes, sign-ins, devices and access codes into `durable`. */
export async function seedStore(durable: DurableStore, now = NOW): Promise<void> {
  const add = async (user: string, ...kinds: FactorKind[]) => {
    for (const k of kinds) await durable.addFactor(factor(user, k));
    if (kinds.length > 0)
      await durable.replaceRecoveryCodes(
        user,
        Array.from({ length: 10 }, (_, i) => `${user}-code-${i}`),
        now - 200 * DAY,
      );
  };
  const signIn = (user: string, daysAgo: number) =>
    durable.recordSignIn(
      { user, time: now - daysAgo * DAY, ip: null, country: null, latitude: null, longitude: null, deviceId: null },
      50,
    );
  await add('alice', 'totp', 'webauthn');
  await add('erin', 'totp');
  await add('carol', 'totp');
  await add('craig', 'totp');
  await add('cathy', 'totp');
  await add('gina', 'webauthn');
  for (let i = 0; i < 8; i++) await durable.useRecoveryCode('carol', `carol-code-${i}`, now - 150 * DAY);
  for (const u of ['alice', 'bob', 'erin', 'frank', 'craig', 'cathy']) await signIn(u, 1);
  await signIn('carol', 100);
  await durable.addDevice(
    {
      id: 'dev-craig',
      user: 'craig',
      name: 'Firefox on Linux',
      firstSeenAt: now - 2 * DAY,
      lastSeenAt: now - DAY,
      ip: null,
      country: null,
      trustedAt: null,
      trustedUntil: null,
    },
    10,
  );
  await durable.trustDevice('craig', 'dev-craig', now - DAY, now + 44 * DAY);
  await durable.putAccessCode({
    user: 'craig',
    codeHash: 'hash-craig',
    createdAt: now - 3_600_000,
    expiresAt: now + 3_600_000,
    createdBy: 'cli:root',
  });
  await durable.putAccessCode({
    user: 'cathy',
    codeHash: 'hash-cathy',
    createdAt: now - 3 * 3_600_000,
    expiresAt: now - 3_600_000,
    createdBy: 'cli:root',
  });
  await durable.blockPush({
    user: 'alice',
    blockedAt: now - DAY,
    requestId: 'r-alice',
    ip: '198.51.100.7',
    country: 'NL',
    app: 'rmm',
  });
  const providerUser = (user: string, provider: string, daysAgo: number) =>
    durable.saveProviderUser(
      providerUserRecord(user, {
        provider,
        email: user,
        groups: ['staff'],
        createdAt: now - 200 * DAY,
        lastSeenAt: now - daysAgo * DAY,
      }),
    );
  await providerUser('pat@acme.example', 'acme-entra', 40);
  await add('pat@acme.example', 'totp');
  await providerUser('quinn@acme.example', 'acme-entra', 2);
  await add('quinn@acme.example', 'totp');
  await providerUser('old@acme.example', 'retired-okta', 2);
  await durable.markEnrolmentDue('greg', now - 7 * DAY);
  await durable.appendAudit({
    time: now - 7 * DAY,
    event: 'invite.issued',
    outcome: 'info',
    tenant: 'globex',
    user: 'greg',
    ip: null,
    country: null,
    device: null,
    app: null,
    rule: null,
    detail: null,
    requestId: null,
  });
}

/** The lock state of a memory store in which cathy's account got locked (3 failures). */
export async function lockedCathy(state: GatewayState, clock: ManualClock): Promise<NonNullable<LockReader>> {
  const lockout = new Lockout({
    store: new MemoryEphemeralStore({ clock }),
    clock,
    settings: () => state.lockout,
  });
  for (let i = 0; i < 3; i++)
    await lockout.recordFailure({ account: 'cathy', ip: '198.51.100.7', device: null }, 'password');
  return (user) => lockout.status(user);
}

/** The configuration folder and its seeded SQLite store (closed again). */
export async function seeded(files: Record<string, string | null> = {}): Promise<Seeded> {
  const base = writeConfig(files);
  const durable = await openDurable(`sqlite:${base.db}`, base.root);
  try {
    await seedStore(durable);
  } finally {
    await durable.close();
  }
  return { ...base, state: () => stateOf(base.gateway) };
}
