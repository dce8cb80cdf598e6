import { availableParallelism } from 'node:os';

/** `server.workers` as written: a count or `auto` (one per core). */
export type WorkersSetting = number | 'auto' | undefined;

/** How many worker processes `server.workers` asks for on this machine. */
export function workerCount(setting: WorkersSetting): number {
  if (setting === 'auto') return availableParallelism();
  return setting ?? 1;
}

/**
 * Why these stores cannot serve several worker processes, or null. `auto` is judged as several
 * whatever this machine's cores: a configuration must not pass on one machine and fail on the next.
 */
export function workersProblem(setting: WorkersSetting, stores: { ephemeral: string; durable: string }): string | null {
  if (setting === undefined || setting === 1) return null;
  const missing: string[] = [];
  if (stores.ephemeral === 'memory')
    missing.push('stores.ephemeral is memory (each worker would hold its own sessions): use redis://');
  if (/^sqlite:/i.test(stores.durable)) missing.push('stores.durable is SQLite (one writing process): use postgres://');
  if (missing.length === 0) return null;
  return `server.workers: ${setting} needs stores shared by every worker: ${missing.join('; ')}`;
}
