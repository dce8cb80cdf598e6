/**
 * Portcullis started as an operator starts it: `node dist/main.js start --config <gateway.yaml>`
 * in a process of its own (with server.workers above 1, a cluster primary and its workers). Its
 * JSON log lines are kept, to know when it has started, which pids serve (the workers' pids are
 * in the primary's 'worker ready' lines) and whether a worker died. Killed when the benchmark
 * ends, whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { BenchError } from './bench-error.ts';

const MAIN = new URL('../dist/main.js', import.meta.url).pathname;
const SOURCE = new URL('../src/main.ts', import.meta.url).pathname;

export type LogLine = Record<string, unknown>;

export interface GatewayProcess {
  readonly pid: number;
  /** every JSON log line so far */
  readonly logs: readonly LogLine[];
  /** every stdout and stderr line so far, as written */
  readonly lines: readonly string[];
  /** the exit code (null: ended by a signal) */
  readonly exited: Promise<number | null>;
  /** The first log line (past or future) matching `test`; rejects when the process exits or after `ms`. */
  waitForLog(test: (line: LogLine) => boolean, ms?: number): Promise<LogLine>;
  /** The last stdout/stderr lines, for an error message. */
  tail(): string;
  /** SIGTERM, then SIGKILL (the process and the workers in `pids`) if it has not exited within 10 s; the exit code. */
  stop(pids?: readonly number[]): Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** `fromSource`: run src/main.ts through tsx (the tests) rather than the build in dist/ (the benchmark). */
export function startGatewayProcess(
  gatewayPath: string,
  options: { fromSource?: boolean; nodeOptions?: readonly string[] } = {},
): GatewayProcess {
  const entry = options.fromSource ? ['--import', 'tsx', SOURCE] : [MAIN];
  const child = spawn(process.execPath, [...(options.nodeOptions ?? []), ...entry, 'start', '--config', gatewayPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new BenchError(`cannot start ${MAIN}`);
  running.add(child);
  const lines: string[] = [];
  const logs: LogLine[] = [];
  const waiters = new Set<{ test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let partial = '';
  const take = (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) {
      if (text === '') continue;
      lines.push(text);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
      }
      logs.push(line);
      for (const w of waiters)
        if (w.test(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
    }
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const tail = () => lines.slice(-20).join('\n');
  return {
    pid: child.pid,
    logs,
    lines,
    exited,
    tail,
    waitForLog(test, ms = 30_000) {
      const seen = logs.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          test,
          resolve: (l: LogLine) => {
            clearTimeout(timer);
            resolve(l);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new BenchError(`portcullis start: the expected log line did not come within ${ms} ms:\n${tail()}`));
        }, ms);
        waiters.add(waiter);
        void exited.then((code) => {
          if (!waiters.delete(waiter)) return;
          clearTimeout(timer);
          reject(new BenchError(`portcullis start exited (code ${code}):\n${tail()}`));
        });
      });
    },
    async stop(pids = []) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }, 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
