import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import WebSocket from 'ws';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** The upstream's first message: the handshake it saw. */
interface Handshake {
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

type Outcome = { open: true; socket: WebSocket; handshake: Handshake } | { open: false; status: number; body: string };

/** Opens a WebSocket through the gateway; resolves with the upstream's first message, or the refusal. */
function connect(gw: TestGateway, path: string, headers: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${gw.port}${path}`, { headers });
    socket.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ open: false, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        socket.terminate();
      });
    });
    socket.once('message', (data) => {
      resolve({ open: true, socket, handshake: JSON.parse(data.toString()) as Handshake });
    });
    socket.once('error', reject);
  });
}

function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('message', (data) => resolve(data.toString()));
    socket.once('error', reject);
  });
}

async function opened(gw: TestGateway, path: string, headers: Record<string, string>) {
  const outcome = await connect(gw, path, headers);
  if (!outcome.open) assert.fail(`upgrade refused: ${outcome.status} ${outcome.body}`);
  return outcome;
}

/** Asserts the upgrade is refused with `status` and that nothing reached the upstream. */
async function refused(gw: TestGateway, path: string, headers: Record<string, string>, status: number) {
  const before = { ws: gw.upstream.wsSeen.length, http: gw.upstream.seen.length };
  const outcome = await connect(gw, path, headers);
  if (outcome.open) {
    outcome.socket.terminate();
    assert.fail(`upgrade of ${path} was let through`);
  }
  assert.equal(outcome.status, status, outcome.body);
  assert.deepEqual({ ws: gw.upstream.wsSeen.length, http: gw.upstream.seen.length }, before, 'reached the upstream');
  return outcome;
}

test('WebSocket upgrades pass the gate', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const alice = await gw.login('alice', 'app.test');

  await t.test('without a session the upgrade is refused', async () => {
    const outcome = await refused(gw, '/ws', { host: 'app.test' }, 401);
    assert.equal(JSON.parse(outcome.body).error, 'authentication_required');
    await refused(gw, '/ws', { host: 'app.test', cookie: `${gw.cookieName}=not-a-session` }, 401);
  });

  await t.test('with a session the upstream sees the identity, not the credential', async (t) => {
    const { socket, handshake } = await opened(gw, '/ws?room=1', {
      host: 'app.test',
      cookie: `pref=a; ${alice}; other="b c"`,
      'Remote-User': 'mallory',
      remote_user: 'mallory',
      'X-Portcullis-Assertion': 'forged',
      'x-forwarded-for': '203.0.113.7',
    });
    t.after(() => socket.terminate());
    assert.equal(handshake.url, '/ws?room=1');
    const h = handshake.headers;
    assert.equal(h['remote-user'], 'alice');
    assert.equal(h['remote-groups'], 'msp-admins');
    assert.equal(h.remote_user, undefined);
    const claims = decodeJwt(String(h['x-portcullis-assertion']));
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.aud, 'app');
    assert.equal(h.cookie, 'pref=a; other="b c"');
    assert.equal(h['x-forwarded-for'], '127.0.0.1');
    for (const [k, v] of Object.entries(h)) assert.notEqual(v, 'mallory', `spoofed ${k} reached the upstream`);

    socket.send('hello');
    assert.equal(await nextMessage(socket), 'echo:hello');
  });

  await t.test('only the session cookie: no cookie header upstream', async (t) => {
    const { socket, handshake } = await opened(gw, '/ws', { host: 'app.test', cookie: alice });
    t.after(() => socket.terminate());
    assert.equal(handshake.headers.cookie, undefined);
  });

  await t.test('a denied path is refused even when signed in', async () => {
    await refused(gw, '/blocked/x', { host: 'app.test', cookie: alice }, 403);
  });

  await t.test('the upgrade target is normalised like any request: judged and forwarded alike', async (t) => {
    // (the ws client resolves '..' itself, so only spellings a WHATWG URL keeps are tried here)
    const { socket, handshake } = await opened(gw, '//a///%77s?x=%2F', { host: 'app.test', cookie: alice });
    t.after(() => socket.terminate());
    assert.equal(handshake.url, '/a/ws?x=%2F');
    await refused(gw, '/%62locked/x', { host: 'app.test', cookie: alice }, 403);
    await refused(gw, '//blocked//x', { host: 'app.test', cookie: alice }, 403);
    await refused(gw, '/blocked%2fx', { host: 'app.test', cookie: alice }, 400);
  });

  await t.test('the mfa path is refused to a password-only session', async () => {
    const outcome = await refused(gw, '/admin/ws', { host: 'app.test', cookie: alice }, 401);
    assert.equal(JSON.parse(outcome.body).level, 'mfa');
  });

  await t.test('an app with websocket disabled refuses the upgrade', async () => {
    const carol = await gw.login('carol', 'acme.test');
    const outcome = await refused(gw, '/ws', { host: 'acme.test', cookie: carol }, 403);
    assert.equal(JSON.parse(outcome.body).error, 'websocket_disabled');
  });

  await t.test('an unknown host is refused', async () => {
    await refused(gw, '/ws', { host: 'nowhere.test', cookie: alice }, 404);
  });
});
