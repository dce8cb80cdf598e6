import type { FastifyInstance } from 'fastify';
import { auditFrom } from '../audit/where.ts';
import type { PortalDeps } from '../authn/deps.ts';
import { ipKeyPart } from '../authn/lockout-keys.ts';
import { defaultRedirect, safeRedirect } from '../authn/redirect.ts';
import { goOnAfterFirstFactor, startSession } from '../authn/sign-in.ts';
import { refuse } from '../gate/respond.ts';
import { readSession } from '../gate/session-lookup.ts';
import { Type } from '../json-schema.ts';
import { callbackAddress, startAddress } from './addresses.ts';
import { openidClient, ProviderUnavailable } from './discovery.ts';
import { clearLoginCookie, setLoginCookie } from './login-cookie.ts';
import { LOGIN_STATE_TTL_MS, putLoginState } from './login-state.ts';
import { providerFor } from './provider-choices.ts';
import { type CallbackQuery, finishProviderSignIn } from './provider-sign-in.ts';

/** Sign-ins a client address (IPv6: its /64) may start per ten minutes. */
export const STARTS_PER_WINDOW = 30;

const Params = Type.Object(
  { name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }) },
  { additionalProperties: false },
);
const StartQuery = Type.Object(
  { rd: Type.Optional(Type.String({ maxLength: 4096 })) },
  { additionalProperties: false },
);
/** What providers send back: the code, state and error, and whatever else they add (session_state, iss, ...). */
const CallbackQuerySchema = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 4096 })),
    state: Type.Optional(Type.String({ maxLength: 512 })),
    error: Type.Optional(Type.String({ maxLength: 256 })),
    error_description: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: Type.String({ maxLength: 4096 }) },
);

/**
 * Sign-in through an identity provider (contract section 10, docs/identity-providers.md):
 * `GET oidc/<name>/start?rd=` sends the browser to the provider (authorization code with PKCE,
 * `state`, `nonce`), and `GET oidc/<name>/callback`, on the portal host, signs the person in
 * (provider-sign-in.ts) with the first factor `oidc`, then goes on as after a password: the
 * second factor the policy asks, enrolment, or where rd goes.
 */
export function oidcRoutes(deps: PortalDeps) {
  return async function oidc(app: FastifyInstance): Promise<void> {
    app.get('/oidc/:name/start', { schema: { params: Params, querystring: StartQuery } }, async (request, reply) => {
      const state = request.pc.state;
      const { name } = request.params as { name: string };
      const provider = state.providers.get(name);
      if (provider === undefined) return refuse(request, reply, 404, 'not_found', 'errors.notFound');
      const rd =
        safeRedirect((request.query as { rd?: string }).rd, state, request.pc.origin) ?? defaultRedirect(state);
      reply.header('cache-control', 'no-store');
      // the browser's half of the state is a cookie of the portal's, where the callback lands
      if (request.pc.origin !== state.publicUrl.origin) return reply.redirect(startAddress(state, name, rd), 302);
      // a client's provider signs in its own users for its own apps, never for another client's
      if (!providerFor(state, provider, rd))
        return refuse(request, reply, 403, 'provider_not_for_app', 'errors.idpRefused');
      // anyone may start one, and each is kept for ten minutes: a bounded number per client address
      if (request.pc.ip !== null) {
        const started = await deps.ephemeral.increment(`oidc-rate:${ipKeyPart(request.pc.ip)}`, LOGIN_STATE_TTL_MS);
        if (started > STARTS_PER_WINDOW) return refuse(request, reply, 429, 'rate_limited', 'errors.rateLimited');
      }
      let config: Awaited<ReturnType<typeof deps.providers.configuration>>;
      try {
        config = await deps.providers.configuration(provider);
      } catch (err) {
        if (!(err instanceof ProviderUnavailable)) throw err;
        request.log.warn({ provider: name, err: { message: err.message } }, 'identity provider unavailable');
        deps.metrics.observeLogin('unavailable');
        return refuse(request, reply, 503, 'provider_unavailable', 'errors.idpUnavailable');
      }
      // signing in again over a live session (a rule wants a fresh sign-in, or another account):
      // the provider must authenticate the person now, not answer from its own single sign-on
      const found = await readSession(request, reply, deps.sessions, deps.metrics);
      if (found === 'unavailable') return reply;
      const again = found.session !== null;
      const client = await openidClient();
      const { state: value, login } = await putLoginState(deps.ephemeral, deps.random, {
        provider: name,
        rd,
        ...(again ? { maxAge: 0 } : {}),
      });
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: callbackAddress(state, name),
        scope: provider.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(login.verifier),
        code_challenge_method: 'S256',
        state: value,
        nonce: login.nonce,
        ...(again ? { max_age: '0', prompt: 'login' } : {}),
      });
      setLoginCookie(reply, state, value);
      return reply.redirect(url.href, 302);
    });

    app.get(
      '/oidc/:name/callback',
      { schema: { params: Params, querystring: CallbackQuerySchema } },
      async (request, reply) => {
        const state = request.pc.state;
        const { name } = request.params as { name: string };
        const provider = state.providers.get(name);
        if (provider === undefined || request.pc.origin !== state.publicUrl.origin)
          return refuse(request, reply, 404, 'not_found', 'errors.notFound');
        reply.header('cache-control', 'no-store');
        clearLoginCookie(reply, state);
        const result = await finishProviderSignIn(deps, request, provider, request.query as CallbackQuery);
        if (!result.ok) return refuse(request, reply, result.status, result.error, result.message);
        const { user, identity, login, evidence } = result;
        const signed = await startSession(
          deps,
          request,
          reply,
          user,
          identity.upstreamMfa ? ['oidc', 'oidc_mfa'] : 'oidc',
          {
            provenAt: identity.authTime,
            idp: {
              p: provider.name,
              s: identity.subject,
              n: identity.displayName,
              e: identity.email,
              g: identity.groups,
              t: identity.tenant,
            },
          },
        );
        deps.metrics.observeLogin('success');
        deps.audit.record({
          event: 'login.success',
          outcome: 'success',
          tenant: user.tenant,
          user: user.name,
          ...auditFrom(request),
          app: null,
          rule: null,
          detail: { factor: 'oidc', provider: provider.name, upstream_mfa: identity.upstreamMfa, evidence },
        });
        return goOnAfterFirstFactor(deps, request, reply, signed, login.rd);
      },
    );
  };
}
