/**
 * Push approval's JSON API (contract section 8), under /.portcullis/:
 *
 *   GET  api/push/vapid            {public_key}: the applicationServerKey (404 push_disabled)
 *   POST api/push/devices          enrol a browser or phone: {name, subscription, public_key} -> 201 {id},
 *                                  or a link channel: {name, link: {kind: ntfy|slack|teams, url}}
 *   POST api/push/start            after the password: a request to the user's devices -> 201 {rid, number, expires_at}
 *   POST api/mfa/push {rid}        the sign-in waits: 202 pending, 200 authenticated (the session
 *                                  rises, once), 401 push_denied / push_expired
 *   POST api/push/requests/{rid}   the device's answer, a compact JWS (application/jose): view,
 *                                  approve (with the number picked), deny, report
 *
 * The first three need the user's session (JSON, same origin); the last one is the device's own
 * and needs no session: the JWS is its proof (answer-token.ts). Every refusal changes nothing.
 * The step-up page's part is push-page-routes.ts; phones are enrolled from the approving web app.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditFrom } from '../../../audit/where.ts';
import { findUser } from '../../../idp/provider-user.ts';
import { Type } from '../../../json-schema.ts';
import type { LinkChannel } from '../../../push/link-send.ts';
import { verifyAnswer, verifyDeviceJws } from '../../../push/requests/answer-token.ts';
import type { AnswerResult, PushRequest } from '../../../push/requests/push-requests.ts';
import { pageText } from '../../../web/html.ts';
import { csrfGuard } from '../../csrf.ts';
import type { PortalDeps } from '../../deps.ts';
import { auditFactor, mayEnrol, type Signed } from '../../prove-factor.ts';
import { apiSession } from '../../session-ended.ts';
import { qrSvg } from '../totp/qr.ts';
import { PAIRING_TTL_MS } from './push-pairing.ts';
import { settlePush } from './push-proof.ts';
import { START_STATUS, startPush } from './push-start.ts';

const B64 = (min: number, max: number) => Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: min, maxLength: max });
const WebPushBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    subscription: Type.Object(
      {
        endpoint: Type.String({ minLength: 12, maxLength: 2048, pattern: '^https?://' }),
        expirationTime: Type.Optional(Type.Union([Type.Null(), Type.Number()])),
        keys: Type.Object({ p256dh: B64(87, 87), auth: B64(22, 22) }, { additionalProperties: false }),
      },
      { additionalProperties: false },
    ),
    pairing: Type.Optional(B64(43, 43)),
    public_key: Type.Object(
      {
        kty: Type.Literal('EC'),
        crv: Type.Literal('P-256'),
        x: B64(43, 43),
        y: B64(43, 43),
        ext: Type.Optional(Type.Boolean()),
        key_ops: Type.Optional(Type.Array(Type.Literal('verify'), { maxItems: 1 })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const LinkBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    link: Type.Object(
      {
        kind: Type.Union([Type.Literal('ntfy'), Type.Literal('slack'), Type.Literal('teams')]),
        url: Type.String({ minLength: 12, maxLength: 2048, pattern: '^https?://' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const DeviceBody = Type.Union([WebPushBody, LinkBody]);
const Empty = Type.Object({}, { additionalProperties: false });
const RidParams = Type.Object({ rid: B64(1, 64) });
const DeviceParams = Type.Object({ id: B64(22, 22) });
const RidBody = Type.Object({ rid: B64(1, 64) }, { additionalProperties: false });

/** What a refused device answer says: its reason, as 401 (404: a request the device's user does not have). */
const REFUSED_STATUS: Record<string, number> = { unknown_request: 404 };

export function pushRoutes(deps: PortalDeps) {
  return async function push(app: FastifyInstance): Promise<void> {
    const json = csrfGuard('json');
    app.addContentTypeParser('application/jose', { parseAs: 'string', bodyLimit: 8192 }, (_req, body, done) =>
      done(null, body),
    );

    app.get('/api/push/vapid', async (_request, reply) => {
      const key = await deps.pushDevices.vapidPublicKey();
      reply.header('cache-control', 'no-store');
      return key === null ? reply.code(404).send({ error: 'push_disabled' }) : { public_key: key };
    });

    app.post('/api/push/devices', { onRequest: json, schema: { body: DeviceBody } }, async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const body = request.body as
        | {
            name: string;
            pairing?: string;
            subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
            public_key: Record<string, unknown>;
          }
        | { name: string; link: LinkChannel };
      // a phone paired from the account page brings the one-time code instead of a session
      let user: { name: string; tenant: string | null };
      if ('pairing' in body && body.pairing !== undefined) {
        const name = await deps.pushPairing.take(body.pairing);
        const paired = name === null ? undefined : await findUser(deps.current(), deps.durable, name);
        if (paired === undefined || paired.disabled) return reply.code(401).send({ error: 'invalid_pairing' });
        user = paired;
      } else {
        const s = await apiSession(deps, request, reply);
        if (s === null) return reply;
        if (!mayEnrol(s, (await deps.factors.list(s.user.name)).length, deps.clock.now()))
          return reply
            .code(403)
            .send({ error: 'step_up_required', message: pageText(request).t('errors.stepUpRequired') });
        user = s.user;
      }
      const enrolled =
        'link' in body
          ? await deps.pushDevices.enrolLink(user.name, body.name, body.link)
          : await deps.pushDevices.enrolWebPush(user.name, {
              name: body.name,
              subscription: body.subscription,
              publicKey: body.public_key,
            });
      const channel = 'link' in body ? body.link.kind : 'webpush';
      deps.audit.record({
        event: enrolled.ok ? 'enroll.push' : 'enroll.push.failure',
        outcome: enrolled.ok ? 'success' : 'failure',
        tenant: user.tenant,
        user: user.name,
        ...auditFrom(request),
        app: null,
        rule: null,
        detail: enrolled.ok ? { factor: enrolled.id, channel } : { reason: enrolled.error, channel },
      });
      if (!enrolled.ok)
        return reply.code(enrolled.error === 'push_disabled' ? 404 : 422).send({ error: enrolled.error });
      return reply.code(201).send({ id: enrolled.id });
    });

    app.post(
      '/api/push/pairing',
      { onRequest: json, schema: { body: Type.Optional(Empty) } },
      async (request, reply) => {
        const s = await apiSession(deps, request, reply);
        if (s === null) return reply;
        reply.header('cache-control', 'no-store');
        const paired = await pairing(deps, request, s);
        if (paired === 'push_disabled') return reply.code(404).send({ error: paired });
        if (paired === 'step_up_required')
          return reply.code(403).send({ error: paired, message: pageText(request).t('errors.stepUpRequired') });
        return { url: paired.url, qr_svg: paired.qrSvg, expires_at: new Date(paired.expiresAt).toISOString() };
      },
    );

    app.post('/api/push/start', { onRequest: json, schema: { body: Type.Optional(Empty) } }, async (request, reply) => {
      const s = await apiSession(deps, request, reply);
      if (s === null) return reply;
      reply.header('cache-control', 'no-store');
      const started = await startPush(deps, request, s);
      if (!started.ok) {
        if (started.error !== 'push_rate_limited')
          return reply.code(START_STATUS[started.error]).send({ error: started.error });
        const seconds = Math.max(1, Math.ceil((started.retryAfterMs ?? 60_000) / 1000));
        return reply
          .code(429)
          .header('retry-after', String(seconds))
          .send({ error: started.error, reason: started.reason, retry_after: seconds });
      }
      const pushed = started.request;
      return reply
        .code(201)
        .send({ rid: pushed.rid, number: pushed.number, expires_at: new Date(pushed.expiresAt).toISOString() });
    });

    app.post('/api/mfa/push', { onRequest: json, schema: { body: RidBody } }, async (request, reply) => {
      const s = await apiSession(deps, request, reply);
      if (s === null) return reply;
      reply.header('cache-control', 'no-store');
      const outcome = await settlePush(deps, request, reply, s, (request.body as { rid: string }).rid);
      if (outcome.status === 'pending') return reply.code(202).send({ status: 'pending' });
      if (outcome.status === 'authenticated') return { status: 'authenticated' };
      return reply.code(outcome.error === 'unknown_request' ? 404 : 401).send({ error: outcome.error });
    });

    // the device's browser renewed its push subscription (pushsubscriptionchange): signed by the device
    app.post('/api/push/devices/:id/subscription', { schema: { params: DeviceParams } }, async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const { id } = request.params as { id: string };
      const body = typeof request.body === 'string' ? request.body.trim() : null;
      const signer = await deps.pushDevices.signer(id);
      if (signer === null || body === null) return reply.code(401).send({ error: 'unknown_device' });
      const signed = await verifyDeviceJws(body, signer, deps.clock.now());
      if (!signed.ok) return reply.code(401).send({ error: signed.reason });
      const p = signed.payload as { action?: unknown; endpoint?: unknown; p256dh?: unknown; auth?: unknown };
      if (
        p.action !== 'resubscribe' ||
        typeof p.endpoint !== 'string' ||
        p.endpoint.length > 2048 ||
        typeof p.p256dh !== 'string' ||
        !/^[A-Za-z0-9_-]{87}$/.test(p.p256dh) ||
        typeof p.auth !== 'string' ||
        !/^[A-Za-z0-9_-]{22}$/.test(p.auth)
      )
        return reply.code(400).send({ error: 'bad_subscription' });
      const renewed = await deps.pushDevices.resubscribe(id, {
        endpoint: p.endpoint,
        keys: { p256dh: p.p256dh, auth: p.auth },
      });
      if (!renewed) return reply.code(422).send({ error: 'endpoint_not_allowed' });
      deps.audit.record({
        event: 'push.resubscribed',
        outcome: 'info',
        tenant: deps.current().users.get(signer.user)?.tenant ?? null,
        user: signer.user,
        ...auditFrom(request),
        app: null,
        rule: null,
        detail: { device: id },
      });
      return reply.code(204).send();
    });

    app.post('/api/push/requests/:rid', { schema: { params: RidParams } }, async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const { rid } = request.params as { rid: string };
      const body = typeof request.body === 'string' ? request.body.trim() : null;
      const refuse = (error: string) => reply.code(REFUSED_STATUS[error] ?? 401).send({ error });
      if ((request.headers['content-type'] ?? '').split(';')[0]?.trim() !== 'application/jose' || body === null)
        return refuse('malformed');
      const signer = await deps.pushDevices.signer(kidOf(body));
      if (signer === null) return refuse('unknown_device');
      const verified = await verifyAnswer(body, signer, rid, deps.clock.now());
      if (!verified.ok) return refuse(verified.reason);
      const result = await deps.push.answer(signer.user, verified.answer, signer.id);
      if (!result.ok) return refuse(result.reason);
      if (result.action === 'view') return viewOf(result.request);
      await recordAnswer(deps, request, signer, result);
      return { state: result.state };
    });
  };
}

/** The `kid` of a compact JWS's header, unverified (it only names the key to verify with). */
function kidOf(token: string): unknown {
  try {
    return (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown }).kid;
  } catch {
    return undefined;
  }
}

/** What the approving device shows: where the sign-in comes from, and the numbers to pick from. */
function viewOf(r: PushRequest) {
  return {
    app: r.app,
    host: r.host,
    ip: r.ip,
    country: r.country,
    browser: r.browser,
    os: r.os,
    time: new Date(r.createdAt).toISOString(),
    choices: r.choices,
  };
}

/** The audit of a device's answer; a report also calls the operator's alert webhook. */
export async function recordAnswer(
  deps: PortalDeps,
  request: FastifyRequest,
  device: { user: string; id: string },
  result: Extract<AnswerResult, { action: 'approve' | 'deny' | 'report' }>,
): Promise<void> {
  const r = result.request;
  const suspicious = result.state === 'reported' || result.wrongChoice;
  deps.audit.record({
    event:
      result.state === 'approved' ? 'push.approved' : result.state === 'reported' ? 'push.reported' : 'push.denied',
    outcome: suspicious ? 'alert' : result.state === 'approved' ? 'success' : 'failure',
    tenant: r.tenant,
    user: r.user,
    ...auditFrom(request),
    app: r.app,
    rule: null,
    detail: {
      rid: r.rid,
      device: device.id,
      sign_in_ip: r.ip,
      ...(result.wrongChoice ? { wrong_number: true } : {}),
      ...(result.cooldown ? { cooldown: true } : {}),
    },
  });
  const webhook = deps.current().push?.alertWebhook ?? null;
  if (result.state === 'reported' && webhook !== null) {
    // the operator's own endpoint: a failure is logged, it never changes the answer
    await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        event: 'push.reported',
        user: r.user,
        tenant: r.tenant,
        app: r.app,
        ip: r.ip,
        country: r.country,
        time: new Date(deps.clock.now()).toISOString(),
      }),
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    })
      .then((res) => res.body?.cancel())
      .catch((err: Error) => request.log.warn({ err: { message: err.message } }, 'the push alert webhook failed'));
  }
}

/** A pairing code for the signed-in user, as a link and its QR code (10 minutes, once). */
export async function pairing(
  deps: PortalDeps,
  request: FastifyRequest,
  s: Signed,
): Promise<{ url: string; qrSvg: string; expiresAt: number } | 'push_disabled' | 'step_up_required'> {
  if (deps.current().push === null) return 'push_disabled';
  if (!mayEnrol(s, (await deps.factors.list(s.user.name)).length, deps.clock.now())) return 'step_up_required';
  const code = await deps.pushPairing.issue(s.user.name);
  const url = `${deps.current().publicUrl.origin}/.portcullis/push/app#pair=${code}`;
  auditFactor(deps, request, s, 'push.pairing', 'info', {});
  return { url, qrSvg: await qrSvg(url), expiresAt: deps.clock.now() + PAIRING_TTL_MS };
}
