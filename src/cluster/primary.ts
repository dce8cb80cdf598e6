/**
 * The primary process of server.workers: it serves nothing itself. It validates the
 * configuration, forks the workers (they share the listening ports through node:cluster),
 * watches the files and, when they change and validate, sends every worker what it validated
 * (config-reader.ts: a snapshot of the files' text), so workers never read a file half-edited and
 * all serve one version; they report the version they serve, and the log says when they converged.
 * The metrics of all workers are summed here on a worker's request (prom-client's
 * AggregatorRegistry). A worker that dies is restarted with backoff; one that dies before the
 * first start completed stops everything with exit 1 (a configuration that cannot start must
 * not loop). SIGTERM and SIGINT stop the workers gracefully; SIGHUP reloads.
 */
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import type { pino } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { type ConfigSnapshot, recordingReader } from '../config/config-reader.ts';
import { type LoadedFiles, loadConfigFiles } from '../config/load.ts';
import { configWatchTargets, Reloader } from '../config/reload.ts';
import { buildState } from '../state.ts';
import { type ToWorker, toPrimary } from './messages.ts';
import { RestartBackoff } from './restart-backoff.ts';
import { WORKER_SLOT_ENV } from './worker-link.ts';

export interface PrimaryOptions {
  readonly configPath: string;
  readonly count: number;
  readonly logger: pino.Logger;
  readonly whoamiOrigin: string;
}

/** A configuration the primary read and validated, and what it read (for the workers). */
interface Validated {
  readonly files: LoadedFiles;
  readonly snapshot: ConfigSnapshot;
}

async function validate(options: PrimaryOptions): Promise<Validated> {
  const recording = recordingReader();
  const files = await loadConfigFiles(options.configPath, process.env, recording.reader);
  buildState(files, { whoamiOrigin: options.whoamiOrigin }); // throws the located problems
  return { files, snapshot: recording.snapshot() };
}

interface Slot {
  readonly id: number;
  worker: Worker | null;
  startedAt: number;
  version: string | null;
  readonly backoff: RestartBackoff;
}

export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { logger, count } = options;
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    worker: null,
    startedAt: 0,
    version: null,
    backoff: new RestartBackoff(),
  }));
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let started = false;
  let failStart: ((code: number) => void) | null = null;

  const reloader = new Reloader<Validated>({
    build: () => validate(options),
    initial: await validate(options),
    logger,
    watch: (v) => configWatchTargets(v.files),
  });
  const configMessage = (): ToWorker => ({
    type: 'portcullis:config',
    version: reloader.current.files.version,
    snapshot: reloader.current.snapshot,
  });
  const broadcast = (message: ToWorker) => {
    for (const slot of slots) if (slot.worker?.isConnected()) slot.worker.send(message);
  };
  reloader.onSwap((next) => {
    logger.info({ version: next.files.version }, 'configuration changed and valid: sending it to the workers');
    broadcast(configMessage());
  });

  const converged = () => {
    const versions = new Set(slots.map((s) => s.version));
    if (versions.size === 1 && !versions.has(null))
      logger.info({ version: slots[0]?.version, workers: count }, 'every worker serves one configuration version');
  };

  const fork = (slot: Slot) => {
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot.id) });
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.version = null;
    worker.on('message', (raw: unknown) => {
      const message = toPrimary(raw);
      if (message === null) return;
      if (message.type === 'portcullis:config?') {
        worker.send(configMessage());
        return;
      }
      if (message.type === 'portcullis:metrics?') {
        aggregator.clusterMetrics().then(
          (text) => worker.isConnected() && worker.send({ type: 'portcullis:metrics', id: message.id, text }),
          (err: Error) =>
            worker.isConnected() && worker.send({ type: 'portcullis:metrics', id: message.id, error: err.message }),
        );
        return;
      }
      slot.version = message.version;
      if (message.type === 'portcullis:ready') {
        logger.info({ worker: slot.id, pid: worker.process.pid, version: message.version }, 'worker ready');
        // a worker that started just before a change catches up
        if (message.version !== reloader.current.files.version) worker.send(configMessage());
      }
      if (message.type === 'portcullis:ready' && !started && slots.every((s) => s.version !== null)) {
        started = true;
        logger.info({ workers: count }, 'portcullis started');
      }
      converged();
    });
    worker.on('exit', (code, signal) => {
      if (slot.worker === worker) slot.worker = null;
      if (stopping) return;
      if (!started) {
        logger.error({ worker: slot.id, code, signal }, 'a worker failed to start: stopping');
        failStart?.(1);
        return;
      }
      const delay = slot.backoff.next(Date.now() - slot.startedAt);
      logger.error({ worker: slot.id, code, signal, restartInMs: delay }, 'worker died: restarting it');
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, delay).unref();
    });
  };

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    reloader.close();
    const alive = slots.flatMap((s) => (s.worker && !s.worker.isDead() ? [s.worker] : []));
    for (const w of alive) w.process.kill('SIGTERM');
    await Promise.all(alive.map((w) => (w.isDead() ? undefined : once(w, 'exit'))));
    process.exit(code);
  };
  failStart = (code) => void stop(code);
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading configuration');
    void reloader.reload();
  });
  for (const slot of slots) fork(slot);
  await new Promise(() => {});
  return 0;
}
