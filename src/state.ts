import { readFileSync } from 'node:fs';
import { type AuditSettings, auditSettings } from './audit/audit-settings.ts';
import type { LockoutSettings } from './authn/lockout.ts';
import { lockoutSettings } from './authn/lockout-settings.ts';
import { workersProblem } from './cluster/workers-setting.ts';
import { parseDuration } from './config/duration.ts';
import type { LoadedFiles } from './config/load.ts';
import { ConfigError } from './config/load.ts';
import { CidrSet } from './context/cidr.ts';
import { bundledGeo, type GeoSource, openMmdb } from './context/geo.ts';
import { LOGIN_COOKIE_NAMES } from './idp/login-cookie.ts';
import { type ProviderSettings, providerSettings } from './idp/provider-settings.ts';
import { type CompiledPolicy, compilePolicies, type PolicySource } from './policy/compile.ts';
import { lintPolicies } from './policy/lint.ts';
import { policyNeeds } from './policy/needs.ts';
import type { AppFacts } from './policy/types.ts';
import { makeHeaderStripper } from './proxy/strip-headers.ts';
import { upstreamSettings } from './proxy/upstream-options.ts';
import type { UpstreamSettings } from './proxy/upstream-settings.ts';
import { type PushSettings, pushSettings } from './push/push-settings.ts';
import type { RiskSettings as AssessSettings } from './risk/assess.ts';
import { HostTable } from './routing/host-table.ts';
import { durableSpecProblem } from './stores/durable-spec.ts';
import { ephemeralSpecProblem } from './stores/ephemeral-spec.ts';
import { UserDirectory } from './users/directory.ts';
import { isTimeZone } from './web/i18n/format-time.ts';
import type { Locale } from './web/i18n/locales.ts';

/**
 * Everything a request needs, built whole from the files at load and swapped atomically on
 * reload: host table, compiled policy, user directory, per-app header plans. Nothing here is
 * computed per request.
 */
export interface AppRuntime {
  readonly name: string;
  readonly facts: AppFacts;
  /** origin of the upstream, e.g. http://10.0.0.5:8443 */
  readonly upstream: string;
  readonly websocket: boolean;
  readonly assertion: boolean;
  readonly headers: { readonly user: string; readonly groups: string; readonly email: string; readonly name: string };
  /** connections and timeouts towards the upstream, and its TLS (apps[].upstream_options) */
  readonly upstreamSettings: UpstreamSettings;
  /** removes, in place, every client header that could pass for an identity header */
  readonly stripIdentityHeaders: (headers: Record<string, string | string[] | undefined>) => void;
}

export interface SessionSettings {
  readonly idleMs: number;
  readonly maxLifetimeMs: number;
  readonly rememberDeviceMs: number;
  readonly cookieName: string;
  /** the device cookie (trusted and known devices), scoped like the session cookie */
  readonly deviceCookieName: string;
  readonly cookieDomain: string | undefined;
  readonly secure: boolean;
}

export interface RiskSettings extends AssessSettings {
  /** sign-ins kept per user */
  readonly history: number;
}

/** Whom people ask for help (branding.support): at least one of the three. */
export interface Support {
  readonly url?: string;
  readonly email?: string;
  readonly phone?: string;
}

/** A name and logo on the portal pages: the MSP's, or a client's for the pages its users see. */
export interface Brand {
  readonly name: string;
  /** the pages' language when the person chose none (instead of their browser's); null: the browser's */
  readonly language: Locale | null;
  /** IANA time zone of the dates and times on the pages */
  readonly timeZone: string;
  /** served at /.portcullis/brand/<key>; null: none */
  readonly logo: { readonly key: string; readonly body: Buffer; readonly type: string } | null;
  /** shown on refusal and error pages; a client without its own has the MSP's; null: none */
  readonly support: Support | null;
}

export interface Branding {
  readonly msp: Brand;
  readonly tenants: ReadonlyMap<string, Brand>;
}

const MAX_LOGO_BYTES = 100 * 1024;

interface BrandSpec {
  readonly name: string;
  readonly logo: string | undefined;
  readonly support: Support | null;
  readonly language: Locale | null;
  readonly timeZone: string;
}

function loadBrand(spec: BrandSpec, key: string, where: string, problems: string[]): Brand {
  const { name, logo, support, language, timeZone } = spec;
  const brand = { name, support, language, timeZone };
  if (logo === undefined) return { ...brand, logo: null };
  try {
    const body = readFileSync(logo);
    if (body.length > MAX_LOGO_BYTES) {
      problems.push(`${where}: ${logo} is larger than 100 kB`);
      return { ...brand, logo: null };
    }
    const svg = logo.endsWith('.svg');
    return {
      ...brand,
      logo: { key: `${key}.${svg ? 'svg' : 'png'}`, body, type: svg ? 'image/svg+xml' : 'image/png' },
    };
  } catch (err) {
    problems.push(`${where}: cannot read ${logo}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return { ...brand, logo: null };
  }
}

export interface WebAuthnSettings {
  readonly rpId: string;
  readonly rpName: string;
  /** where ceremonies may happen: the portal's origin first */
  readonly origins: readonly string[];
  readonly attestation: 'none' | 'direct';
  /** lower-case AAGUIDs that may register, or null: any */
  readonly aaguids: ReadonlySet<string> | null;
  readonly userVerification: 'preferred' | 'required';
}

export interface GatewayState {
  readonly files: LoadedFiles;
  readonly publicUrl: URL;
  /** host name of public_url, lower-case: the portal's home */
  readonly portalHost: string;
  readonly hosts: HostTable<AppRuntime>;
  readonly apps: readonly AppRuntime[];
  readonly policy: CompiledPolicy;
  readonly users: UserDirectory;
  /** gateway.yaml `identity_providers`, by name */
  readonly providers: ReadonlyMap<string, ProviderSettings>;
  readonly trustedProxies: CidrSet;
  readonly session: SessionSettings;
  readonly lockout: LockoutSettings;
  /** gateway.yaml `audit`: retention, privileged groups, stale accounts, suppressions */
  readonly audit: AuditSettings;
  /** gateway.yaml `mfa.push`; null: push is off */
  readonly push: PushSettings | null;
  /** where client IPs are: the configured .mmdb, the bundled data when a policy needs it, or none */
  readonly geo: GeoSource | null;
  readonly risk: RiskSettings;
  readonly webauthn: WebAuthnSettings;
  readonly branding: Branding;
  /** policy warnings (never fatal): shown by `check`, logged at start and reload */
  readonly warnings: readonly string[];
  /** the cookie names the gateway owns, stripped before proxying */
  readonly ownCookies: ReadonlySet<string>;
}

export interface BuildOptions {
  /** where `builtin:whoami` upstreams point (the demo upstream's origin) */
  readonly whoamiOrigin?: string;
}

/** Builds the whole state or throws ConfigError listing every problem, located. */
export function buildState(files: LoadedFiles, options: BuildOptions = {}): GatewayState {
  const g = files.gateway;
  const problems: string[] = [];
  const gatewayAt = files.gatewayPath;

  const apps: AppRuntime[] = g.apps.map((spec, i) => {
    const headers = {
      user: spec.headers?.user ?? 'Remote-User',
      groups: spec.headers?.groups ?? 'Remote-Groups',
      email: spec.headers?.email ?? 'Remote-Email',
      name: spec.headers?.name ?? 'Remote-Name',
    };
    let upstream = spec.upstream;
    if (upstream === 'builtin:whoami') {
      if (!options.whoamiOrigin)
        problems.push(`${gatewayAt}: app '${spec.name}': builtin:whoami is only available under \`npm start\``);
      upstream = options.whoamiOrigin ?? 'http://127.0.0.1:1';
    }
    return {
      name: spec.name,
      facts: Object.freeze({
        name: spec.name,
        tenant: spec.tenant ?? null,
        host: spec.host.toLowerCase().replace(/\.$/, ''),
        caseInsensitivePaths: spec.case_insensitive_paths ?? false,
      }),
      upstream: new URL(upstream).origin,
      websocket: spec.websocket ?? false,
      assertion: spec.assertion ?? true,
      headers,
      upstreamSettings: upstreamSettings(spec, upstream, files.locateGateway, i, problems),
      stripIdentityHeaders: makeHeaderStripper(Object.values(headers)),
    };
  });

  const hosts = new HostTable(apps.map((app) => ({ pattern: app.facts.host, value: app })));
  const sources: PolicySource[] = files.policies.map((p) => ({ name: p.name, data: p.data, locate: p.locate }));
  const appFacts = apps.map((a) => a.facts);
  const { policy, problems: compileProblems } = compilePolicies(sources, appFacts);
  for (const p of compileProblems) if (p.severity === 'error') problems.push(p.message);

  const warnings0: string[] = [];
  const { directory, problems: userProblems } = UserDirectory.build(files.users);
  problems.push(...userProblems.map((m) => `${files.usersPath}: ${m}`));

  const providers = providerSettings(g.identity_providers, files, problems);
  for (const p of providers.values())
    if (p.tenant !== null && !apps.some((a) => a.facts.tenant === p.tenant))
      warnings0.push(`${gatewayAt}: identity provider '${p.name}': no app belongs to tenant '${p.tenant}'`);

  const everyone = directory.all();
  const lintProblems = lintPolicies(
    sources,
    appFacts,
    {
      // a group an identity provider's group_names maps to is known too
      groups: new Set([
        ...everyone.flatMap((u) => u.groups),
        ...[...providers.values()].flatMap((p) => [...p.groupNames.values()]),
      ]),
      users: new Set(everyone.map((u) => u.name)),
    },
    (i) => files.locateGateway(['apps', i, 'host']),
  );
  for (const p of lintProblems) if (p.severity === 'error') problems.push(p.message);
  const warnings = [
    ...warnings0,
    ...[...compileProblems, ...lintProblems].filter((p) => p.severity === 'warning').map((p) => p.message),
  ];

  const needs = policyNeeds(sources);
  let geo: GeoSource | null = null;
  if (g.geo.database !== undefined) {
    try {
      geo = openMmdb(g.geo.database);
    } catch (err) {
      problems.push(`${files.locateGateway(['geo', 'database'])}: ${(err as Error).message}`);
    }
  } else if (needs.countries || needs.coordinates) {
    geo = bundledGeo();
    warnings.push(
      `${gatewayAt}: a policy needs geography and geo.database is not set: using the bundled geoip-lite data, which is from 2023 and costs ~140 MB; configure a current .mmdb file (docs/configuration.md#geography)`,
    );
  }
  if (geo !== null && needs.coordinates && !geo.hasCoordinates)
    warnings.push(
      `${files.locateGateway(['geo', 'database'])}: a policy uses impossible_travel but ${geo.description} has no coordinates (a country database): it never fires; use a city database`,
    );

  if (needs.trustedDevices && g.session.remember_device === 0)
    warnings.push(
      `${files.locateGateway(['session', 'remember_device'])}: session.remember_device is 0, so no device is ever trusted: rules with trusted_device: true never match`,
    );

  const wa = g.mfa.webauthn ?? {};
  const portalUrl = new URL(g.server.public_url);
  const rpId = (wa.rp_id ?? portalUrl.hostname).toLowerCase();
  const portalHostname = portalUrl.hostname.toLowerCase();
  if (portalHostname !== rpId && !portalHostname.endsWith(`.${rpId}`))
    problems.push(
      `${files.locateGateway(['mfa', 'webauthn', 'rp_id'])}: rp_id '${rpId}' must be the portal's host name '${portalHostname}' or a parent domain of it`,
    );
  if (wa.aaguids !== undefined && wa.attestation !== 'direct')
    problems.push(
      `${files.locateGateway(['mfa', 'webauthn', 'aaguids'])}: an AAGUID allow-list needs attestation: direct (without attestation, browsers do not reveal the model)`,
    );
  const webauthn: WebAuthnSettings = {
    rpId,
    rpName: wa.rp_name ?? 'Portcullis',
    origins: [portalUrl.origin, ...(wa.origins ?? []).filter((o) => o !== portalUrl.origin)],
    attestation: wa.attestation ?? 'none',
    aaguids: wa.aaguids ? new Set(wa.aaguids.map((a) => a.toLowerCase())) : null,
    userVerification: wa.user_verification ?? 'preferred',
  };

  const b = g.branding ?? {};
  const zoneOf = (zone: string | undefined, path: string[]): string | undefined => {
    if (zone === undefined || isTimeZone(zone)) return zone;
    problems.push(`${files.locateGateway([...path, 'time_zone'])}: unknown time zone ${JSON.stringify(zone)}`);
    return undefined;
  };
  const msp = loadBrand(
    {
      name: b.name ?? 'Portcullis',
      logo: b.logo,
      support: b.support ?? null,
      language: b.language ?? null,
      timeZone: zoneOf(b.time_zone, ['branding']) ?? 'UTC',
    },
    'msp',
    files.locateGateway(['branding', 'logo']),
    problems,
  );
  const tenantBrands = new Map<string, Brand>();
  for (const [tenant, t] of Object.entries(b.tenants ?? {})) {
    if (!apps.some((a) => a.facts.tenant === tenant))
      warnings.push(`${files.locateGateway(['branding', 'tenants', tenant])}: no app belongs to tenant '${tenant}'`);
    tenantBrands.set(
      tenant,
      loadBrand(
        {
          name: t.name ?? msp.name,
          logo: t.logo,
          support: t.support ?? msp.support,
          language: t.language ?? msp.language,
          timeZone: zoneOf(t.time_zone, ['branding', 'tenants', tenant]) ?? msp.timeZone,
        },
        `tenant-${tenant}`,
        files.locateGateway(['branding', 'tenants', tenant, 'logo']),
        problems,
      ),
    );
  }

  const { set: trustedProxies, errors } = CidrSet.parse(g.server.trusted_proxies ?? []);
  for (const e of errors) problems.push(`${gatewayAt}: server.trusted_proxies[${e.index}]: ${e.message}`);
  const lockout = lockoutSettings(files, problems);
  const durableProblem = durableSpecProblem(g.stores.durable, files.baseDir);
  if (durableProblem !== null) problems.push(`${files.locateGateway(['stores', 'durable'])}: ${durableProblem}`);
  const workers = workersProblem(g.server.workers, g.stores);
  if (workers !== null) problems.push(`${files.locateGateway(['server', 'workers'])}: ${workers}`);
  const ephemeralProblem = ephemeralSpecProblem(g.stores.ephemeral);
  if (ephemeralProblem !== null) problems.push(`${files.locateGateway(['stores', 'ephemeral'])}: ${ephemeralProblem}`);
  const audit = auditSettings(files, problems);
  const push = pushSettings(files, problems);

  if (problems.length > 0) throw new ConfigError(problems);

  const publicUrl = new URL(g.server.public_url);
  const secure = publicUrl.protocol === 'https:';
  // An https portal without a shared cookie domain gets the __Host- prefix: the browser then
  // refuses the cookie unless it is Secure, host-only and for Path=/.
  const baseName = g.session?.cookie_name ?? 'portcullis_session';
  const prefixed = secure && !g.session?.cookie_domain && !baseName.startsWith('__') ? `__Host-${baseName}` : baseName;
  const session: SessionSettings = {
    idleMs: parseDuration(g.session?.idle_timeout ?? '30m'),
    maxLifetimeMs: parseDuration(g.session?.max_lifetime ?? '12h'),
    rememberDeviceMs: parseDuration(g.session?.remember_device ?? '30d'),
    cookieName: prefixed,
    deviceCookieName: secure && !g.session?.cookie_domain ? '__Host-portcullis_device' : 'portcullis_device',
    // a leading dot is accepted and dropped: browsers ignore it anyway
    cookieDomain: g.session?.cookie_domain?.replace(/^\./, '').toLowerCase(),
    secure,
  };
  return {
    files,
    warnings,
    publicUrl,
    portalHost: publicUrl.hostname.toLowerCase(),
    hosts,
    apps,
    policy,
    users: directory,
    providers,
    trustedProxies,
    session,
    lockout,
    audit,
    push,
    geo,
    webauthn,
    branding: { msp, tenants: tenantBrands },
    risk: {
      impossibleTravelKmh: g.risk.impossible_travel_kmh,
      newCountryWindowMs: parseDuration(g.risk.new_country_window),
      recentFailures: g.risk.recent_failures,
      history: g.risk.history,
    },
    ownCookies: new Set([
      session.cookieName,
      'portcullis_device',
      '__Host-portcullis_device',
      '__Secure-portcullis_device',
      ...LOGIN_COOKIE_NAMES,
    ]),
  };
}
