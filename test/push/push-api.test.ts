/**
 * Push approval through the gateway's API, with a push service that runs in the test and
 * decrypts on its own (push-service.ts) and a device key made with WebCrypto: enrolling a
 * browser, starting a push after the password (the message carries the request id, the app and
 * the expiry, never the number), the device's view and approval with the number the sign-in
 * shows, and every refusal changing nothing: no session, an endpoint not allowed, a key that is
 * not a public P-256 key, another device's JWS, a replay, over the rate limit, after a report
 * (which also calls the alert webhook), a subscription the push service says is gone.
 */
import assert from 'node:assert/strict';
import { randomBytes, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { CompactSign, exportJWK, type JWK } from 'jose';
import { issueCode, portalApi } from '../access-codes/helpers.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type Answer, cookieFrom } from '../helpers/http.ts';
import { requireService } from '../helpers/services.ts';
import { type PushSubscriptionJson, TestPushService } from './push-service.ts';

interface Device {
  publicKey: JWK;
  id?: string;
  sign(payload: Record<string, unknown>, kid?: string): Promise<string>;
}

async function deviceKey(): Promise<Device> {
  const pair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const device: Device = {
    publicKey: await exportJWK(pair.publicKey),
    sign: (payload, kid) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'ES256', kid: kid ?? (device.id as string) })
        .sign(pair.privateKey),
  };
  return device;
}

async function setUp(t: TestContext, push: Record<string, unknown> = {}) {
  const service = await TestPushService.start();
  t.after(() => service.close());
  const alerts: unknown[] = [];
  const webhook = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    alerts.push(JSON.parse(Buffer.concat(chunks).toString()));
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => webhook.close(() => resolve())));
  const gw = await startTestGateway({
    gateway: {
      mfa: {
        push: {
          subject: 'mailto:security@msp.example',
          endpoint_hosts: [service.origin],
          alert_webhook: `http://127.0.0.1:${(webhook.address() as { port: number }).port}/alert`,
          ...push,
        },
      },
    },
  });
  t.after(() => gw.close());
  return { gw, service, alerts };
}

const api = (gw: TestGateway, path: string, cookie: string, body: unknown = {}) =>
  gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/api/${path}`,
    headers: { 'content-type': 'application/json', origin: 'http://portal.test', cookie },
    body: JSON.stringify(body),
  });

const answer = (gw: TestGateway, rid: string, token: string, contentType = 'application/jose') =>
  gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/api/push/requests/${rid}`,
    headers: { 'content-type': contentType },
    body: token,
  });

async function enrol(gw: TestGateway, cookie: string, subscription: PushSubscriptionJson, device: Device) {
  const r = await api(gw, 'push/devices', cookie, { name: 'Phone', subscription, public_key: device.publicKey });
  assert.equal(r.status, 201, r.body);
  device.id = r.json<{ id: string }>().id;
}

const now = (gw: TestGateway) => Math.floor(gw.clock.now() / 1000);

async function started(gw: TestGateway, cookie: string): Promise<{ rid: string; number: number }> {
  const r = await api(gw, 'push/start', cookie);
  assert.equal(r.status, 201, r.body);
  return r.json<{ rid: string; number: number }>();
}

describe('push approval through the API', () => {
  it('enrol, push, view, approve with the number: the message carries no number; audited', async (t) => {
    const { gw, service } = await setUp(t);
    const vapid = await gw.send({ host: 'portal.test', target: '/.portcullis/api/push/vapid' });
    assert.equal(vapid.status, 200);
    const publicKey = vapid.json<{ public_key: string }>().public_key;
    assert.match(publicKey, /^[A-Za-z0-9_-]{87}$/);

    const cookie = await gw.login('alice');
    const phone = await deviceKey();
    await enrol(gw, cookie, service.subscribe(), phone);
    const [record] = await gw.runtime.durable.listFactors('alice');
    assert.equal(record?.kind, 'push');
    assert.ok(!JSON.stringify(record).includes(service.origin), 'the subscription is sealed');

    const { rid, number } = await started(gw, cookie);
    const [message] = service.received;
    assert.equal(message?.vapidKey, publicKey);
    const payload = JSON.parse(message?.payload ?? '{}') as Record<string, unknown>;
    assert.deepEqual(Object.keys(payload).sort(), ['app', 'exp', 'rid']);
    assert.equal(payload.rid, rid);
    assert.doesNotMatch(message?.payload ?? '', new RegExp(`\\b${number}\\b`), 'no number in the push');

    const view = await answer(gw, rid, await phone.sign({ rid, action: 'view', iat: now(gw) }));
    assert.equal(view.status, 200, view.body);
    const shown = view.json<{ choices: number[]; host: string; ip: string }>();
    assert.ok(shown.choices.includes(number));
    assert.equal(shown.host, 'portal.test');

    const ok = await answer(gw, rid, await phone.sign({ rid, action: 'approve', choice: number, iat: now(gw) }));
    assert.equal(ok.status, 200, ok.body);
    assert.deepEqual(ok.json(), { state: 'approved' });
    assert.equal(await gw.runtime.push.state(rid, 'alice'), 'approved');
    await gw.runtime.audit.flush();
    const [event] = await gw.runtime.durable.queryAudit({ event: 'push.approved' });
    assert.equal(event?.outcome, 'success');
    assert.equal(event?.user, 'alice');
  });

  it('refused answers change nothing: another key, unknown device, replay, stale, not JOSE', async (t) => {
    const { gw, service } = await setUp(t);
    const cookie = await gw.login('alice');
    const phone = await deviceKey();
    await enrol(gw, cookie, service.subscribe(), phone);
    const { rid, number } = await started(gw, cookie);
    const approve = { rid, action: 'approve', choice: number };
    const thief = await deviceKey();
    const cases: [string, Answer, number, string][] = [
      [
        'another key, same kid',
        await answer(gw, rid, await thief.sign({ ...approve, iat: now(gw) }, phone.id)),
        401,
        'bad_signature',
      ],
      [
        'an unknown device',
        await answer(gw, rid, await thief.sign({ ...approve, iat: now(gw) }, 'A'.repeat(22))),
        401,
        'unknown_device',
      ],
      ['stale', await answer(gw, rid, await phone.sign({ ...approve, iat: now(gw) - 120 })), 401, 'stale'],
      [
        'another request',
        await answer(gw, rid, await phone.sign({ ...approve, rid: 'other', iat: now(gw) })),
        401,
        'wrong_request',
      ],
      [
        'not application/jose',
        await answer(gw, rid, await phone.sign({ ...approve, iat: now(gw) }), 'text/plain'),
        401,
        'malformed',
      ],
      ['garbage', await answer(gw, rid, 'not.a.jws'), 401, 'unknown_device'],
    ];
    for (const [what, r, status, error] of cases) {
      assert.equal(r.status, status, `${what}: ${r.body}`);
      assert.equal(r.json<{ error: string }>().error, error, what);
    }
    assert.equal(await gw.runtime.push.state(rid, 'alice'), 'pending', 'nothing changed');
    const token = await phone.sign({ rid, action: 'deny', iat: now(gw) });
    assert.equal((await answer(gw, rid, token)).status, 200);
    const replay = await answer(gw, rid, token);
    assert.equal(replay.status, 401);
    assert.equal(replay.json<{ error: string }>().error, 'replayed');
  });

  it('no session, no device, an endpoint not allowed or a private key: refused, nothing enrolled', async (t) => {
    const { gw, service } = await setUp(t);
    assert.equal((await api(gw, 'push/start', '')).status, 401);
    const cookie = await gw.login('alice');
    assert.equal((await api(gw, 'push/start', cookie)).json<{ error: string }>().error, 'no_push_device');
    const phone = await deviceKey();
    const subscription = service.subscribe();
    const elsewhere = await api(gw, 'push/devices', cookie, {
      name: 'x',
      subscription: { ...subscription, endpoint: 'https://169.254.169.254/push/x' },
      public_key: phone.publicKey,
    });
    assert.equal(elsewhere.status, 422);
    assert.equal(elsewhere.json<{ error: string }>().error, 'endpoint_not_allowed');
    const privatePart = await api(gw, 'push/devices', cookie, {
      name: 'x',
      subscription,
      public_key: { ...phone.publicKey, d: 'A'.repeat(43) },
    });
    assert.equal(privatePart.status, 400);
    assert.deepEqual(await gw.runtime.durable.listFactors('alice'), []);
  });

  it('"this wasn\'t me": blocked, alert webhook called, push.reported; 3 pushes per 5 minutes', async (t) => {
    const { gw, service, alerts } = await setUp(t);
    const cookie = await gw.login('alice');
    const phone = await deviceKey();
    await enrol(gw, cookie, service.subscribe(), phone);
    await started(gw, cookie);
    await started(gw, cookie);
    const { rid } = await started(gw, cookie);
    const limited = await api(gw, 'push/start', cookie);
    assert.equal(limited.status, 429);
    assert.equal(limited.json<{ error: string }>().error, 'push_rate_limited');
    assert.ok(Number(limited.headers['retry-after']) > 0);

    const report = await answer(gw, rid, await phone.sign({ rid, action: 'report', iat: now(gw) }));
    assert.deepEqual(report.json(), { state: 'reported' });
    assert.equal(alerts.length, 1);
    assert.equal((alerts[0] as { user: string }).user, 'alice');
    await gw.runtime.audit.flush();
    const [event] = await gw.runtime.durable.queryAudit({ event: 'push.reported' });
    assert.equal(event?.outcome, 'alert');
    gw.clock.advance(10 * 60_000);
    const blocked = await api(gw, 'push/start', cookie);
    assert.equal(blocked.status, 403);
    assert.equal(blocked.json<{ error: string }>().error, 'push_blocked');
  });

  it('a subscription the push service says is gone is removed; none reached: 502, nothing pending', async (t) => {
    const { gw, service } = await setUp(t);
    const cookie = await gw.login('alice');
    await enrol(gw, cookie, service.subscribe(), await deviceKey());
    service.answer(410);
    const r = await api(gw, 'push/start', cookie);
    assert.equal(r.status, 502);
    assert.equal(r.json<{ error: string }>().error, 'push_unreachable');
    assert.deepEqual(await gw.runtime.durable.listFactors('alice'), []);
  });

  it('a sign-in with push: pending until the phone approves, then the session rises, once', async (t) => {
    const { gw, service } = await setUp(t);
    const phone = await deviceKey();
    await enrol(gw, await gw.login('alice'), service.subscribe(), phone);
    const cookie = await gw.login('alice');
    const { rid, number } = await started(gw, cookie);
    const waiting = await api(gw, 'mfa/push', cookie, { rid });
    assert.equal(waiting.status, 202);
    assert.deepEqual(waiting.json(), { status: 'pending' });
    await answer(gw, rid, await phone.sign({ rid, action: 'approve', choice: number, iat: now(gw) }));
    const done = await api(gw, 'mfa/push', cookie, { rid });
    assert.equal(done.status, 200, done.body);
    assert.deepEqual(done.json(), { status: 'authenticated' });
    const risen = cookieFrom(done, gw.cookieName) ?? '';
    assert.ok(risen !== '' && risen !== cookie, 'a new session id at the rise');
    const session = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/api/session',
      headers: { cookie: risen },
    });
    assert.deepEqual(
      session.json<{ amr: string[] }>().amr.sort(),
      ['mca', 'mfa', 'pwd'],
      'RFC 8176: multiple channels',
    );
    const again = await api(gw, 'mfa/push', risen, { rid });
    assert.equal(again.status, 401, 'an approval raises one session, once');
    const strangers = await api(gw, 'mfa/push', await gw.login('bob'), { rid });
    assert.equal(strangers.status, 404, "another user's request is unknown to them");
  });

  it('a denial or a wrong number: refused, the session stays where it was', async (t) => {
    const { gw, service } = await setUp(t);
    const phone = await deviceKey();
    await enrol(gw, await gw.login('alice'), service.subscribe(), phone);
    const cookie = await gw.login('alice');
    const first = await started(gw, cookie);
    const wrong = first.number === 99 ? 98 : first.number + 1;
    await answer(gw, first.rid, await phone.sign({ rid: first.rid, action: 'approve', choice: wrong, iat: now(gw) }));
    const denied = await api(gw, 'mfa/push', cookie, { rid: first.rid });
    assert.equal(denied.status, 401);
    assert.deepEqual(denied.json(), { error: 'push_denied' });
    await gw.runtime.audit.flush();
    const [event] = await gw.runtime.durable.queryAudit({ event: 'push.denied' });
    assert.equal(event?.outcome, 'alert', 'a wrong number is suspicious');
    assert.equal(event?.detail?.wrong_number, true);
    const second = await started(gw, cookie);
    gw.clock.advance(61_000);
    const expired = await api(gw, 'mfa/push', cookie, { rid: second.rid });
    assert.deepEqual(expired.json(), { error: 'push_expired' });
    const session = await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie } });
    assert.deepEqual(session.json<{ amr: string[] }>().amr, ['pwd']);
  });

  it('on the pages without JavaScript: send, the number shown, not yet, approved, on to rd', async (t) => {
    const { gw, service } = await setUp(t);
    const phone = await deviceKey();
    await enrol(gw, await gw.login('alice'), service.subscribe(), phone);
    let cookie = await gw.login('alice');
    const rd = 'http://portal.test/.portcullis/';
    const stepup = await gw.send({
      host: 'portal.test',
      target: `/.portcullis/stepup?method=push&rd=${encodeURIComponent(rd)}`,
      headers: { cookie, accept: 'text/html' },
    });
    assert.equal(stepup.status, 200);
    assert.match(stepup.body, /action="\/\.portcullis\/push\/send"/);
    const form = (path: string, fields: Record<string, string>) =>
      gw.send({
        method: 'POST',
        host: 'portal.test',
        target: `/.portcullis/${path}`,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://portal.test' },
        body: new URLSearchParams(fields).toString(),
      });
    const sent = await form('push/send', { rd });
    assert.equal(sent.status, 200, sent.body);
    const rid = /name="rid" value="([^"]+)"/.exec(sent.body)?.[1] as string;
    const number = Number(/<strong>(\d{2})<\/strong>/.exec(sent.body)?.[1]);
    assert.ok(rid && number >= 10, sent.body);
    const pending = await form('push/check', { rid, rd });
    assert.equal(pending.status, 200);
    assert.match(pending.body, /has not answered yet/);
    await answer(gw, rid, await phone.sign({ rid, action: 'approve', choice: number, iat: now(gw) }));
    const on = await form('push/check', { rid, rd });
    assert.equal(on.status, 303, on.body);
    assert.equal(on.headers.location, rd);
    cookie = cookieFrom(on, gw.cookieName) ?? '';
    gw.clock.advance(11 * 60_000); // the next step-up: the second factor is no longer fresh

    const deniedRun = await form('push/send', { rd });
    const rid2 = /name="rid" value="([^"]+)"/.exec(deniedRun.body)?.[1] as string;
    await answer(gw, rid2, await phone.sign({ rid: rid2, action: 'deny', iat: now(gw) }));
    const refused = await form('push/check', { rid: rid2, rd });
    assert.equal(refused.status, 401);
    assert.match(refused.body, /The request was denied on your phone/);
  });

  it('after a report the sign-ins are risky (push_reported) until an administrator unblocks', async (t) => {
    const policy = {
      rules: [
        {
          name: 'reported-needs-key',
          hosts: ['app.test'],
          when: { risk: ['push_reported'] },
          action: 'authenticate',
          require: { level: 'phishing_resistant' },
        },
        { name: 'staff', hosts: ['app.test'], action: 'authenticate', require: { level: 'password' } },
      ],
    };
    const gw = await startTestGateway({ policies: { '00-msp.yaml': policy } });
    t.after(() => gw.close());
    const reach = async () =>
      (await gw.send({ host: 'app.test', target: '/x', headers: { cookie: await gw.login('alice', 'app.test') } }))
        .status;
    assert.equal(await reach(), 200);
    await gw.runtime.durable.blockPush({
      user: 'alice',
      blockedAt: 0,
      requestId: 'r',
      ip: null,
      country: null,
      app: null,
    });
    assert.equal(await reach(), 401, 'a key is needed now');
    await gw.runtime.push.unblock('alice');
    assert.equal(await reach(), 200);
  });

  it('two instances on Redis: enrolled on one, started on the other, answered on the first, proven on the second', async (t) => {
    if (!(await requireService('redis', t))) return;
    const service = await TestPushService.start();
    t.after(() => service.close());
    const dir = mkdtempSync(join(tmpdir(), 'pc-push-shared-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const user = `pia-${randomBytes(3).toString('hex')}`;
    const options = {
      users: { [user]: { groups: ['staff'] } },
      gateway: {
        data_dir: dir,
        stores: { durable: `sqlite:${join(dir, 'shared.db')}`, ephemeral: 'redis://127.0.0.1:6379/0' },
        mfa: { push: { subject: 'mailto:security@msp.example', endpoint_hosts: [service.origin] } },
      },
    };
    const a = await startTestGateway(options);
    t.after(() => a.close());
    const b = await startTestGateway(options);
    t.after(() => b.close());
    const phone = await deviceKey();
    await enrol(a, await a.login(user), service.subscribe(), phone);
    const cookie = await b.login(user);
    const { rid, number } = await started(b, cookie);
    assert.equal(
      service.received[0]?.vapidKey,
      (await a.send({ host: 'portal.test', target: '/.portcullis/api/push/vapid' })).json<{ public_key: string }>()
        .public_key,
      'one VAPID pair for both',
    );
    const ok = await answer(a, rid, await phone.sign({ rid, action: 'approve', choice: number, iat: now(a) }));
    assert.deepEqual(ok.json(), { state: 'approved' });
    const done = await api(b, 'mfa/push', cookie, { rid });
    assert.equal(done.status, 200, done.body);
    const replay = await answer(b, rid, await phone.sign({ rid, action: 'deny', iat: now(b) }));
    assert.equal(replay.json<{ error: string }>().error, 'not_pending', 'ended for both instances');
  });

  it('pairing a phone: a one-time code for the signed-in user, refused when unknown, used or expired', async (t) => {
    const { gw, service } = await setUp(t);
    assert.equal((await api(gw, 'push/pairing', '')).status, 401, 'needs the session');
    const cookie = await gw.login('alice');
    const paired = await api(gw, 'push/pairing', cookie);
    assert.equal(paired.status, 200, paired.body);
    const { url, qr_svg: qr } = paired.json<{ url: string; qr_svg: string }>();
    assert.match(qr, /^<svg/);
    const code = new URL(url).hash.replace('#pair=', '');
    const late = new URL((await api(gw, 'push/pairing', cookie)).json<{ url: string }>().url).hash.replace(
      '#pair=',
      '',
    );
    const phone = await deviceKey();
    const enrolWith = (pairing: string) =>
      api(gw, 'push/devices', '', {
        name: 'Phone',
        pairing,
        subscription: service.subscribe(),
        public_key: phone.publicKey,
      });
    assert.equal((await enrolWith('A'.repeat(43))).status, 401, 'an unknown code');
    const first = await enrolWith(code);
    assert.equal(first.status, 201, first.body);
    assert.equal((await enrolWith(code)).status, 401, 'used once');
    const [record] = await gw.runtime.durable.listFactors('alice');
    assert.equal(record?.kind, 'push');
    const more = await api(gw, 'push/pairing', cookie);
    assert.equal(more.status, 403, 'next to a factor, a new pairing needs a fresh second factor');
    gw.clock.advance(10 * 60_000 + 1);
    assert.equal((await enrolWith(late)).status, 401, 'expired after 10 minutes');
    assert.equal((await gw.runtime.durable.listFactors('alice')).length, 1);
  });

  it('a renewed subscription (pushsubscriptionchange), signed by the device, replaces the old one', async (t) => {
    const { gw, service } = await setUp(t);
    const phone = await deviceKey();
    await enrol(gw, await gw.login('alice'), service.subscribe(), phone);
    const renewed = service.subscribe();
    const resubscribe = (device: Device, endpoint: string, kid?: string) =>
      device
        .sign(
          { action: 'resubscribe', endpoint, p256dh: renewed.keys.p256dh, auth: renewed.keys.auth, iat: now(gw) },
          kid,
        )
        .then((token) =>
          gw.send({
            method: 'POST',
            host: 'portal.test',
            target: `/.portcullis/api/push/devices/${phone.id}/subscription`,
            headers: { 'content-type': 'application/jose' },
            body: token,
          }),
        );
    const thief = await deviceKey();
    assert.equal((await resubscribe(thief, renewed.endpoint, phone.id)).status, 401, 'only the device itself');
    assert.equal((await resubscribe(phone, 'https://169.254.169.254/x')).status, 422);
    assert.equal((await resubscribe(phone, renewed.endpoint)).status, 204);
    await started(gw, await gw.login('alice'));
    const last = service.received.at(-1);
    assert.equal(
      last?.id,
      new URL(renewed.endpoint).pathname.split('/').pop(),
      'the push went to the new subscription',
    );
  });

  it('after an access code: a newly paired phone proves the enrolment; the lost phone gets nothing and cannot answer', async (t) => {
    const { gw, service } = await setUp(t);
    const lost = await deviceKey();
    await enrol(gw, await gw.login('alice'), service.subscribe(), lost);
    gw.clock.advance(1000);
    const code = await issueCode(gw, 'alice');
    gw.clock.advance(1000);
    const cookie = await gw.login('alice');
    const used = await portalApi(gw, 'mfa/access-code', cookie, { code });
    assert.equal(used.status, 200, used.body);
    const body = used.json<{ status: string; methods: string[] }>();
    assert.deepEqual(body, { status: 'enrollment_required', methods: ['webauthn', 'totp', 'push'] });
    const enrolling = cookieFrom(used, gw.cookieName) ?? '';
    const paired = await api(gw, 'push/pairing', enrolling);
    assert.equal(paired.status, 200, paired.body);
    const pairing = new URL(paired.json<{ url: string }>().url).hash.replace('#pair=', '');
    const phone = await deviceKey();
    const added = await api(gw, 'push/devices', '', {
      name: 'New phone',
      pairing,
      subscription: service.subscribe(),
      public_key: phone.publicKey,
    });
    assert.equal(added.status, 201, added.body);
    phone.id = added.json<{ id: string }>().id;
    const before = service.received.length;
    const { rid, number } = await started(gw, enrolling);
    assert.equal(service.received.length - before, 1, 'only the new phone');
    const fromLost = await answer(gw, rid, await lost.sign({ rid, action: 'approve', choice: number, iat: now(gw) }));
    assert.equal(fromLost.status, 404, 'the lost phone cannot answer');
    await answer(gw, rid, await phone.sign({ rid, action: 'approve', choice: number, iat: now(gw) }));
    const done = await api(gw, 'mfa/push', enrolling, { rid });
    assert.equal(done.status, 200, done.body);
    const risen = cookieFrom(done, gw.cookieName) ?? '';
    const session = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/api/session',
      headers: { cookie: risen },
    });
    assert.deepEqual(session.json<{ amr: string[] }>().amr.sort(), ['mca', 'mfa', 'pwd']);
  });

  it('the enrolment page offers a phone when push is on: its QR code, then a request to finish', async (t) => {
    const { gw } = await setUp(t);
    const cookie = await gw.login('alice');
    const rd = 'http://app.test/admin/x';
    const page = await gw.send({
      host: 'portal.test',
      target: `/.portcullis/enroll?rd=${encodeURIComponent(rd)}`,
      headers: { cookie, accept: 'text/html' },
    });
    assert.equal(page.status, 200);
    assert.match(page.body, /action="\/\.portcullis\/push\/pair"/);
    const paired = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/push/pair',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://portal.test' },
      body: new URLSearchParams({ rd }).toString(),
    });
    assert.equal(paired.status, 200, paired.body);
    assert.match(paired.body, /push\/app#pair=[A-Za-z0-9_-]{43}/);
    assert.match(paired.body, /<svg/);
    assert.match(paired.body, /action="\/\.portcullis\/push\/send"/);
    assert.ok(paired.body.includes(`name="rd" value="${rd}"`));
    const choices = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/api/account/default-method',
      headers: { cookie },
    });
    assert.deepEqual(
      choices.json<{ choices: string[] }>().choices,
      ['webauthn', 'totp', 'push'],
      'push can be the default',
    );
  });

  it('push off: no VAPID key, no push', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const vapid = await gw.send({ host: 'portal.test', target: '/.portcullis/api/push/vapid' });
    assert.equal(vapid.status, 404);
    const cookie = await gw.login('alice');
    assert.equal((await api(gw, 'push/start', cookie)).status, 404);
  });
});
