import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { selfSigned } from '../helpers/certificates.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { pollUntil } from '../helpers/poll.ts';

/**
 * What a proxy owes its users towards the upstreams (apps[].upstream_options): connection reuse
 * and limits, timeouts (504), TLS to upstreams with a private CA or a pinned self-signed
 * certificate, hop-by-hop headers cleaned both ways, Via, and bodies streamed both ways (1 GB
 * passes with flat memory). Every upstream is a real server on loopback.
 */

const POLICY = {
  rules: [
    {
      name: 'staff',
      hosts: ['*.up.test'],
      groups: ['msp-admins'],
      action: 'authenticate',
      require: { level: 'password' },
    },
  ],
};

/** One HTTP server on loopback that hands every request to `handle`; counts its connections. */
async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ origin: string; server: Server; sockets: Set<Socket>; accepted: () => number }> {
  const server = createServer(handle);
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on('connection', (s: Socket) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    server,
    sockets,
    accepted: () => accepted,
  };
}

/** A TCP listener that accepts and never says a word (no HTTP answer, no TLS handshake). */
async function silent(): Promise<{ port: number; close(): void }> {
  const held: Socket[] = [];
  const server = createTcpServer((s) => {
    held.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close() {
      for (const s of held) s.destroy();
      server.close();
    },
  };
}

/** `size` bytes of a repeated 64 KiB chunk, made as they are read. */
function bytes(size: number): Readable {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

interface Streamed {
  status: number;
  headers: IncomingMessage['headers'];
  received: number;
  body: string;
}

/** A request through the gateway whose answer is counted, not kept (its first 4 KiB are kept as text). */
function stream(
  gw: TestGateway,
  opts: {
    host: string;
    path: string;
    method?: string;
    cookie: string;
    headers?: Record<string, string>;
    body?: Readable;
  },
): Promise<Streamed> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: gw.port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: { host: opts.host, cookie: opts.cookie, ...(opts.headers ?? {}) },
        agent: false,
      },
      (res) => {
        let received = 0;
        let body = '';
        res.on('data', (c: Buffer) => {
          if (body.length < 4096) body += c.toString('latin1');
          received += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, received, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body) opts.body.pipe(req);
    else req.end();
  });
}

const dir = mkdtempSync(join(tmpdir(), 'portcullis-upstream-'));
const rmm = selfSigned(dir, 'rmm.internal');
const other = selfSigned(dir, 'other.internal');

let gw: TestGateway;
let cookies: Map<string, string>;
const closers: (() => unknown)[] = [];
/** what the echo upstream saw last */
let lastSeen: IncomingMessage['headers'] = {};
/** requests held by the pool upstream, and the most it held at once */
const held: ServerResponse[] = [];
let mostHeld = 0;
/** closes of the endless download's responses */
let endlessClosed = 0;
let uploadsSeen = 0;
/** WebSocket handshakes the wss:// upstream completed */
let wssHandshakes = 0;

before(async () => {
  const echo = await serve((req, res) => {
    lastSeen = req.headers;
    if (req.url === '/hop-by-hop') {
      req.resume();
      res.writeHead(200, [
        'Connection',
        'keep-alive, X-Hop',
        'X-Hop',
        'secret',
        'Keep-Alive',
        'timeout=5',
        'Proxy-Authenticate',
        'Basic realm="upstream"',
        'Trailer',
        'X-Checksum',
        'Upgrade',
        'h2c',
        'Set-Cookie',
        'a=1; Path=/',
        'Set-Cookie',
        'b=2; Path=/',
        'X-End',
        'kept',
        'Content-Type',
        'text/plain',
      ]);
      res.end('hop');
      return;
    }
    if (req.url?.startsWith('/download')) {
      const size = Number(new URL(req.url, 'http://x').searchParams.get('bytes'));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      bytes(size).pipe(res);
      return;
    }
    if (req.url === '/upload') {
      uploadsSeen++;
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
      });
      req.on('end', () => res.end(JSON.stringify({ received: n })));
      return;
    }
    if (req.url === '/too-large') {
      // answers before it reads the body
      res.writeHead(413, { 'content-type': 'text/plain' });
      res.end('too large');
      return;
    }
    if (req.url === '/endless') {
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {}
      };
      res.on('drain', pump);
      res.on('close', () => {
        endlessClosed++;
      });
      pump();
      return;
    }
    if (req.url === '/stall-body') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      res.write('only part of it');
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
      res.end(JSON.stringify({ url: req.url, headers: req.headers }));
    });
  });
  closers.push(
    () => echo.server.close(),
    () => echo.server.closeAllConnections(),
  );
  const pool = await serve((req, res) => {
    req.resume();
    held.push(res);
    mostHeld = Math.max(mostHeld, held.length);
  });
  closers.push(
    () => pool.server.close(),
    () => pool.server.closeAllConnections(),
  );
  const quiet = await silent();
  closers.push(() => quiet.close());
  const tls = createHttpsServer({ cert: rmm.cert, key: rmm.key }, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'tls' });
    res.end(JSON.stringify({ user: req.headers['remote-user'] ?? null }));
  });
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  closers.push(
    () => tls.close(),
    () => tls.closeAllConnections(),
  );
  const tlsOrigin = `https://127.0.0.1:${(tls.address() as { port: number }).port}`;
  // a wss:// upstream with the same self-signed certificate: sends the handshake's headers it saw
  const wssServer = createHttpsServer({ cert: rmm.cert, key: rmm.key });
  const wss = new WebSocketServer({ server: wssServer });
  wss.on('connection', (socket, req) => {
    wssHandshakes++;
    socket.send(JSON.stringify({ user: req.headers['remote-user'] ?? null }));
  });
  await new Promise<void>((r) => wssServer.listen(0, '127.0.0.1', r));
  closers.push(
    () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
    () => wssServer.close(),
    () => wssServer.closeAllConnections(),
  );
  const wssOrigin = `https://127.0.0.1:${(wssServer.address() as { port: number }).port}`;
  poolAccepted = pool.accepted;
  echoAccepted = echo.accepted;
  echoSockets = echo.sockets;
  releaseAll = () => {
    for (const res of held.splice(0)) res.end('released');
  };

  gw = await startTestGateway({
    policies: { 'up.yaml': POLICY },
    apps: [
      { name: 'echo', host: 'echo.up.test', upstream: echo.origin },
      {
        name: 'slow',
        host: 'slow.up.test',
        upstream: `http://127.0.0.1:${quiet.port}`,
        upstream_options: { headers_timeout: '300ms' },
      },
      {
        name: 'handshake',
        host: 'handshake.up.test',
        upstream: `https://127.0.0.1:${quiet.port}`,
        upstream_options: { connect_timeout: '300ms' },
      },
      { name: 'stall', host: 'stall.up.test', upstream: echo.origin, upstream_options: { body_timeout: '300ms' } },
      { name: 'limited', host: 'limited.up.test', upstream: pool.origin, upstream_options: { connections: 2 } },
      { name: 'down', host: 'down.up.test', upstream: 'http://127.0.0.1:1' },
      { name: 'fresh', host: 'fresh.up.test', upstream: echo.origin, upstream_options: { keep_alive: 0 } },
      { name: 'tls-system', host: 'tls-system.up.test', upstream: tlsOrigin },
      {
        name: 'tls-ca',
        host: 'tls-ca.up.test',
        upstream: tlsOrigin,
        upstream_options: { tls: { ca: rmm.certFile, server_name: 'rmm.internal' } },
      },
      {
        name: 'tls-ca-by-ip',
        host: 'tls-ca-by-ip.up.test',
        upstream: tlsOrigin,
        upstream_options: { tls: { ca: rmm.certFile } },
      },
      {
        name: 'tls-other-ca',
        host: 'tls-other-ca.up.test',
        upstream: tlsOrigin,
        upstream_options: { tls: { ca: other.certFile, server_name: 'rmm.internal' } },
      },
      {
        name: 'tls-pin',
        host: 'tls-pin.up.test',
        upstream: tlsOrigin,
        upstream_options: {
          tls: { pin_sha256: [other.fingerprint256, rmm.fingerprint256.replaceAll(':', '').toLowerCase()] },
        },
      },
      {
        name: 'wss-ca',
        host: 'wss-ca.up.test',
        upstream: wssOrigin,
        websocket: true,
        upstream_options: { tls: { ca: rmm.certFile, server_name: 'rmm.internal' } },
      },
      {
        name: 'wss-pin',
        host: 'wss-pin.up.test',
        upstream: wssOrigin,
        websocket: true,
        upstream_options: { tls: { pin_sha256: [rmm.fingerprint256] } },
      },
      {
        name: 'wss-bad-pin',
        host: 'wss-bad-pin.up.test',
        upstream: wssOrigin,
        websocket: true,
        upstream_options: { tls: { pin_sha256: [other.fingerprint256] } },
      },
      { name: 'wss-system', host: 'wss-system.up.test', upstream: wssOrigin, websocket: true },
      {
        name: 'tls-bad-pin',
        host: 'tls-bad-pin.up.test',
        upstream: tlsOrigin,
        upstream_options: { tls: { pin_sha256: [other.fingerprint256] } },
      },
    ],
  });
  const portal = await gw.login('alice');
  cookies = new Map();
  for (const app of gw.runtime.state().apps) {
    if (app.facts.host.endsWith('.up.test')) cookies.set(app.facts.host, await gw.cookieFor(portal, app.facts.host));
  }
});

let poolAccepted: () => number;
let echoAccepted: () => number;
let echoSockets: Set<Socket>;
let releaseAll: () => void;

after(async () => {
  releaseAll?.();
  await gw?.close();
  for (const close of closers) close();
});

function cookie(host: string): string {
  const c = cookies.get(host);
  if (c === undefined) throw new Error(`no cookie for ${host}`);
  return c;
}

test('hop-by-hop response headers stay between the gateway and the upstream', async () => {
  const answer = await gw.send({
    host: 'echo.up.test',
    target: '/hop-by-hop',
    headers: { cookie: cookie('echo.up.test') },
  });
  assert.equal(answer.status, 200);
  assert.equal(answer.body, 'hop');
  for (const name of ['x-hop', 'keep-alive', 'proxy-authenticate', 'trailer', 'upgrade'])
    assert.equal(answer.headers[name], undefined, name);
  // the client's own connection is the gateway's to describe, not the upstream's
  assert.notEqual(answer.headers.connection, 'keep-alive, X-Hop');
  assert.deepEqual(answer.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/']);
  assert.equal(answer.headers['x-end'], 'kept');
});

test('hop-by-hop request headers are dropped before the gateway adds its own, and Via is added', async () => {
  const answer = await gw.send({
    host: 'echo.up.test',
    target: '/echo',
    headers: {
      cookie: cookie('echo.up.test'),
      // a client naming the gateway's own headers as hop-by-hop must not get them dropped
      connection: 'keep-alive, X-Forwarded-For, Remote-User, X-Custom, Via',
      'x-custom': 'dropped',
      te: 'trailers',
      'keep-alive': '300',
      'proxy-authorization': 'Basic c2VjcmV0',
      via: '1.0 corp-proxy',
    },
  });
  assert.equal(answer.status, 200, answer.body);
  const seen = answer.json<{ headers: Record<string, string> }>().headers;
  assert.equal(seen['remote-user'], 'alice');
  assert.equal(seen['x-forwarded-for'], '127.0.0.1');
  assert.equal(seen['x-custom'], undefined);
  assert.equal(seen.te, undefined);
  assert.equal(seen['keep-alive'], undefined);
  assert.equal(seen['proxy-authorization'], undefined);
  // named in Connection, so the client's Via is gone; the gateway's is there
  assert.equal(seen.via, '1.1 portcullis');
  const plain = await gw.send({
    host: 'echo.up.test',
    target: '/echo',
    headers: { cookie: cookie('echo.up.test'), via: '1.0 corp-proxy' },
  });
  assert.equal(plain.json<{ headers: Record<string, string> }>().headers.via, '1.0 corp-proxy, 1.1 portcullis');
  assert.equal(lastSeen.host, new URL(gw.runtime.state().apps.find((a) => a.name === 'echo')?.upstream ?? '').host);
});

test('connections to an upstream are reused', async () => {
  const before = echoAccepted();
  for (let i = 0; i < 20; i++) {
    const answer = await gw.send({
      host: 'echo.up.test',
      target: `/reuse/${i}`,
      headers: { cookie: cookie('echo.up.test') },
    });
    assert.equal(answer.status, 200);
  }
  assert.ok(echoAccepted() - before <= 1, `20 requests opened ${echoAccepted() - before} connections`);
  assert.ok(echoSockets.size >= 1);
});

test('keep_alive: 0 opens a connection per request', async () => {
  const before = echoAccepted();
  for (let i = 0; i < 3; i++) {
    const answer = await gw.send({
      host: 'fresh.up.test',
      target: `/fresh/${i}`,
      headers: { cookie: cookie('fresh.up.test') },
    });
    assert.equal(answer.status, 200);
  }
  assert.equal(echoAccepted() - before, 3);
});

test('upstream_options.connections bounds the connections to an upstream; the rest wait', async () => {
  const answers = Array.from({ length: 8 }, (_, i) =>
    gw.send({ host: 'limited.up.test', target: `/hold/${i}`, headers: { cookie: cookie('limited.up.test') } }),
  );
  // two requests reach the upstream; the others wait for a connection
  await pollUntil('two held requests', async () => (held.length === 2 ? true : undefined));
  let done = 0;
  while (done < 8) {
    const n = held.length;
    releaseAll();
    done += n;
    if (done < 8) await pollUntil('the next held requests', async () => (held.length > 0 ? true : undefined));
  }
  for (const answer of await Promise.all(answers)) assert.equal(answer.status, 200);
  assert.equal(mostHeld, 2);
  assert.ok(poolAccepted() <= 2, `${poolAccepted()} connections`);
});

test('an upstream that does not answer in time is a 504; one that is down is a 502', async (t) => {
  await t.test('no status and headers within headers_timeout: 504, JSON and page', async () => {
    const json = await gw.send({ host: 'slow.up.test', target: '/x', headers: { cookie: cookie('slow.up.test') } });
    assert.equal(json.status, 504, json.body);
    assert.equal(json.json().error, 'gateway_timeout');
    assert.match(String(json.json().request_id), /^[a-z2-9]{10}$/);
    const page = await gw.send({
      host: 'slow.up.test',
      target: '/x',
      headers: { cookie: cookie('slow.up.test'), accept: 'text/html' },
    });
    assert.equal(page.status, 504);
    assert.match(page.body, /did not answer in time/);
  });
  await t.test('a TLS handshake that does not finish within connect_timeout: 504', async () => {
    const answer = await gw.send({
      host: 'handshake.up.test',
      target: '/x',
      headers: { cookie: cookie('handshake.up.test') },
    });
    assert.equal(answer.status, 504, answer.body);
  });
  await t.test('a body that stops for body_timeout: the answer is cut, never completed', async () => {
    await assert.rejects(
      stream(gw, { host: 'stall.up.test', path: '/stall-body', cookie: cookie('stall.up.test') }),
      /aborted|ECONNRESET|socket hang up/,
    );
  });
  await t.test('refused connection, with a request body: 502 and no upstream detail', async () => {
    const answer = await gw.send({
      method: 'POST',
      host: 'down.up.test',
      target: '/form',
      headers: { cookie: cookie('down.up.test'), 'content-type': 'text/plain' },
      body: 'x'.repeat(100_000),
    });
    assert.equal(answer.status, 502);
    assert.equal(answer.json().error, 'bad_gateway');
    assert.doesNotMatch(answer.body, /127\.0\.0\.1|ECONNREFUSED/);
  });
});

test('upstream TLS: a private CA or a pinned certificate, never a certificate nobody vouches for', async (t) => {
  const get = (host: string) => gw.send({ host, target: '/tls', headers: { cookie: cookie(host) } });
  await t.test('a self-signed upstream is refused with the system CAs: 502', async () => {
    assert.equal((await get('tls-system.up.test')).status, 502);
  });
  await t.test('with its certificate as the CA and its name: 200, identity passed', async () => {
    const answer = await get('tls-ca.up.test');
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.headers['x-upstream'], 'tls');
    assert.deepEqual(answer.json(), { user: 'alice' });
  });
  await t.test('the right CA but a name the certificate does not carry: 502', async () => {
    assert.equal((await get('tls-ca-by-ip.up.test')).status, 502);
  });
  await t.test('another CA: 502', async () => {
    assert.equal((await get('tls-other-ca.up.test')).status, 502);
  });
  await t.test('pinned (any spelling of the fingerprint): 200, whatever the name', async () => {
    const answer = await get('tls-pin.up.test');
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(answer.json(), { user: 'alice' });
  });
  await t.test('a pin of another certificate: 502', async () => {
    assert.equal((await get('tls-bad-pin.up.test')).status, 502);
  });
});

test('bodies are streamed both ways: 1 GB up and 1 GB down with flat memory', async (t) => {
  const GB = 1024 * 1024 * 1024;
  /** the most this process's memory grew while `run` ran, sampled */
  async function growth<T>(run: () => Promise<T>): Promise<{ value: T; grewBy: number }> {
    globalThis.gc?.();
    const start = process.memoryUsage.rss();
    let peak = start;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 20);
    try {
      const value = await run();
      peak = Math.max(peak, process.memoryUsage.rss());
      return { value, grewBy: peak - start };
    } finally {
      clearInterval(sampler);
    }
  }
  await t.test('download', async () => {
    const { value, grewBy } = await growth(() =>
      stream(gw, { host: 'echo.up.test', path: `/download?bytes=${GB}`, cookie: cookie('echo.up.test') }),
    );
    assert.equal(value.status, 200);
    assert.equal(value.received, GB);
    assert.ok(grewBy < 128 * 1024 * 1024, `memory grew by ${Math.round(grewBy / 1048576)} MB`);
  });
  await t.test('upload', async () => {
    const { value, grewBy } = await growth(() =>
      stream(gw, {
        host: 'echo.up.test',
        path: '/upload',
        method: 'POST',
        cookie: cookie('echo.up.test'),
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(GB) },
        body: bytes(GB),
      }),
    );
    assert.equal(value.status, 200);
    assert.deepEqual(JSON.parse(value.body), { received: GB });
    assert.ok(grewBy < 128 * 1024 * 1024, `memory grew by ${Math.round(grewBy / 1048576)} MB`);
  });
  await t.test('chunked upload (no content-length)', async () => {
    const value = await stream(gw, {
      host: 'echo.up.test',
      path: '/upload',
      method: 'POST',
      cookie: cookie('echo.up.test'),
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes(10 * 1024 * 1024 + 7),
    });
    assert.deepEqual(JSON.parse(value.body), { received: 10 * 1024 * 1024 + 7 });
  });
});

test('an upstream that answers before reading the body: the answer passes and the connection closes', async () => {
  const answer = await stream(gw, {
    host: 'echo.up.test',
    path: '/too-large',
    method: 'POST',
    cookie: cookie('echo.up.test'),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(64 * 1024 * 1024) },
    body: bytes(64 * 1024 * 1024),
  }).catch((err: Error) => err);
  // the client may see the answer, or (having sent while the gateway closed) a reset: never a pass of another answer
  if (!(answer instanceof Error)) {
    assert.equal(answer.status, 413);
    assert.equal(answer.body, 'too large');
    assert.equal(answer.headers.connection, 'close');
  }
});

test('a client that goes away stops the upstream request', async () => {
  const before = endlessClosed;
  await new Promise<void>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: gw.port,
        path: '/endless',
        headers: { host: 'echo.up.test', cookie: cookie('echo.up.test') },
        agent: false,
      },
      (res) => {
        res.once('data', () => {
          res.destroy();
          resolve();
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
  await pollUntil('the upstream response closed', async () => (endlessClosed > before ? true : undefined));
});

test('a request for an upstream nobody signed in for never reaches it', async () => {
  const before = uploadsSeen;
  const answer = await gw.send({ method: 'POST', host: 'echo.up.test', target: '/upload', body: 'x' });
  assert.equal(answer.status, 401);
  assert.equal(uploadsSeen, before);
});

test('the proxied path counts its requests and the time to the upstream headers, per app', async () => {
  const text = await gw.runtime.metrics.registry.metrics();
  const count = Number(/^portcullis_upstream_duration_seconds_count\{app="echo"\} (\d+)$/m.exec(text)?.[1]);
  const authenticated = Number(
    /^portcullis_requests_total\{app="echo",decision="authenticated"\} (\d+)$/m.exec(text)?.[1],
  );
  assert.ok(count >= 20, text);
  assert.equal(count, authenticated, `${authenticated} authenticated, ${count} timed`);
  // a refused request is counted as what it was, never as passed
  assert.match(text, /^portcullis_requests_total\{app="slow",decision="authenticated"\} \d+$/m);
  assert.match(text, /^portcullis_requests_total\{app="echo",decision="challenge"\} [1-9]\d*$/m);
});

/** Opens a WebSocket through the gateway: the upstream's first message, or how it ended. */
function openWs(host: string): Promise<{ first: unknown } | { failed: string }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${gw.port}/socket`, { headers: { host, cookie: cookie(host) } });
    socket.once('message', (data) => {
      resolve({ first: JSON.parse(data.toString()) });
      socket.terminate();
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve({ failed: `status ${res.statusCode}` });
      socket.terminate();
    });
    socket.once('error', (err) => resolve({ failed: err.message }));
    socket.once('close', () => resolve({ failed: 'closed' }));
  });
}

test('WebSocket upgrades to a wss:// upstream use its TLS options too', async (t) => {
  await t.test('its certificate as the CA, with its name: open, identity passed', async () => {
    assert.deepEqual(await openWs('wss-ca.up.test'), { first: { user: 'alice' } });
  });
  await t.test('pinned: open', async () => {
    assert.deepEqual(await openWs('wss-pin.up.test'), { first: { user: 'alice' } });
  });
  await t.test('another pin, or the system CAs: never opened, and no handshake reached the upstream', async () => {
    const before = wssHandshakes;
    for (const host of ['wss-bad-pin.up.test', 'wss-system.up.test']) {
      const outcome = await openWs(host);
      assert.ok('failed' in outcome, `${host}: ${JSON.stringify(outcome)}`);
    }
    assert.equal(wssHandshakes, before);
  });
});
