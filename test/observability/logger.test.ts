/** The logger never prints secrets: redaction by key name at several depths, headers, query strings. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { createLogger, loggerOptions, REDACTED, serializeRequest } from '../../src/observability/logger.ts';
import { captureStream } from './helpers.ts';

const SECRETS = ['hunter2', 'tok-abc', '123456', 'sid=s3cr3t', 'Bearer zzz', 'k-999', 'otp-777', 'rc-1111', 'asrt-xyz'];

function assertNoSecrets(text: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `secret ${s} leaked in: ${text}`);
}

test('secret-named keys are redacted at depths 0 to 3', () => {
  const out = captureStream();
  const log = createLogger({ destination: out });
  log.info(
    {
      password: 'hunter2',
      user: { name: 'alice', token: 'tok-abc' },
      form: { fields: { code: '123456', otp: 'otp-777' } },
      a: { b: { c: { cookie: 'sid=s3cr3t', key: 'k-999', recovery_code: 'rc-1111', visible: 'yes' } } },
      list: [{ assertion: 'asrt-xyz' }],
    },
    'login attempt',
  );
  const text = out.text();
  assertNoSecrets(text);
  assert.ok(text.includes(REDACTED));
  const [line] = out.parsed();
  assert.equal((line as { user: { name: string } }).user.name, 'alice');
  assert.equal((line as { a: { b: { c: { visible: string } } } }).a.b.c.visible, 'yes');
});

test('child bindings with secret names are redacted', () => {
  const out = captureStream();
  createLogger({ destination: out }).child({ token: 'tok-abc' }).info('hello');
  assertNoSecrets(out.text());
  assert.ok(out.text().includes(REDACTED));
});

test('the req serializer logs the path only and never headers', () => {
  const out = captureStream();
  const log = createLogger({ destination: out });
  const fakeReq = {
    method: 'GET',
    url: '/login/verify?code=123456&next=%2F',
    headers: {
      host: 'gw.example',
      cookie: 'sid=s3cr3t',
      authorization: 'Bearer zzz',
      'x-portcullis-assertion': 'asrt-xyz',
    },
    socket: { remoteAddress: '203.0.113.9' },
  };
  log.info({ req: fakeReq }, 'incoming');
  const text = out.text();
  assertNoSecrets(text);
  const [line] = out.parsed();
  assert.deepEqual(line?.['req'], {
    method: 'GET',
    host: 'gw.example',
    path: '/login/verify',
    remoteAddress: '203.0.113.9',
  });
  assert.deepEqual(serializeRequest({ url: '/a#frag?x' }).path, '/a');
});

test('header paths are redacted even when a raw header object is logged', () => {
  const out = captureStream();
  createLogger({ destination: out }).info(
    {
      req: { headers: { cookie: 'sid=s3cr3t' } },
      res: { headers: { 'set-cookie': 'sid=s3cr3t' } },
      headers: { authorization: 'Bearer zzz', 'x-portcullis-assertion': 'asrt-xyz' },
    },
    'raw',
  );
  assertNoSecrets(out.text());
});

test('errors keep a constant-like code readable as errorCode', () => {
  const out = captureStream();
  const err = Object.assign(new Error('store down'), { code: 'PC_ERR_STORE_UNAVAILABLE' });
  createLogger({ destination: out }).error({ err }, 'failed');
  const [line] = out.parsed();
  const e = line?.['err'] as Record<string, unknown>;
  assert.equal(e['code'], REDACTED);
  assert.equal(e['errorCode'], 'PC_ERR_STORE_UNAVAILABLE');
  assert.equal(e['message'], 'store down');
});

test('a Fastify app using the logger logs neither secrets nor query strings', async () => {
  const out = captureStream();
  const app = Fastify({ loggerInstance: createLogger({ destination: out }) });
  app.get('/login/verify', async (req) => {
    req.log.info({ headers: req.headers, query: req.query }, 'handler saw the request');
    return { ok: true };
  });
  const res = await app.inject({
    method: 'GET',
    url: '/login/verify?code=123456',
    headers: { cookie: 'sid=s3cr3t', authorization: 'Bearer zzz', 'x-portcullis-assertion': 'asrt-xyz' },
  });
  assert.equal(res.statusCode, 200);
  await app.close();
  const text = out.text();
  assertNoSecrets(text);
  assert.ok(text.includes(REDACTED));
  const incoming = out.parsed().find((l) => l['msg'] === 'incoming request');
  assert.equal((incoming?.['req'] as { path?: string } | undefined)?.path, '/login/verify');
});

test('loggerOptions works as Fastify logger options and honours the level', async () => {
  const opts = loggerOptions('warn');
  assert.equal(opts.level, 'warn');
  const app = Fastify({ logger: opts });
  assert.equal(app.log.level, 'warn');
  await app.close();
  const out = captureStream();
  const log = createLogger({ level: 'error', destination: out });
  log.info('dropped');
  log.error('kept');
  assert.equal(out.lines.length, 1);
});
