/**
 * Sending Web Push to a push service that runs in the test and decrypts on its own
 * (push-service.ts): the VAPID header verifies, the payload is exactly the message (no number,
 * no secret), TTL, Urgency and Topic are set, 404/410 say the subscription is gone, 429/5xx are
 * retried once, a silent service times out, a redirect is not followed, and an endpoint the
 * operator did not allow gets nothing at all.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { BROWSER_PUSH_SERVICES, HostAllowlist } from '../../src/push/host-allowlist.ts';
import { generateVapidKeys } from '../../src/push/vapid-keys.ts';
import { PUSH_TTL_SECONDS, pushTopic, WebPushSender } from '../../src/push/web-push-send.ts';
import { TestPushService } from './push-service.ts';

const SUBJECT = 'mailto:security@msp.example';
const MESSAGE = { rid: 'r-123', app: 'Acme RMM', exp: 1_900_000_000 };

async function setUp(t: TestContext, options: { timeoutMs?: number } = {}) {
  const service = await TestPushService.start();
  t.after(() => service.close());
  const vapid = generateVapidKeys();
  const endpoints = HostAllowlist.parse([...BROWSER_PUSH_SERVICES, service.origin]).list;
  const sleeps: number[] = [];
  const sender = new WebPushSender({
    vapid,
    subject: () => SUBJECT,
    endpoints: () => endpoints,
    timeoutMs: options.timeoutMs ?? 20_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { service, vapid, sender, sleeps };
}

describe('Web Push sending', () => {
  it('encrypted for the subscription, VAPID-signed, TTL 60, Urgency high, Topic per user', async (t) => {
    const { service, vapid, sender } = await setUp(t);
    const subscription = service.subscribe();
    const delivery = await sender.send(subscription, MESSAGE, pushTopic('alice'));
    assert.deepEqual(delivery, { outcome: 'sent' });
    assert.deepEqual(service.rejected, []);
    const [got] = service.received;
    assert.ok(got);
    assert.deepEqual(JSON.parse(got.payload), MESSAGE, 'the payload is the message, nothing more');
    assert.equal(got.headers.ttl, String(PUSH_TTL_SECONDS));
    assert.equal(got.headers.urgency, 'high');
    assert.equal(got.headers.topic, pushTopic('alice'));
    assert.match(got.headers.topic as string, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(pushTopic('alice'), pushTopic('bob'));
    assert.equal(got.vapidKey, vapid.publicKey);
    assert.equal(got.claims.aud, service.origin);
    assert.equal(got.claims.sub, SUBJECT);
    assert.ok(got.claims.exp * 1000 - Date.now() <= 24 * 3600_000, 'exp within 24 h');
  });

  for (const status of [404, 410]) {
    it(`${status}: the subscription is gone, no retry`, async (t) => {
      const { service, sender } = await setUp(t);
      service.answer(status);
      assert.deepEqual(await sender.send(service.subscribe(), MESSAGE, 't'), { outcome: 'gone', status });
      assert.equal(service.received.length, 1);
    });
  }

  it('500 then 201: one retry, sent', async (t) => {
    const { service, sender, sleeps } = await setUp(t);
    service.answer(500);
    assert.deepEqual(await sender.send(service.subscribe(), MESSAGE, 't'), { outcome: 'sent' });
    assert.equal(service.received.length, 2);
    assert.deepEqual(sleeps, [1000]);
  });

  it('429 twice: failed after the one retry', async (t) => {
    const { service, sender } = await setUp(t);
    service.answer(429, 429, 201);
    assert.deepEqual(await sender.send(service.subscribe(), MESSAGE, 't'), {
      outcome: 'failed',
      reason: 'the service answered 429',
    });
    assert.equal(service.received.length, 2);
  });

  it('400: failed, not retried', async (t) => {
    const { service, sender } = await setUp(t);
    service.answer(400);
    assert.equal((await sender.send(service.subscribe(), MESSAGE, 't')).outcome, 'failed');
    assert.deepEqual(service.rejected, []);
    assert.equal(service.received.length, 1);
  });

  it('a push service that never answers: failed at the timeout, no retry', async (t) => {
    const { service, sender } = await setUp(t, { timeoutMs: 300 });
    service.answer('hang');
    assert.deepEqual(await sender.send(service.subscribe(), MESSAGE, 't'), {
      outcome: 'failed',
      reason: 'no answer within 0.3 s',
    });
    assert.equal(service.received.length, 1);
  });

  it('an endpoint the operator did not allow: refused, nothing sent', async (t) => {
    const { service, sender } = await setUp(t);
    const subscription = service.subscribe();
    for (const endpoint of [
      subscription.endpoint.replace('127.0.0.1', 'localhost'),
      'http://169.254.169.254/latest/meta-data/',
      'https://fcm.googleapis.com.attacker.example/x',
    ]) {
      assert.deepEqual(
        await sender.send({ ...subscription, endpoint }, MESSAGE, 't'),
        { outcome: 'refused' },
        endpoint,
      );
    }
    assert.equal(service.received.length + service.rejected.length, 0);
  });

  it('a redirect is not followed', async (t) => {
    const { service } = await setUp(t);
    let reached = 0;
    const elsewhere = createServer((_req, res) => {
      reached++;
      res.writeHead(201).end();
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => elsewhere.close(() => resolve())));
    const { port } = elsewhere.address() as { port: number };
    const bouncer = createServer((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${port}/x` }).end();
    });
    await new Promise<void>((resolve) => bouncer.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => bouncer.close(() => resolve())));
    const origin = `http://127.0.0.1:${(bouncer.address() as { port: number }).port}`;
    const allowed = HostAllowlist.parse([origin, `http://127.0.0.1:${port}`]).list;
    const s = new WebPushSender({
      vapid: generateVapidKeys(),
      subject: () => SUBJECT,
      endpoints: () => allowed,
      sleep: async () => {},
    });
    const subscription = service.subscribe();
    const delivery = await s.send({ ...subscription, endpoint: `${origin}/push/x` }, MESSAGE, 't');
    assert.deepEqual(delivery, { outcome: 'failed', reason: 'the service answered 307' });
    assert.equal(reached, 0);
  });

  it('a subscription whose keys are not keys: failed, and the reason holds no key', async (t) => {
    const { service, sender } = await setUp(t);
    const subscription = service.subscribe();
    const bad = { ...subscription, keys: { p256dh: 'AAAA', auth: subscription.keys.auth } };
    const delivery = await sender.send(bad, MESSAGE, 't');
    assert.equal(delivery.outcome, 'failed');
    assert.ok(!JSON.stringify(delivery).includes(subscription.keys.auth));
    assert.equal(service.received.length, 0);
  });
});

describe('cross-checked with web-push-testing (a push service implementation of its own, in-process)', () => {
  it('it accepts our VAPID header and decrypts our payload; an expired subscription is gone', async (t) => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const { PushApiModel } = require('web-push-testing/src/PushApiModel.js') as {
      PushApiModel: new () => {
        subscribe(o: Record<string, string>): Promise<PushSubscriptionLike & { clientHash: string }>;
        getNotifications(o: { clientHash: string }): { messages: string[] };
        expireSubscription(hash: string): void;
      };
    };
    const Server = require('web-push-testing/src/server.js') as new (
      model: unknown,
      port: number,
    ) => { startServer(): void; _server: import('node:http').Server };
    const { freePort } = await import('../helpers/ports.ts');
    const port = await freePort();
    const model = new PushApiModel();
    const server = new Server(model, port);
    const log = console.log;
    console.log = () => {}; // the package announces its port
    server.startServer();
    console.log = log;
    await new Promise<void>((resolve) =>
      server._server.listening ? resolve() : server._server.once('listening', resolve),
    );
    t.after(() => new Promise<void>((resolve) => server._server.close(() => resolve())));

    const vapid = generateVapidKeys();
    const subscription = await model.subscribe({ userVisibleOnly: 'true', applicationServerKey: vapid.publicKey });
    const sender = new WebPushSender({
      vapid,
      subject: () => SUBJECT,
      endpoints: () => HostAllowlist.parse([`http://localhost:${port}`]).list,
      sleep: async () => {},
    });
    assert.deepEqual(await sender.send(subscription, MESSAGE, pushTopic('alice')), { outcome: 'sent' });
    assert.deepEqual(
      model.getNotifications({ clientHash: subscription.clientHash }).messages.map((m) => JSON.parse(m)),
      [MESSAGE],
    );
    model.expireSubscription(subscription.clientHash);
    assert.deepEqual(await sender.send(subscription, MESSAGE, 't'), { outcome: 'gone', status: 410 });
  });
});

interface PushSubscriptionLike {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}
