import { createHash } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditFrom, auditWhere } from '../../../audit/where.ts';
import { type TProperties, type TSchema, Type } from '../../../json-schema.ts';
import type { FactorName } from '../../../session/session.ts';
import { pageText } from '../../../web/html.ts';
import type { MessageKey } from '../../../web/i18n/messages.ts';
import { csrfGuard } from '../../csrf.ts';
import type { PortalDeps } from '../../deps.ts';
import { presentedDevice } from '../../device-cookie.ts';
import type { Client } from '../../lockout.ts';
import { ipKeyPart } from '../../lockout-keys.ts';
import { decisionFor } from '../../next-step.ts';
import { auditFactor, mayEnrol, proveFactor, raiseSession, signedIn } from '../../prove-factor.ts';
import { defaultRedirect, safeRedirect } from '../../redirect.ts';
import { noSession } from '../../session-ended.ts';
import { afterFirstFactor, startSession } from '../../sign-in.ts';
import { CHALLENGE_TTL_MS, type Refused, type WebAuthnRefusal } from './ceremonies.ts';

/** Passwordless challenges one client IP (IPv6: its /64) may ask for per challenge lifetime. */
export const PASSWORDLESS_OPTIONS_PER_WINDOW = 60;

/** base64url, as the WebAuthn JSON serialisation writes binary */
const B64 = (max: number) => Type.String({ pattern: '^[A-Za-z0-9_-]*$', maxLength: max });
const Extensions = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 16 });
const Attachment = Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]));

const Strict = { additionalProperties: false } as const;

/** PublicKeyCredential JSON of navigator.credentials.create(), as @simplewebauthn/browser returns it */
const RegistrationResponse = Type.Object(
  {
    id: B64(1400),
    rawId: B64(1400),
    type: Type.Literal('public-key'),
    response: Type.Object(
      {
        clientDataJSON: B64(8192),
        attestationObject: B64(65536),
        authenticatorData: Type.Optional(B64(65536)),
        transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 })),
        publicKeyAlgorithm: Type.Optional(Type.Integer()),
        publicKey: Type.Optional(B64(8192)),
      },
      Strict,
    ),
    authenticatorAttachment: Attachment,
    clientExtensionResults: Extensions,
  },
  Strict,
);
/** PublicKeyCredential JSON of navigator.credentials.get() */
const AuthenticationResponse = Type.Object(
  {
    id: B64(1400),
    rawId: B64(1400),
    type: Type.Literal('public-key'),
    response: Type.Object(
      {
        clientDataJSON: B64(8192),
        authenticatorData: B64(65536),
        signature: B64(2048),
        userHandle: Type.Optional(B64(256)),
      },
      Strict,
    ),
    authenticatorAttachment: Attachment,
    clientExtensionResults: Extensions,
  },
  Strict,
);
const KeyName = Type.String({ minLength: 1, maxLength: 64 });
const Rd = Type.String({ maxLength: 4096 });

/**
 * A verify body: the bare credential JSON (contract), or the wrapper `{response, ...}`. An object
 * with an `id` is taken as the bare credential, anything else as the wrapper, so a bad body is
 * refused with the problem of the shape it meant (not "matches no schema").
 */
const credentialOrWrapper = <C extends TSchema, W extends TProperties>(credential: C, wrapper: W) =>
  Type.Dependent(
    Type.Object({ id: Type.Unknown() }),
    credential,
    Type.Object({ response: credential, ...wrapper }, Strict),
  );
const RegisterVerifyBody = credentialOrWrapper(RegistrationResponse, { name: Type.Optional(KeyName) });
const RegisterVerifyQuery = Type.Object({ name: Type.Optional(KeyName) }, Strict);
const LoginVerifyBody = credentialOrWrapper(AuthenticationResponse, { rd: Type.Optional(Rd) });
const LoginVerifyQuery = Type.Object({ rd: Type.Optional(Rd) }, Strict);
const Empty = Type.Object({}, { additionalProperties: false });

/** The `message` of each refusal, which the page's script shows: in the language of the request's page. */
export const WEBAUTHN_MESSAGES: Record<WebAuthnRefusal, MessageKey> = {
  challenge_expired: 'webauthn.error.challengeExpired',
  invalid_response: 'webauthn.error.invalidResponse',
  user_verification_required: 'webauthn.error.userVerification',
  unknown_credential: 'webauthn.error.unknownCredential',
  already_registered: 'webauthn.error.alreadyRegistered',
  authenticator_not_allowed: 'webauthn.error.notAllowed',
  counter_regression: 'webauthn.error.cloned',
  no_credentials: 'webauthn.error.noCredentials',
};

/** A refusal: 401 for a failed proof, 409 for registration conflicts, 403 for policy. */
function refuse(request: FastifyRequest, reply: FastifyReply, r: Refused) {
  const status =
    r.error === 'already_registered' || r.error === 'no_credentials'
      ? 409
      : r.error === 'authenticator_not_allowed'
        ? 403
        : 401;
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({ error: 'webauthn_failed', reason: r.error, message: pageText(request).t(WEBAUTHN_MESSAGES[r.error]) });
}

type Wrapped<C> = { readonly response: C; readonly name?: string; readonly rd?: string };

/**
 * The credential of a verify body (either shape) and the wrapper's `field` (`name`, `rd`), which
 * may come as a query parameter instead: the only way to give it with the bare shape. Null when
 * it is given in both places (which one was meant is not guessed).
 */
function verifyInput<C extends { readonly id: string }>(
  request: FastifyRequest,
  field: 'name' | 'rd',
): { credential: C; value: string | undefined } | null {
  const body = request.body as C | Wrapped<C>;
  const inQuery = (request.query as Partial<Record<typeof field, string>>)[field];
  if ('id' in body) return { credential: body, value: inQuery };
  const inBody = body[field];
  if (inBody !== undefined && inQuery !== undefined) return null;
  return { credential: body.response, value: inBody ?? inQuery };
}

/** 400 for a field given both in the body and in the query; nothing was looked at or spent. */
const givenTwice = (reply: FastifyReply, field: string) =>
  reply
    .code(400)
    .header('cache-control', 'no-store')
    .send({ error: 'bad_request', message: `${field} is given both in the body and in the query: give it once.` });

/** Binds a pending ceremony to the session (a digest: the session id itself is never a store key). */
const ceremonyOf = (sessionId: string) => createHash('sha256').update(sessionId).digest('base64url').slice(0, 22);

/** What a verified assertion proves: a key, and with user verification the phishing-resistant level. */
const proofs = (uv: boolean): FactorName[] => (uv ? ['webauthn', 'webauthn_uv'] : ['webauthn']);

/**
 * The WebAuthn JSON API (contract: `POST /.portcullis/api/webauthn/{register,login}/{options,verify}`):
 * registration of security keys and passkeys (signed in; next to existing factors only with a
 * second factor proven in the last 10 minutes), a second factor after the password, and
 * passwordless sign-in with a passkey when no session is there. The verify endpoints take the
 * bare PublicKeyCredential JSON (rd and name then in the query) or the wrapper `{response, ...}`;
 * a body that fits neither is refused by its schema before a challenge is spent.
 */
export function webauthnRoutes(deps: PortalDeps) {
  return async function webauthn(app: FastifyInstance): Promise<void> {
    const json = csrfGuard('json');

    /** An audit event about `user` (null: not known) that may have no session. */
    function auditAbout(
      request: FastifyRequest,
      user: string | null,
      event: string,
      outcome: 'failure' | 'info',
      detail: Record<string, unknown>,
    ) {
      const entry = user === null ? undefined : request.pc.state.users.get(user);
      deps.audit.record({
        event,
        outcome,
        tenant: entry?.tenant ?? null,
        user,
        ...auditFrom(request),
        app: request.pc.app?.name ?? null,
        rule: null,
        detail,
      });
    }

    /** A failed passkey sign-in, or a cloned-key alarm: audited with what was learnt. */
    function auditRefusal(request: FastifyRequest, user: string | null, r: Refused, passwordless: boolean) {
      auditAbout(
        request,
        user,
        r.error === 'counter_regression' ? 'webauthn.counter_regression' : 'login.failure',
        'failure',
        { factor: 'webauthn', reason: r.error, ...(r.detail ? { detail: r.detail } : {}), passwordless },
      );
    }

    app.post(
      '/api/webauthn/register/options',
      { onRequest: json, schema: { body: Type.Optional(Empty) } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const s = await signedIn(deps, request, reply);
        if (s === 'unavailable') return reply;
        if (s === null) return noSession(request, reply);
        if (!mayEnrol(s, (await deps.factors.list(s.user.name)).length, deps.clock.now()))
          return reply
            .code(403)
            .send({ error: 'step_up_required', message: pageText(request).t('errors.stepUpRequired') });
        return deps.webauthn.registrationOptions(
          request.pc.state.webauthn,
          { name: s.user.name, displayName: s.user.displayName },
          ceremonyOf(s.sessionId),
        );
      },
    );

    app.post(
      '/api/webauthn/register/verify',
      { onRequest: json, schema: { body: RegisterVerifyBody, querystring: RegisterVerifyQuery } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const input = verifyInput<RegistrationResponseJSON>(request, 'name');
        if (input === null) return givenTwice(reply, 'name');
        const s = await signedIn(deps, request, reply);
        if (s === 'unavailable') return reply;
        if (s === null) return noSession(request, reply);
        const first = (await deps.factors.list(s.user.name)).length === 0;
        const result = await deps.webauthn.verifyRegistration(
          request.pc.state.webauthn,
          s.user.name,
          input.credential,
          input.value ?? 'Security key',
          ceremonyOf(s.sessionId),
        );
        if (!result.ok) {
          auditFactor(deps, request, s, 'enroll.webauthn.failure', 'failure', {
            reason: result.error,
            ...(result.detail ? { detail: result.detail } : {}),
          });
          return refuse(request, reply, result);
        }
        await raiseSession(deps, request, reply, s, proofs(result.uv));
        const recoveryCodes = first ? await deps.factors.recovery.regenerate(s.user.name) : [];
        auditFactor(deps, request, s, 'enroll.webauthn', 'success', {
          factor: result.factor.id,
          name: result.factor.name,
          user_verified: result.uv,
          recovery_codes_issued: recoveryCodes.length,
        });
        return {
          status: 'registered',
          factor: { id: result.factor.id, name: result.factor.name, user_verified: result.uv },
          recovery_codes: recoveryCodes,
        };
      },
    );

    app.post(
      '/api/webauthn/login/options',
      { onRequest: json, schema: { body: Type.Optional(Empty) } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const s = await signedIn(deps, request, reply);
        if (s === 'unavailable') return reply;
        // anyone may ask for passwordless options: each stores a challenge, so a client gets a
        // bounded number of them per window
        if (s === null && request.pc.ip !== null) {
          const asked = await deps.ephemeral.increment(`wa:pl-rate:${ipKeyPart(request.pc.ip)}`, CHALLENGE_TTL_MS);
          if (asked > PASSWORDLESS_OPTIONS_PER_WINDOW)
            return reply.code(429).send({ error: 'rate_limited', message: pageText(request).t('errors.rateLimited') });
        }
        const result = await deps.webauthn.authenticationOptions(
          request.pc.state.webauthn,
          s?.user.name ?? null,
          s === null ? '' : ceremonyOf(s.sessionId),
        );
        if (!result.ok) return refuse(request, reply, result);
        return result.options;
      },
    );

    app.post(
      '/api/webauthn/login/verify',
      { onRequest: json, schema: { body: LoginVerifyBody, querystring: LoginVerifyQuery } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const input = verifyInput<AuthenticationResponseJSON>(request, 'rd');
        if (input === null) return givenTwice(reply, 'rd');
        const { credential, value: rdAsked } = input;
        const state = request.pc.state;
        const s = await signedIn(deps, request, reply);
        if (s === 'unavailable') return reply;

        if (s !== null) {
          // a second factor (or a step-up) for the signed-in user
          let refusal: Refused | null = null;
          // a key that does not verify the user is not enough for a phishing-resistant page: it is
          // refused, or the page would send the person straight back to the step-up
          const rd = safeRedirect(rdAsked, state, request.pc.origin);
          const decision =
            rd === null
              ? null
              : decisionFor(state, s.user, rd, {
                  ip: request.pc.ip,
                  now: deps.clock.now(),
                  userAgent: request.headers['user-agent'],
                  session: s.session,
                });
          const needsUv = decision?.action === 'authenticate' && decision.require.level === 'phishing_resistant';
          const proved = await proveFactor(deps, request, reply, s, 'webauthn', async () => {
            const r = await deps.webauthn.verifyAuthentication(
              state.webauthn,
              s.user.name,
              credential,
              ceremonyOf(s.sessionId),
            );
            if (!r.ok) {
              refusal = r;
              return { ok: false, reason: r.error };
            }
            if (needsUv && !r.uv) {
              refusal = { ok: false, error: 'user_verification_required' };
              return { ok: false, reason: refusal.error };
            }
            return { ok: true, proves: proofs(r.uv) };
          });
          if (!proved.ok) {
            const r: Refused = refusal ?? { ok: false, error: 'invalid_response', detail: 'locked' };
            // proveFactor audited the failure; a cloned key is a security event of its own
            if (r.error === 'counter_regression') auditRefusal(request, s.user.name, r, false);
            return refuse(request, reply, r);
          }
          return { status: 'authenticated' };
        }

        // passwordless: the passkey names its user. The address throttle does not apply: a
        // passkey cannot be guessed (its failures still count towards the address, which
        // throttles password guessing from there); a locked account or browser is refused.
        const result = await deps.webauthn.verifyAuthentication(state.webauthn, null, credential);
        const entry = result.ok ? state.users.get(result.user) : undefined;
        const who = result.ok ? result.user : null;
        const device = who === null ? null : await presentedDevice(deps, request, who);
        const client: Client = { account: who, ip: request.pc.ip, device: device?.record.id ?? null };
        const locked = (await deps.lockout.lockedBy(client)) !== null;
        if (!result.ok || entry === undefined || entry.disabled || locked) {
          const r: Refused = result.ok ? { ok: false, error: 'unknown_credential', detail: 'user' } : result;
          const counted = await deps.lockout.recordFailure(client, 'webauthn');
          for (const event of counted.events) auditAbout(request, who, 'lockout', 'info', { ...event });
          // a cloned passkey: the alarm names the user whose key it is
          auditRefusal(request, who ?? r.user ?? null, r, true);
          deps.metrics.observeLogin('failure');
          return refuse(request, reply, r);
        }
        const signed = await startSession(deps, request, reply, entry, proofs(result.uv));
        deps.audit.record({
          event: 'login.success',
          outcome: 'success',
          tenant: entry.tenant,
          user: entry.name,
          ...auditWhere(state, request.pc.ip, request.headers['user-agent']),
          requestId: request.id,
          app: request.pc.app?.name ?? null,
          rule: null,
          detail: { factor: 'passkey', credential: result.factor.name, user_verified: result.uv },
        });
        deps.metrics.observeLogin('success');
        const redirect = safeRedirect(rdAsked, state, request.pc.origin) ?? defaultRedirect(state);
        const { step } = await afterFirstFactor(deps, request, reply, signed, redirect);
        return step.status === 'authenticated' ? { status: 'authenticated', redirect } : step;
      },
    );
  };
}
