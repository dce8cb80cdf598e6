import { freePort } from '../test/helpers/ports.ts';
import { BenchError, fail } from './bench-error.ts';
import { writeBenchConfig } from './config-folder.ts';
import { startGatewayProcess } from './gateway-process.ts';
import { pin } from './pin.ts';
import { processCpuMicros } from './proc-stat.ts';
import type { ServedTarget } from './served-target.ts';
import { freshLocations } from './shared-stores.ts';

/** The gateway's default session cookie name for an http public_url. */
const COOKIE_NAME = 'portcullis_session';
/** Start-up includes the PostgreSQL migrations of a fresh schema. */
const START_MS = 60_000;

/** The serving processes by name, from the primary's 'worker ready' log lines (the latest per worker). */
export function workerPids(logs: readonly Record<string, unknown>[], workers: number): Record<string, number> {
  const byWorker = new Map<number, number>();
  for (const l of logs)
    if (l.msg === 'worker ready' && typeof l.worker === 'number' && typeof l.pid === 'number')
      byWorker.set(l.worker, l.pid);
  const out: Record<string, number> = {};
  for (let id = 1; id <= workers; id++) {
    const pid = byWorker.get(id);
    if (pid === undefined) throw new BenchError(`worker ${id} never logged 'worker ready'`);
    out[`worker ${id}`] = pid;
  }
  return out;
}

export async function startClusterTarget(opts: {
  workers: number;
  upstream: string;
  passwordHash: string;
  listenHost: string;
  /** every CPU (taskset -c) when the benchmark pins: the gateway inherits the load generator's core otherwise */
  cpus: string | null;
}): Promise<ServedTarget> {
  const { workers } = opts;
  const stores = freshLocations();
  const [port, adminPort] = [await freePort(), await freePort()];
  const host = opts.listenHost === '::' ? '[::]' : opts.listenHost;
  const config = writeBenchConfig({
    upstream: opts.upstream,
    server: { listen: `${host}:${port}`, admin_listen: `127.0.0.1:${adminPort}`, workers },
    stores: { durable: stores.durable, ephemeral: stores.ephemeral },
    passwordHash: opts.passwordHash,
  });
  const gateway = startGatewayProcess(config.gatewayPath);
  let pids: Record<string, number> = {};
  const close = async () => {
    try {
      await gateway.stop(Object.values(pids));
    } finally {
      config.remove();
      await stores.remove();
    }
  };
  try {
    const started = await gateway.waitForLog((l) => l.msg === 'portcullis started', START_MS);
    if (workers === 1) {
      if (started.workers !== undefined) fail(`workers: 1 started a cluster: ${JSON.stringify(started)}`);
      pids = { gateway: gateway.pid };
    } else {
      if (started.workers !== workers) fail(`expected ${workers} workers, the primary says ${started.workers}`);
      pids = { primary: gateway.pid, ...workerPids(gateway.logs, workers) };
    }
    for (const pid of Object.values(pids)) pin(pid, opts.cpus);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    port,
    cookieName: COOKIE_NAME,
    auth: { kind: 'inline', level: 'password' },
    verifyRepeat: 2 * workers + 2,
    async cpu() {
      const out: Record<string, number> = {};
      for (const [name, pid] of Object.entries(pids)) {
        let micros: number | null;
        try {
          micros = processCpuMicros(pid);
        } catch {
          fail(`${name} (pid ${pid}) is gone:\n${gateway.tail()}`);
        }
        if (micros === null) return null;
        out[name] = micros;
      }
      return out;
    },
    check() {
      const died = gateway.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('worker died'));
      if (died) fail(`a worker died during the measurement: ${JSON.stringify(died)}`);
    },
    close,
  };
}
