/**
 * Who an ID token names, by the provider's rules: pure, given claims whose signature, issuer,
 * audience, expiry and nonce openid-client has already checked (sign-in.ts). Each refusal names
 * what is wrong without echoing the token.
 *
 * - entra: the person is `tid` + `oid` (never the e-mail, which a directory's admin may set to
 *   anything), and `tid` must be the directory of the configured issuer. A token whose groups did
 *   not fit (the "overage": more than 200 groups, `_claim_names.groups`) is refused with what to
 *   configure, not signed in with no groups.
 * - google: `hd` must be one of allowed_domains (the Workspace domain; a gmail.com account has none).
 * - oidc: `sub`; allowed_domains needs a verified e-mail (`email_verified: true`) in one of them.
 */
import { canonicalUsername } from '../users/canonical.ts';
import type { ProviderSettings } from './provider-settings.ts';

export interface ProviderIdentity {
  readonly provider: string;
  /** the provider's stable id of the person: entra `<tid>:<oid>`, else `sub` */
  readonly subject: string;
  /** canonical user name, from claims.username */
  readonly username: string;
  readonly displayName: string;
  readonly email: string | null;
  /** the policy's group names */
  readonly groups: readonly string[];
  readonly tenant: string | null;
  /** the provider says the person passed its own MFA recently, and the provider is trusted for it */
  readonly upstreamMfa: boolean;
  /**
   * ms: when the person authenticated at the provider (auth_time; now when it does not say): the
   * time of the session's `oidc` proof, so a provider's silent single sign-on is not a fresh sign-in
   */
  readonly authTime: number;
}

export type ClaimsRefusal =
  | 'missing_claim'
  | 'foreign_tenant'
  | 'domain_not_allowed'
  | 'groups_overage'
  | 'bad_username';

export type IdentityResult =
  | { readonly ok: true; readonly identity: ProviderIdentity }
  | { readonly ok: false; readonly reason: ClaimsRefusal; readonly detail: string };

const GROUP = /^[A-Za-z0-9_.:-]+$/;
const MAX_GROUPS = 500;

function text(claims: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function refuse(reason: ClaimsRefusal, detail: string): IdentityResult {
  return { ok: false, reason, detail };
}

function domainOf(address: string | undefined): string | undefined {
  const at = address?.lastIndexOf('@') ?? -1;
  return at > 0 ? address?.slice(at + 1).toLowerCase() : undefined;
}

export function identityFromClaims(
  p: ProviderSettings,
  claims: Readonly<Record<string, unknown>>,
  now: number,
): IdentityResult {
  let subject: string | undefined;
  if (p.kind === 'entra') {
    const tid = text(claims, 'tid')?.toLowerCase();
    const oid = text(claims, 'oid')?.toLowerCase();
    if (tid === undefined || oid === undefined) return refuse('missing_claim', 'the token has no tid or oid');
    if (tid !== p.entraTenant) return refuse('foreign_tenant', 'the token is from another directory (tid)');
    subject = `${tid}:${oid}`;
  } else {
    subject = text(claims, 'sub');
    if (subject === undefined) return refuse('missing_claim', 'the token has no sub');
  }

  const rawName = text(claims, p.claims.username);
  if (rawName === undefined) return refuse('missing_claim', `the token has no ${p.claims.username}`);
  const username = canonicalUsername(rawName);
  if (username === null) return refuse('bad_username', `${p.claims.username} is not a valid user name`);
  const email = text(claims, p.claims.email) ?? null;

  if (p.allowedDomains !== null) {
    const domain =
      p.kind === 'google'
        ? text(claims, 'hd')?.toLowerCase()
        : p.kind === 'entra'
          ? // a user principal name's domain is one the directory has verified
            domainOf(rawName)
          : claims.email_verified === true
            ? domainOf(email ?? undefined)
            : undefined;
    if (domain === undefined || !p.allowedDomains.has(domain))
      return refuse('domain_not_allowed', 'the account is not in an allowed domain');
  }

  const claimNames = claims._claim_names;
  if (
    typeof claimNames === 'object' &&
    claimNames !== null &&
    Object.hasOwn(claimNames, p.claims.groups) &&
    claims[p.claims.groups] === undefined
  ) {
    return refuse(
      'groups_overage',
      'the user is in too many groups for the token to list them: send only the groups assigned to the application (docs/identity-providers.md)',
    );
  }
  const raw = claims[p.claims.groups];
  const groups = new Set<string>();
  if (Array.isArray(raw)) {
    for (const g of raw.slice(0, MAX_GROUPS)) {
      if (typeof g !== 'string') continue;
      const named = p.groupNames.get(g.toLowerCase()) ?? g;
      if (GROUP.test(named)) groups.add(named);
    }
  }

  const amr = claims.amr;
  const authTime = claims.auth_time;
  const upstreamMfa =
    p.trustUpstreamMfa &&
    Array.isArray(amr) &&
    amr.includes('mfa') &&
    typeof authTime === 'number' &&
    now - authTime * 1000 <= p.upstreamMfaMaxAgeMs &&
    authTime * 1000 <= now + 60_000;

  return {
    ok: true,
    identity: {
      provider: p.name,
      subject,
      username,
      displayName: text(claims, p.claims.name) ?? username,
      email,
      groups: [...groups],
      tenant: p.tenant,
      upstreamMfa,
      authTime: typeof authTime === 'number' && Number.isFinite(authTime) ? Math.min(authTime * 1000, now) : now,
    },
  };
}
