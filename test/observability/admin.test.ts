/** The admin server: liveness, bounded readiness over the stores, metrics exposition, 404s. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { StoreUnavailableError } from '../../src/errors.ts';
import { buildAdminServer } from '../../src/observability/admin.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { type ReadinessCheck, storeReadiness } from '../../src/observability/readiness.ts';
import { REQUEST_ID_LENGTH, requestIds } from '../../src/observability/request-id.ts';
import { MemoryEphemeralStore } from '../../src/stores/memory.ts';
import { SqliteDurableStore } from '../../src/stores/sqlite.ts';
import { captureStream, FakeDurable } from './helpers.ts';

async function setup(t: { after(fn: () => Promise<void>): void }, readiness?: ReadinessCheck, readyTimeoutMs?: number) {
  const ephemeral = new MemoryEphemeralStore({ clock: new ManualClock() });
  const durable = await SqliteDurableStore.open(':memory:');
  const metrics = createMetrics();
  const out = captureStream();
  const app = buildAdminServer({
    metrics,
    readiness: readiness ?? storeReadiness({ ephemeral, durable }),
    logger: createLogger({ destination: out }),
    ...(readyTimeoutMs === undefined ? {} : { readyTimeoutMs }),
  });
  t.after(async () => {
    await app.close();
    await ephemeral.close();
    await durable.close();
  });
  return { app, metrics, ephemeral, durable, out };
}

test('GET /healthz and GET /livez answer 200 ok', async (t) => {
  const { app } = await setup(t);
  for (const url of ['/healthz', '/livez']) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, url);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(res.json(), { status: 'ok' });
  }
});

test('GET /readyz answers 200 when both stores answer', async (t) => {
  const { app } = await setup(t);
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { ready: true, checks: { ephemeral: 'ok', durable: 'ok' } });
});

test('GET /readyz answers 503 when a store ping rejects', async (t) => {
  const ephemeral = new MemoryEphemeralStore({ clock: new ManualClock() });
  const durable = new FakeDurable(undefined, async () => {
    throw new StoreUnavailableError('sqlite');
  });
  const { app } = await setup(t, storeReadiness({ ephemeral, durable }));
  t.after(() => ephemeral.close());
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { ready: false, checks: { ephemeral: 'ok', durable: 'down' } });
});

test('GET /readyz answers 503 when a closed store rejects', async (t) => {
  const { app, ephemeral } = await setup(t);
  await ephemeral.close();
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { ready: false, checks: { ephemeral: 'down', durable: 'ok' } });
});

test('GET /readyz answers 503 when a store ping hangs past the timeout', async (t) => {
  const ephemeral = new MemoryEphemeralStore({ clock: new ManualClock() });
  const durable = new FakeDurable(undefined, () => new Promise<void>(() => {}));
  const { app } = await setup(t, storeReadiness({ ephemeral, durable }, 50));
  t.after(() => ephemeral.close());
  const started = performance.now();
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  const elapsed = performance.now() - started;
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { ready: false, checks: { ephemeral: 'ok', durable: 'down' } });
  assert.ok(elapsed >= 45 && elapsed < 1000, `answered after ${elapsed} ms`);
});

test('GET /readyz answers 503 when the readiness function itself hangs or throws', async (t) => {
  const hanging = await setup(t, () => new Promise(() => {}), 50);
  const res1 = await hanging.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(res1.statusCode, 503);
  assert.deepEqual(res1.json(), { ready: false, checks: {} });
  const throwing = await setup(t, async () => {
    throw new Error('boom');
  });
  const res2 = await throwing.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(res2.statusCode, 503);
  assert.deepEqual(res2.json(), { ready: false, checks: {} });
});

test('GET /metrics answers the exposition with the Prometheus content type', async (t) => {
  const { app, metrics } = await setup(t);
  metrics.observeRequest('wiki', 'challenge');
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], metrics.registry.contentType);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(res.body, /^portcullis_requests_total\{app="wiki",decision="challenge"\} 1$/m);
  assert.match(res.body, /^# TYPE portcullis_upstream_duration_seconds histogram$/m);
});

test('unknown routes and methods answer 404 JSON', async (t) => {
  const { app } = await setup(t);
  for (const [method, url] of [
    ['GET', '/nope'],
    ['POST', '/healthz'],
    ['GET', '/metrics/x'],
  ] as const) {
    const res = await app.inject({ method, url });
    assert.equal(res.statusCode, 404, `${method} ${url}`);
    assert.deepEqual(res.json(), { error: 'not found' });
  }
});

test('probes and scrapes are not logged', async (t) => {
  const { app, out } = await setup(t);
  await app.inject({ method: 'GET', url: '/healthz' });
  await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(out.lines.length, 0);
});

test('request ids: 10 readable characters from the injected randomness, one draw for many ids', () => {
  let draws = 0;
  let counter = 0;
  const next = requestIds({
    bytes: (n) => {
      draws++;
      return Buffer.from(Array.from({ length: n }, () => counter++ % 256));
    },
  });
  const ids = Array.from({ length: 1000 }, () => next());
  assert.ok(ids.every((id) => id.length === REQUEST_ID_LENGTH && /^[a-km-z2-9]+$/.test(id)));
  assert.equal(ids[0], 'abcdefghij');
  assert.equal(draws, 3, 'a pool of 4096 bytes serves 409 ids');
  assert.equal(new Set(ids).size > 1, true);
});
