/**
 * The two metrics every proxied request touches, kept in plain arrays so the hot path does a Map
 * lookup and an increment: prom-client's own `inc()` and `observe()` hash the label values on every
 * call. The numbers reach the registry only when it is read (a scrape, or the primary gathering its
 * workers), through the same metric names, types, labels and aggregation as before.
 */
import type { Counter, MetricValueWithName, Registry } from 'prom-client';

/** What a registry reads from a metric (prom-client's MetricObjectWithValues, without its collect). */
interface Exported {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly values: MetricValueWithName<string>[];
  readonly aggregator: 'sum';
}

/** Counts per key and kind, added to a prom-client counter when it is read (its `collect`). */
export class PendingCounts<K extends string> {
  readonly #kinds: readonly K[];
  readonly #index: Map<K, number>;
  readonly #pending = new Map<string, Float64Array>();

  constructor(kinds: readonly K[]) {
    this.#kinds = kinds;
    this.#index = new Map(kinds.map((k, i) => [k, i]));
  }

  add(key: string, kind: K): void {
    let row = this.#pending.get(key);
    if (row === undefined) {
      row = new Float64Array(this.#kinds.length);
      this.#pending.set(key, row);
    }
    const i = this.#index.get(kind) as number;
    row[i] = (row[i] as number) + 1;
  }

  /** Moves the counts into `counter` (labels: key, kind). */
  flushInto(counter: Counter<string>): void {
    for (const [key, row] of this.#pending) {
      for (let i = 0; i < row.length; i++) {
        const n = row[i] as number;
        if (n === 0) continue;
        counter.labels(key, this.#kinds[i] as string).inc(n);
        row[i] = 0;
      }
    }
  }
}

interface Series {
  /** per bucket, not cumulative; the last one is +Inf */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** A histogram with one label, registered in a prom-client registry as prom-client's own would be. */
export class HotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelName: string,
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.#bounds = [...buckets].sort((a, b) => a - b);
    registry.registerMetric(this as never);
  }

  observe(label: string, value: number): void {
    let s = this.#series.get(label);
    if (s === undefined) {
      s = { counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
      this.#series.set(label, s);
    }
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    s.counts[i] = (s.counts[i] as number) + 1;
    s.sum += value;
    s.count++;
  }

  reset(): void {
    this.#series.clear();
  }

  /** As prom-client's getForPromString: `le` first, then the shared label. */
  getForPromString(): Exported {
    return this.#values(false);
  }

  /** As prom-client's get(): the labels in one object (what a cluster's primary aggregates). */
  get(): Exported {
    return this.#values(true);
  }

  #values(splay: boolean): Exported {
    const values: MetricValueWithName<string>[] = [];
    const entry = (
      labels: Record<string, string | number>,
      shared: Record<string, string>,
      value: number,
      metricName: string,
    ) =>
      values.push(
        (splay
          ? { labels: { ...labels, ...shared }, value, metricName }
          : { labels, sharedLabels: shared, value, metricName }) as MetricValueWithName<string>,
      );
    for (const [label, s] of this.#series) {
      const shared = { [this.labelName]: label };
      let acc = 0;
      this.#bounds.forEach((bound, i) => {
        acc += s.counts[i] as number;
        entry({ le: bound }, shared, acc, `${this.name}_bucket`);
      });
      entry({ le: '+Inf' }, shared, s.count, `${this.name}_bucket`);
      entry({}, shared, s.sum, `${this.name}_sum`);
      entry({}, shared, s.count, `${this.name}_count`);
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
