/** Metrics: per-instance registries, memoised children, exposition after observations. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { register as globalRegistry } from 'prom-client';
import { createMetrics } from '../../src/observability/metrics.ts';

test('the exposition contains the counters and histogram after observations', async () => {
  const m = createMetrics();
  m.observeRequest('wiki', 'allow');
  m.observeRequest('wiki', 'allow');
  m.observeRequest('wiki', 'deny');
  m.observeRequest('', 'not_found');
  m.observeUpstream('wiki', 0.003);
  m.observeUpstream('wiki', 12);
  m.observeLogin('success');
  m.observeStoreError('ephemeral');
  const text = await m.registry.metrics();
  assert.match(text, /^portcullis_requests_total\{app="wiki",decision="allow"\} 2$/m);
  assert.match(text, /^portcullis_requests_total\{app="wiki",decision="deny"\} 1$/m);
  assert.match(text, /^portcullis_requests_total\{app="",decision="not_found"\} 1$/m);
  assert.match(text, /^portcullis_upstream_duration_seconds_bucket\{le="0.001",app="wiki"\} 0$/m);
  assert.match(text, /^portcullis_upstream_duration_seconds_bucket\{le="0.005",app="wiki"\} 1$/m);
  assert.match(text, /^portcullis_upstream_duration_seconds_bucket\{le="10",app="wiki"\} 1$/m);
  assert.match(text, /^portcullis_upstream_duration_seconds_count\{app="wiki"\} 2$/m);
  assert.match(text, /^portcullis_logins_total\{outcome="success"\} 1$/m);
  assert.match(text, /^portcullis_store_errors_total\{store="ephemeral"\} 1$/m);
  assert.match(text, /^process_cpu_user_seconds_total /m, 'default process metrics');
});

test('two instances do not collide and do not use the global registry', async () => {
  const a = createMetrics();
  const b = createMetrics();
  a.observeRequest('wiki', 'allow');
  assert.match(await a.registry.metrics(), /decision="allow"\} 1$/m);
  assert.doesNotMatch(await b.registry.metrics(), /decision="allow"/);
  assert.doesNotMatch(await globalRegistry.metrics(), /portcullis_/);
});

test('labelled children are memoised: labels() runs once per label combination', () => {
  const m = createMetrics({ defaultMetrics: false });
  let calls = 0;
  const original = m.requests.labels.bind(m.requests);
  m.requests.labels = ((...values: string[]) => {
    calls++;
    return original(...values);
  }) as typeof m.requests.labels;
  for (let i = 0; i < 100; i++) m.observeRequest('wiki', 'allow');
  m.observeRequest('wiki', 'deny');
  m.observeRequest('crm', 'allow');
  assert.equal(calls, 3);
});
