/**
 * A worker's side of server.workers: its number (1..N, kept by a restarted worker), the
 * configuration its primary validated (asked at start, pushed at each reload: a worker never
 * reads the files itself, so it never serves a file caught half-edited), and the metrics of
 * every worker, asked of the primary.
 */
import process from 'node:process';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { ConfigSnapshot } from '../config/config-reader.ts';
import { type ToPrimary, toWorker } from './messages.ts';

/** The environment variable that carries a worker's number. */
export const WORKER_SLOT_ENV = 'PORTCULLIS_WORKER';

const ASK_TIMEOUT_MS = 5000;

export interface WorkerLink {
  readonly id: number;
  /** The configuration to serve now (the primary's last valid one). */
  readonly snapshot: ConfigSnapshot;
  /** Exposes this worker's registry to the primary's aggregation. */
  share(registry: Registry): void;
  metrics(): Promise<string>;
  ready(version: string): void;
  /** `reload` runs when the primary sends a new configuration; the version then served is reported back. */
  onReload(reload: () => Promise<string>): void;
}

function send(message: ToPrimary): void {
  process.send?.(message);
}

/** Connects to the primary and waits for the configuration to serve. */
export async function workerLink(): Promise<WorkerLink> {
  const id = Number(process.env[WORKER_SLOT_ENV] ?? '0');
  const pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  let next = 0;
  let reload: (() => Promise<string>) | null = null;
  let snapshot: ConfigSnapshot | null = null;
  let first: ((s: ConfigSnapshot) => void) | null = null;
  process.on('message', (raw: unknown) => {
    const message = toWorker(raw);
    if (message === null) return;
    if (message.type === 'portcullis:metrics') {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (message.text !== undefined) waiting?.resolve(message.text);
      else waiting?.reject(new Error(message.error ?? 'no metrics'));
      return;
    }
    snapshot = message.snapshot;
    if (first) {
      first(message.snapshot);
      first = null;
      return;
    }
    const run = reload;
    if (run === null) return;
    void run().then(
      (version) => send({ type: 'portcullis:reloaded', version }),
      () => {},
    );
  });
  const initial = await new Promise<ConfigSnapshot>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the primary process sent no configuration')), ASK_TIMEOUT_MS);
    first = (s) => {
      clearTimeout(timer);
      resolve(s);
    };
    send({ type: 'portcullis:config?' });
  });
  snapshot = initial;
  return {
    id,
    get snapshot() {
      return snapshot ?? initial;
    },
    share(registry) {
      AggregatorRegistry.setRegistries([registry]);
      // constructing one is what makes prom-client answer the primary's requests for metrics
      new AggregatorRegistry();
    },
    metrics() {
      const requestId = next++;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(requestId);
          reject(new Error('the primary process did not answer'));
        }, ASK_TIMEOUT_MS);
        pending.set(requestId, {
          resolve: (text) => {
            clearTimeout(timer);
            resolve(text);
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        });
        send({ type: 'portcullis:metrics?', id: requestId });
      });
    },
    ready(version) {
      send({ type: 'portcullis:ready', version });
    },
    onReload(fn) {
      reload = fn;
    },
  };
}
