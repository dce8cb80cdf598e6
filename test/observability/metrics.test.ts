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

test('the hot path never calls labels(): the counts reach the counter when it is read, once per combination', async () => {
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
  assert.equal(calls, 0);
  const text = await m.registry.metrics();
  assert.equal(calls, 3);
  assert.match(text, /^portcullis_requests_total\{app="wiki",decision="allow"\} 100$/m);
  // read again: nothing new counted, the totals stay
  m.observeRequest('wiki', 'allow');
  assert.match(await m.registry.metrics(), /^portcullis_requests_total\{app="wiki",decision="allow"\} 101$/m);
  assert.match(await m.registry.metrics(), /^portcullis_requests_total\{app="crm",decision="allow"\} 1$/m);
});

test('the upstream histogram: cumulative buckets, +Inf, sum and count per app, as JSON for a cluster too', async () => {
  const m = createMetrics({ defaultMetrics: false });
  for (const v of [0.0005, 0.001, 0.02, 0.02, 11]) m.observeUpstream('wiki', v);
  m.observeUpstream('crm', 0.3);
  const text = await m.registry.metrics();
  assert.match(text, /^# TYPE portcullis_upstream_duration_seconds histogram$/m);
  assert.match(text, /^portcullis_upstream_duration_seconds_bucket\{le="0.001",app="wiki"\} 2$/m);
  assert.match(text, /^portcullis_upstream_duration_seconds_bucket\{le="0.025",app="wiki"\} 4$/m);
  assert.match(text, /^portcullis_upstream_duration_seconds_bucket\{le="10",app="wiki"\} 4$/m);
  assert.match(text, /^portcullis_upstream_duration_seconds_bucket\{le="\+Inf",app="wiki"\} 5$/m);
  assert.match(text, /^portcullis_upstream_duration_seconds_sum\{app="wiki"\} 11.0415$/m);
  assert.match(text, /^portcullis_upstream_duration_seconds_count\{app="crm"\} 1$/m);
  const json = await m.registry.getMetricsAsJSON();
  const histogram = json.find((x) => x.name === 'portcullis_upstream_duration_seconds');
  assert.equal(histogram?.aggregator, 'sum');
  assert.ok(
    histogram?.values.some(
      (v) =>
        v.labels.app === 'crm' &&
        v.labels.le === 0.5 &&
        v.value === 1 &&
        (v as { metricName?: string }).metricName === 'portcullis_upstream_duration_seconds_bucket',
    ),
  );
});
