/**
 * `identity_providers` of gateway.yaml, resolved once per config load: each provider's presets
 * (entra, google, oidc) applied and checked, located. What the sign-in needs at request time is
 * here, computed; the provider's metadata (discovery) is fetched by discovery.ts.
 */

import { parseDuration } from '../config/duration.ts';
import type { IdentityProviderSpec } from '../config/idp-schema.ts';
import type { LoadedFiles } from '../config/load.ts';
import type { Static } from '../json-schema.ts';

export type ProviderKind = 'entra' | 'google' | 'oidc';

export interface ClaimNames {
  readonly username: string;
  readonly email: string;
  readonly name: string;
  readonly groups: string;
}

export interface ProviderSettings {
  readonly name: string;
  readonly kind: ProviderKind;
  readonly label: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** the client tenant its users belong to; null: the MSP's staff */
  readonly tenant: string | null;
  readonly claims: ClaimNames;
  /** provider group id -> the policy's group name */
  readonly groupNames: ReadonlyMap<string, string>;
  /** lower-case domains; null: any */
  readonly allowedDomains: ReadonlySet<string> | null;
  /** entra: the directory (tenant) id a token's `tid` must be; null for other kinds */
  readonly entraTenant: string | null;
  readonly trustUpstreamMfa: boolean;
  readonly upstreamMfaMaxAgeMs: number;
  readonly scopes: string;
  readonly logout: boolean;
  readonly staleAfterMs: number;
  /** the issuer is http on a loopback address (tests, a local provider): allowed, never elsewhere */
  readonly insecure: boolean;
}

type Spec = Static<typeof IdentityProviderSpec>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Entra's issuers: login.microsoftonline.com/<tenant id>/v2.0 (sovereign clouds have other hosts) */
const ENTRA_ISSUER = /^https:\/\/[a-z0-9.-]+\/([0-9a-fA-F-]{36})\/v2\.0$/;
const GOOGLE_ISSUER = 'https://accounts.google.com';

const DEFAULT_CLAIMS: Record<ProviderKind, ClaimNames> = {
  entra: { username: 'preferred_username', email: 'email', name: 'name', groups: 'groups' },
  google: { username: 'email', email: 'email', name: 'name', groups: 'groups' },
  oidc: { username: 'preferred_username', email: 'email', name: 'name', groups: 'groups' },
};

function isLoopbackHttp(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return url.protocol === 'http:' && (host === '127.0.0.1' || host === '::1' || host === 'localhost');
}

/** The providers of gateway.yaml, resolved; problems are pushed, located. */
export function providerSettings(
  specs: readonly Spec[] | undefined,
  files: Pick<LoadedFiles, 'locateGateway'>,
  problems: string[],
): ReadonlyMap<string, ProviderSettings> {
  const out = new Map<string, ProviderSettings>();
  (specs ?? []).forEach((spec, i) => {
    const at = (...path: (string | number)[]) => files.locateGateway(['identity_providers', i, ...path]);
    if (out.has(spec.name)) {
      problems.push(`${at('name')}: another identity provider is named '${spec.name}'`);
      return;
    }
    let issuer: URL;
    try {
      issuer = new URL(spec.issuer);
    } catch {
      problems.push(`${at('issuer')}: not a URL`);
      return;
    }
    const insecure = isLoopbackHttp(issuer);
    if (issuer.protocol !== 'https:' && !insecure) {
      problems.push(`${at('issuer')}: an issuer must be https (http only on a loopback address)`);
      return;
    }
    let entraTenant: string | null = null;
    if (spec.kind === 'entra') {
      // a tenant-specific issuer: `common` or `organizations` would admit any directory's users
      const match =
        ENTRA_ISSUER.exec(spec.issuer) ?? (insecure ? /\/([0-9a-fA-F-]{36})\/v2\.0$/.exec(spec.issuer) : null);
      const id = match?.[1]?.toLowerCase();
      if (id === undefined || !GUID.test(id)) {
        problems.push(
          `${at('issuer')}: an entra issuer names one directory: https://login.microsoftonline.com/<tenant id>/v2.0 (not common or organizations, which would admit any tenant)`,
        );
        return;
      }
      entraTenant = id;
    }
    if (spec.kind === 'google' && spec.issuer !== GOOGLE_ISSUER && !insecure) {
      problems.push(`${at('issuer')}: Google's issuer is ${GOOGLE_ISSUER}`);
      return;
    }
    if (spec.kind === 'google' && spec.allowed_domains === undefined) {
      problems.push(
        `${at('kind')}: a google provider needs allowed_domains (the Workspace domains): otherwise any Google account signs in`,
      );
      return;
    }
    if (spec.trust_upstream_mfa === undefined && spec.upstream_mfa_max_age !== undefined) {
      problems.push(`${at('upstream_mfa_max_age')}: only with trust_upstream_mfa: true`);
    }
    const defaults = DEFAULT_CLAIMS[spec.kind];
    out.set(spec.name, {
      name: spec.name,
      kind: spec.kind,
      label: spec.label,
      issuer: spec.issuer,
      clientId: spec.client_id,
      clientSecret: spec.client_secret,
      tenant: spec.tenant ?? null,
      claims: { ...defaults, ...spec.claims },
      groupNames: new Map(Object.entries(spec.group_names ?? {}).map(([id, name]) => [id.toLowerCase(), name])),
      allowedDomains: spec.allowed_domains ? new Set(spec.allowed_domains.map((d) => d.toLowerCase())) : null,
      entraTenant,
      trustUpstreamMfa: spec.trust_upstream_mfa ?? false,
      upstreamMfaMaxAgeMs: parseDuration(spec.upstream_mfa_max_age ?? '10m'),
      scopes: ['openid', ...(spec.scopes ?? ['email', 'profile'])].join(' '),
      logout: spec.logout ?? false,
      staleAfterMs: parseDuration(spec.stale_after ?? '90d'),
      insecure,
    });
  });
  return out;
}

/** Whether a provider's users may reach an app of `tenant` (null: the MSP's own apps). */
export function providerServes(provider: ProviderSettings, tenant: string | null): boolean {
  // the MSP's staff reach every app the policy lets them; a client's users only their client's
  return provider.tenant === null || provider.tenant === tenant;
}
