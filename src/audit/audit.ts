/**
 * AuditLog: the audit trail. record() is synchronous and cheap: it writes one pino line and
 * queues the row; rows reach the durable store in small batches off the request path
 * (setImmediate), so a slow or failing database never blocks a request.
 *
 * - The log line and the row carry the request's id (`request_id`), the reference a refusal page
 *   shows and the `reqId` of the request's own log lines; null for events not from a request.
 * - The detail is copied and every key that names a secret (see SECRET_KEYS: `password`,
 *   `refresh_token`, `apiKey`...) is removed, recursively, before logging or storing.
 * - A failed write is logged at error (event name only, never the detail), counted in
 *   `failures`, and retried once after `retryDelayMs`; a row that fails twice is counted in `lost`.
 * - The queue is bounded (`maxQueue`, default 10 000): overflow drops the oldest row, counted in
 *   `dropped`.
 * - flush() resolves when everything queued so far has been written or given up (shutdown, tests).
 */
import type { pino } from 'pino';
import type { Clock } from '../clock.ts';
import { SECRET_KEYS } from '../observability/logger.ts';
import type { AuditRecord, DurableStore } from '../stores/durable.ts';

/** An event to record; `requestId` is the request's id (request.id), null for events not from a request. */
export type AuditInput = Omit<AuditRecord, 'time'> & { time?: number };

export interface AuditLogOptions {
  durable: DurableStore;
  logger: pino.Logger;
  clock: Clock;
  /** Rows held before the oldest is dropped (default 10 000). */
  maxQueue?: number;
  /** Rows written per batch before yielding to the event loop (default 50). */
  batchSize?: number;
  /** Wait before retrying failed rows (default 200 ms). */
  retryDelayMs?: number;
  /** Called on every failed write (e.g. to count store errors in metrics). */
  onWriteError?: (err: unknown) => void;
}

const SECRET_SET = new Set(SECRET_KEYS);

/** True when the key, or any of its words (snake, kebab or camel case), names a secret. */
export function isSecretKey(key: string): boolean {
  const lower = key.toLowerCase();
  if (SECRET_SET.has(lower)) return true;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((w) => SECRET_SET.has(w));
}

/** A copy of the value without secret-named keys (plain objects and arrays, up to `depth` levels). */
function scrub(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth <= 0) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth - 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!isSecretKey(k)) out[k] = scrub(v, depth - 1);
  }
  return out;
}

export function scrubDetail(detail: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (detail === null || detail === undefined) return null;
  return scrub(detail, 4) as Record<string, unknown>;
}

interface Pending {
  record: AuditRecord;
  attempts: number;
}

export class AuditLog {
  readonly #durable: DurableStore;
  readonly #logger: pino.Logger;
  readonly #clock: Clock;
  readonly #maxQueue: number;
  readonly #batchSize: number;
  readonly #retryDelayMs: number;
  readonly #onWriteError: ((err: unknown) => void) | undefined;
  #queue: Pending[] = [];
  #drain: Promise<void> | null = null;
  #failures = 0;
  #dropped = 0;
  #lost = 0;
  #written = 0;

  constructor(options: AuditLogOptions) {
    this.#durable = options.durable;
    this.#logger = options.logger;
    this.#clock = options.clock;
    this.#maxQueue = options.maxQueue ?? 10_000;
    this.#batchSize = options.batchSize ?? 50;
    this.#retryDelayMs = options.retryDelayMs ?? 200;
    this.#onWriteError = options.onWriteError;
  }

  /** Failed write attempts. */
  get failures(): number {
    return this.#failures;
  }
  /** Rows dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }
  /** Rows given up after the retry failed too. */
  get lost(): number {
    return this.#lost;
  }
  /** Rows written to the durable store. */
  get written(): number {
    return this.#written;
  }
  /** Rows waiting to be written. */
  get pending(): number {
    return this.#queue.length;
  }

  record(e: AuditInput): void {
    const record: AuditRecord = {
      time: e.time ?? this.#clock.now(),
      event: e.event,
      outcome: e.outcome,
      tenant: e.tenant ?? null,
      user: e.user ?? null,
      ip: e.ip ?? null,
      country: e.country ?? null,
      device: e.device ?? null,
      app: e.app ?? null,
      rule: e.rule ?? null,
      detail: scrubDetail(e.detail),
      requestId: e.requestId,
    };
    const { time: _time, requestId, ...line } = record;
    this.#logger.info({ audit: true, ...line, request_id: requestId }, record.event);
    this.#queue.push({ record, attempts: 0 });
    if (this.#queue.length > this.#maxQueue) {
      this.#queue.shift();
      this.#dropped++;
    }
    this.#schedule(0);
  }

  /** Resolves once every row queued so far is written or given up. */
  async flush(): Promise<void> {
    while (this.#drain !== null || this.#queue.length > 0) {
      if (this.#drain === null) this.#schedule(0);
      await this.#drain;
    }
  }

  #schedule(delayMs: number): void {
    if (this.#drain !== null) return;
    this.#drain = new Promise<void>((resolve) => {
      const run = () => {
        this.#run().then(resolve, resolve);
      };
      if (delayMs > 0) setTimeout(run, delayMs);
      else setImmediate(run);
    }).finally(() => {
      this.#drain = null;
      if (this.#queue.length > 0) this.#schedule(this.#retryPending() ? this.#retryDelayMs : 0);
    });
  }

  /** True when the next row is a retry (so the next drain waits before trying it). */
  #retryPending(): boolean {
    return (this.#queue[0]?.attempts ?? 0) > 0;
  }

  /** Writes one batch; failed first attempts go back to the front of the queue. */
  async #run(): Promise<void> {
    const batch = this.#queue.splice(0, this.#batchSize);
    const retry: Pending[] = [];
    for (const item of batch) {
      try {
        await this.#durable.appendAudit(item.record);
        this.#written++;
      } catch (err) {
        this.#failures++;
        item.attempts++;
        const willRetry = item.attempts < 2;
        if (willRetry) retry.push(item);
        else this.#lost++;
        this.#logger.error({ err, event: item.record.event, attempt: item.attempts, willRetry }, 'audit write failed');
        try {
          this.#onWriteError?.(err);
        } catch {
          // a metrics hook must never break the audit writer
        }
      }
    }
    if (retry.length > 0) this.#queue.unshift(...retry);
  }
}
