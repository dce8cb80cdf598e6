/**
 * The callback of a sign-in at an identity provider, from the browser's return to a user: the
 * browser's `state` cookie must match the `state` it brings back and a sign-in this gateway
 * started (taken once, on any instance: login-state.ts); the code is redeemed with the PKCE
 * verifier, and openid-client checks the ID token (signature through the JWKS, issuer, audience,
 * expiry, nonce, auth_time against max_age); the claims must name a person by the provider's
 * rules (identity-from-claims.ts); the name must be free (not a users.yaml user, not another
 * provider subject's) and not locked. Every refusal is audited with its reason and creates
 * nothing; a provider that cannot be reached is a 503.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { auditFrom } from '../audit/where.ts';
import type { PortalDeps } from '../authn/deps.ts';
import { sameText } from '../crypto/same-text.ts';
import { cookieValue } from '../session/cookies.ts';
import type { DirectoryUser } from '../users/directory.ts';
import type { MessageKey } from '../web/i18n/messages.ts';
import { openidClient, ProviderUnavailable } from './discovery.ts';
import { identityFromClaims, type ProviderIdentity } from './identity-from-claims.ts';
import { loginCookieName } from './login-cookie.ts';
import { type LoginState, takeLoginState } from './login-state.ts';
import type { ProviderSettings } from './provider-settings.ts';
import { providerDirectoryUser } from './provider-user.ts';

/**
 * What the audit keeps of the ID token whose signature was checked: the claims that say who vouched
 * for whom and when, and the token's SHA-256, never the token itself.
 */
export interface TokenEvidence {
  readonly iss: unknown;
  readonly sub: unknown;
  readonly aud: unknown;
  readonly iat: unknown;
  readonly auth_time: unknown;
  readonly amr: unknown;
  readonly sha256: string;
}

export type ProviderSignIn =
  | {
      readonly ok: true;
      readonly user: DirectoryUser;
      readonly identity: ProviderIdentity;
      readonly login: LoginState;
      readonly evidence: TokenEvidence;
    }
  | {
      readonly ok: false;
      readonly status: 400 | 403 | 503;
      readonly error: string;
      readonly message: MessageKey;
    };

/** What the provider's callback brought, as Fastify parsed its query. */
export interface CallbackQuery {
  readonly state?: string;
  readonly error?: string;
}

const REFUSED = { status: 403, error: 'sign_in_refused', message: 'errors.idpRefused' } as const;
const BAD_STATE = { status: 400, error: 'bad_state', message: 'errors.idpState' } as const;
const UNAVAILABLE = { status: 503, error: 'provider_unavailable', message: 'errors.idpUnavailable' } as const;
/** The provider's own error codes worth keeping in the audit (RFC 6749 4.1.2.1, OpenID Connect 3.1.2.6). */
const PROVIDER_ERRORS = /^[a-z_]{1,40}$/;

/** An error of the token request that means the provider is down or broken, not that it refused. */
function unreachable(err: unknown): boolean {
  const e = err as { name?: string; status?: number; code?: string; cause?: unknown };
  if (err instanceof ProviderUnavailable) return true;
  if (e.name === 'TypeError' || e.name === 'AbortError' || e.name === 'TimeoutError') return true;
  if (typeof e.status === 'number' && e.status >= 500) return true;
  return e.cause !== undefined && e.cause !== err && unreachable(e.cause) && e.code === undefined;
}

export async function finishProviderSignIn(
  deps: PortalDeps,
  request: FastifyRequest,
  provider: ProviderSettings,
  query: CallbackQuery,
): Promise<ProviderSignIn> {
  const state = request.pc.state;
  const audit = (reason: string, user: string | null, detail: Record<string, unknown> = {}) =>
    deps.audit.record({
      event: 'login.failure',
      outcome: 'failure',
      tenant: provider.tenant,
      user,
      ...auditFrom(request),
      app: null,
      rule: null,
      detail: { factor: 'oidc', provider: provider.name, reason, ...detail },
    });
  const refused = (
    answer: typeof REFUSED | typeof BAD_STATE | typeof UNAVAILABLE,
    reason: string,
    user: string | null = null,
    detail: Record<string, unknown> = {},
  ): ProviderSignIn => {
    audit(reason, user, detail);
    deps.metrics.observeLogin(answer === UNAVAILABLE ? 'unavailable' : 'failure');
    return { ok: false, ...answer };
  };

  const returned = query.state;
  const held = cookieValue(request.headers.cookie, loginCookieName(state));
  if (typeof returned !== 'string' || held === undefined || !sameText(returned, held))
    return refused(BAD_STATE, 'state_mismatch');
  const login = await takeLoginState(deps.ephemeral, returned);
  if (login === null || login.provider !== provider.name) return refused(BAD_STATE, 'unknown_state');
  if (query.error !== undefined) {
    const code = PROVIDER_ERRORS.test(query.error) ? query.error : 'other';
    return refused(REFUSED, 'provider_refused', null, { error: code });
  }

  let claims: Record<string, unknown>;
  let evidence: TokenEvidence;
  try {
    const config = await deps.providers.configuration(provider);
    const client = await openidClient();
    const callback = new URL(request.raw.url ?? '/', state.publicUrl.origin);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: login.verifier,
      expectedState: returned,
      expectedNonce: login.nonce,
      idTokenExpected: true,
      ...(login.maxAge === undefined ? {} : { maxAge: login.maxAge }),
    });
    claims = { ...(tokens.claims() ?? {}) };
    evidence = {
      iss: claims.iss,
      sub: claims.sub,
      aud: claims.aud,
      iat: claims.iat,
      auth_time: claims.auth_time,
      amr: claims.amr,
      sha256: createHash('sha256')
        .update(tokens.id_token ?? '')
        .digest('base64url'),
    };
  } catch (err) {
    if (unreachable(err)) {
      request.log.warn(
        { provider: provider.name, err: { message: (err as Error).message } },
        'identity provider unavailable',
      );
      return refused(UNAVAILABLE, 'provider_unavailable');
    }
    const code = (err as { code?: string; error?: string }).error ?? (err as { code?: string }).code ?? 'invalid';
    return refused(REFUSED, 'token_refused', null, { error: String(code).slice(0, 60) });
  }

  const found = identityFromClaims(provider, claims, deps.clock.now());
  if (!found.ok) return refused(REFUSED, found.reason, null, { detail: found.detail });
  const identity = found.identity;

  // the name this person has here: the one their subject signed in with first
  const known = await deps.durable.findProviderUser(provider.name, identity.subject);
  const name = known?.user ?? identity.username;
  if (state.users.get(name) !== undefined) return refused(REFUSED, 'name_clash', name, { with: 'users.yaml' });
  const now = deps.clock.now();
  const saved = await deps.durable.saveProviderUser({
    user: name,
    provider: provider.name,
    subject: identity.subject,
    tenant: identity.tenant,
    displayName: identity.displayName,
    email: identity.email,
    groups: identity.groups,
    createdAt: now,
    lastSeenAt: now,
  });
  if (!saved) return refused(REFUSED, 'name_clash', name, { with: 'another provider account' });
  if ((await deps.lockout.lockedBy({ account: name, ip: request.pc.ip, device: null })) !== null)
    return refused(REFUSED, 'locked', name);

  const user = providerDirectoryUser({ ...identity, name });
  if (known !== undefined && known !== null && known.user !== identity.username)
    request.log.info({ provider: provider.name, user: name }, 'provider user name changed upstream; kept the first');
  return { ok: true, user, identity, login, evidence };
}
