/** What bench/run.ts and its child processes (bench/upstream.ts, bench/target.ts) share. */

/** The upstream's fixed answer; autocannon counts any other body as a mismatch. */
export const BODY = JSON.stringify({ ok: true, service: 'bench-upstream', items: [1, 2, 3] });

/** Host of the benchmarked app, and the path every measured request asks for. */
export const APP_HOST = 'app.test';
export const BENCH_PATH = '/api/items?page=1';
/** Answered by the upstream with the headers it received (pre-flight check only). */
export const ECHO_PATH = '/.bench/echo';
/** alice's password in the benchmark's users.yaml */
export const PASSWORD = 'correct horse battery staple';

export interface UpstreamCounts {
  total: number;
  /** requests carrying Remote-User: alice (only Portcullis adds it) */
  withIdentity: number;
  /**
   * requests that reached the upstream with a Cookie header: the measured requests carry only the
   * gateway's session cookie, which Portcullis must strip, so this must stay 0
   */
  leakedCookie: number;
  /**
   * TCP connections the upstream accepted: a proxy that keeps its connections to the upstream
   * alive opens a few at the start, one that does not (or whose pool is smaller than the load's
   * concurrency) opens them as it goes
   */
  connections: number;
}

export type ChildMessage =
  | { type: 'ready'; port: number; cookieName?: string }
  | { type: 'counts'; counts: UpstreamCounts; cpuMicros: number }
  | { type: 'cpu'; cpuMicros: number }
  | { type: 'error'; message: string };

export type ParentMessage = { type: 'counts' } | { type: 'cpu' } | { type: 'close' };

/** CPU time (user + system) this process has used so far, in µs. */
export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}
