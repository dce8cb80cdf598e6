/**
 * A link channel end to end: enrolled through the API (only to a host the operator allows), a
 * push posts an ntfy message whose view action carries the one-time approval link (the code in
 * the fragment); opening the page changes nothing; the request page shows the numbers; the right
 * number approves, once; the sign-in then rises. A used or ended link shows that it is gone.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

async function ntfy(t: TestContext) {
  const posts: { url: string; body: { topic: string; actions: { action: string; url: string }[] } }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    posts.push({ url: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString()) });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, posts };
}

async function setUp(t: TestContext) {
  const channel = await ntfy(t);
  const gw = await startTestGateway({
    gateway: { mfa: { push: { subject: 'mailto:security@msp.example', link_hosts: [channel.origin] } } },
  });
  t.after(() => gw.close());
  return { gw, channel };
}

const json = (gw: TestGateway, path: string, cookie: string, body: unknown) =>
  gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/api/${path}`,
    headers: { 'content-type': 'application/json', origin: 'http://portal.test', cookie },
    body: JSON.stringify(body),
  });

const form = (gw: TestGateway, path: string, fields: Record<string, string>) =>
  gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/${path}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://portal.test' },
    body: new URLSearchParams(fields).toString(),
  });

describe('link channels', () => {
  it('ntfy: the link opens the request, the right number approves once, the sign-in rises', async (t) => {
    const { gw, channel } = await setUp(t);
    const enrol = await json(gw, 'push/devices', await gw.login('alice'), {
      name: 'My ntfy',
      link: { kind: 'ntfy', url: `${channel.origin}/alice-8h2kq` },
    });
    assert.equal(enrol.status, 201, enrol.body);
    const cookie = await gw.login('alice');
    const start = await json(gw, 'push/start', cookie, {});
    assert.equal(start.status, 201, start.body);
    const { rid, number } = start.json<{ rid: string; number: number }>();
    const [post] = channel.posts;
    assert.equal(post?.body.topic, 'alice-8h2kq');
    const view = post?.body.actions[0];
    assert.equal(view?.action, 'view');
    const link = new URL(view?.url ?? '');
    assert.equal(link.origin + link.pathname, 'http://portal.test/.portcullis/push/link');
    const token = link.hash.slice(1);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.doesNotMatch(JSON.stringify(post?.body), new RegExp(`\\b${number}\\b`), 'no number in the message');

    const page = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/push/link',
      headers: { accept: 'text/html' },
    });
    assert.equal(page.status, 200);
    assert.match(page.body, /push-link\.js/);
    assert.equal(await gw.runtime.push.state(rid, 'alice'), 'pending', 'opening the link changes nothing');

    const shown = await form(gw, 'push/link', { token });
    assert.equal(shown.status, 200, shown.body);
    const choices = [...shown.body.matchAll(/name="choice" value="(\d{2})"/g)].map((m) => Number(m[1]));
    assert.equal(choices.length, 3);
    assert.ok(choices.includes(number));
    assert.equal(await gw.runtime.push.state(rid, 'alice'), 'pending', 'showing changes nothing');

    const approved = await form(gw, 'push/link/answer', { token, action: 'approve', choice: String(number) });
    assert.equal(approved.status, 200);
    assert.match(approved.body, /Approved/);
    const again = await form(gw, 'push/link/answer', { token, action: 'approve', choice: String(number) });
    assert.equal(again.status, 410, 'the code works once');
    assert.equal((await form(gw, 'push/link', { token })).status, 410);
    const done = await json(gw, 'mfa/push', cookie, { rid });
    assert.equal(done.status, 200, done.body);
  });

  it('a wrong number from the link denies; a host the operator did not allow cannot be enrolled', async (t) => {
    const { gw, channel } = await setUp(t);
    const cookie = await gw.login('alice');
    for (const url of ['https://ntfy.sh/alice', 'http://169.254.169.254/latest', `${channel.origin}/`]) {
      const refused = await json(gw, 'push/devices', cookie, { name: 'x', link: { kind: 'ntfy', url } });
      assert.equal(refused.status, 422, url);
    }
    assert.deepEqual(await gw.runtime.durable.listFactors('alice'), []);
    await json(gw, 'push/devices', cookie, { name: 'n', link: { kind: 'ntfy', url: `${channel.origin}/topic1` } });
    const start = await json(gw, 'push/start', await gw.login('alice'), {});
    const { rid, number } = start.json<{ rid: string; number: number }>();
    const token = new URL(channel.posts[0]?.body.actions[0]?.url ?? '').hash.slice(1);
    const wrong = number === 99 ? 98 : number + 1;
    const denied = await form(gw, 'push/link/answer', { token, action: 'approve', choice: String(wrong) });
    assert.match(denied.body, /Denied/);
    assert.equal(await gw.runtime.push.state(rid, 'alice'), 'denied');
  });
});
