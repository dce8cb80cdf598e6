/**
 * Prometheus metrics, in a per-instance Registry (never the global one, so several gateways in
 * one test process do not collide), with the default process metrics in that registry.
 *
 * The requests counter and the upstream histogram, touched by every proxied request, count in
 * plain arrays (hot-metrics.ts) and reach the registry when it is read; the other observe* helpers
 * memoise the labelled children. Label values must come from a bounded set (app
 * names from the configuration, the Decision union, store kinds): never from request input.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { AccountCounts } from './account-counts.ts';
import { HotHistogram, PendingCounts } from './hot-metrics.ts';

export const DECISIONS = [
  'allow',
  'deny',
  'authenticated',
  'challenge',
  'not_found',
  'bad_request',
  'unavailable',
  'error',
] as const;
export type Decision = (typeof DECISIONS)[number];

/** 1 ms .. 10 s. */
export const UPSTREAM_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface Metrics {
  registry: Registry;
  requests: Counter<'app' | 'decision'>;
  upstreamSeconds: HotHistogram;
  logins: Counter<'outcome'>;
  storeErrors: Counter<'store'>;
  users: Gauge<'tenant' | 'mfa'>;
  accessCodesActive: Gauge<'tenant'>;
  accountsLocked: Gauge<'tenant'>;
  gaugeRefreshErrors: Counter;
  gaugesRefreshedAt: Gauge;
  /** 1 for the configuration version served (several versions at once: workers or instances not converged). */
  config: Gauge<'version'>;
  /** Shows the configuration version now served. */
  showConfigVersion(version: string): void;
  /** Replaces the account gauges at once (a scrape never sees half of a refresh). */
  showAccountCounts(counts: AccountCounts, at: number): void;
  observeRequest(app: string, decision: Decision): void;
  observeUpstream(app: string, seconds: number): void;
  observeLogin(outcome: string): void;
  observeStoreError(store: string): void;
}

function memo<V>(make: (key: string) => V): (key: string) => V {
  const cache = new Map<string, V>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) {
      v = make(key);
      cache.set(key, v);
    }
    return v;
  };
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  // counted in plain arrays on the hot path, added to the counter when it is read
  const pendingRequests = new PendingCounts<Decision>(DECISIONS);
  const requests: Counter<'app' | 'decision'> = new Counter({
    name: 'portcullis_requests_total',
    help: 'Requests handled by the gateway, by app and decision.',
    labelNames: ['app', 'decision'] as const,
    registers: [registry],
    collect() {
      pendingRequests.flushInto(requests);
    },
  });
  const upstreamSeconds = new HotHistogram(
    'portcullis_upstream_duration_seconds',
    'Time to the upstream response headers, by app.',
    'app',
    UPSTREAM_BUCKETS,
    registry,
  );
  const logins = new Counter({
    name: 'portcullis_logins_total',
    help: 'Sign-in attempts, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'portcullis_store_errors_total',
    help: 'Failed store operations, by store.',
    labelNames: ['store'] as const,
    registers: [registry],
  });

  const users = new Gauge({
    name: 'portcullis_users',
    help: 'Enabled users of users.yaml, by tenant (_msp: the MSP staff) and whether they hold a second factor.',
    labelNames: ['tenant', 'mfa'] as const,
    registers: [registry],
    // the same numbers in every worker: summing them would multiply them
    aggregator: 'max',
  });
  const accessCodesActive = new Gauge({
    name: 'portcullis_access_codes_active',
    help: 'Access codes issued and not yet used nor expired, by tenant.',
    labelNames: ['tenant'] as const,
    registers: [registry],
    // the same numbers in every worker: summing them would multiply them
    aggregator: 'max',
  });
  const accountsLocked = new Gauge({
    name: 'portcullis_accounts_locked',
    help: 'Users whose account, or one of whose browsers, is locked out, by tenant.',
    labelNames: ['tenant'] as const,
    registers: [registry],
    // the same numbers in every worker: summing them would multiply them
    aggregator: 'max',
  });
  const gaugeRefreshErrors = new Counter({
    name: 'portcullis_gauge_refresh_errors_total',
    help: 'Failed refreshes of the account gauges (they keep their last values).',
    registers: [registry],
  });
  const gaugesRefreshedAt = new Gauge({
    name: 'portcullis_gauges_refreshed_timestamp_seconds',
    help: 'When the account gauges were last refreshed (Unix time).',
    registers: [registry],
    // the same numbers in every worker: summing them would multiply them
    aggregator: 'max',
  });

  const config = new Gauge({
    name: 'portcullis_config_info',
    help: 'The configuration version served (12 hex digits of its hash): 1 per version in use.',
    labelNames: ['version'] as const,
    registers: [registry],
    aggregator: 'max',
  });

  const loginChild = memo((outcome) => logins.labels(outcome));
  const storeChild = memo((store) => storeErrors.labels(store));

  return {
    registry,
    requests,
    upstreamSeconds,
    logins,
    storeErrors,
    users,
    accessCodesActive,
    accountsLocked,
    gaugeRefreshErrors,
    gaugesRefreshedAt,
    config,
    showConfigVersion(version) {
      config.reset();
      config.labels(version).set(1);
    },
    showAccountCounts(counts, at) {
      users.reset();
      accessCodesActive.reset();
      accountsLocked.reset();
      for (const [tenant, c] of counts) {
        users.labels(tenant, 'yes').set(c.withMfa);
        users.labels(tenant, 'no').set(c.withoutMfa);
        accessCodesActive.labels(tenant).set(c.accessCodes);
        accountsLocked.labels(tenant).set(c.locked);
      }
      gaugesRefreshedAt.set(at / 1000);
    },
    observeRequest: (app, decision) => pendingRequests.add(app, decision),
    observeUpstream: (app, seconds) => upstreamSeconds.observe(app, seconds),
    observeLogin: (outcome) => loginChild(outcome).inc(),
    observeStoreError: (store) => storeChild(store).inc(),
  };
}
