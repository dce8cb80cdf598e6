/**
 * The benchmark's child processes (bench/upstream.ts, bench/target.ts, bench/trivial-auth.ts),
 * forked with an IPC channel: they say when they are ready and answer for their CPU time.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError, fail } from './bench-error.ts';
import { pin } from './pin.ts';
import type { ServedTarget, TargetAuth } from './served-target.ts';
import type { ChildMessage } from './shared.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface Child {
  process: ChildProcess;
  ready: Extract<ChildMessage, { type: 'ready' }>;
  /** the next message of the given type */
  next<T extends ChildMessage['type']>(type: T): Promise<Extract<ChildMessage, { type: T }>>;
  /** its CPU time (user + system, µs) so far, asked over the IPC channel */
  cpu(): Promise<number>;
  close(): Promise<void>;
}

export interface ChildOptions {
  /** Node options before the tsx loader, e.g. --cpu-prof */
  execArgv?: string[];
  /** the CPUs to pin it to once ready (taskset -c syntax); null: where it started */
  cpus?: string | null;
}

export function startChild(file: string, args: string[], options: ChildOptions = {}): Promise<Child> {
  const child = fork(join(here, file), args, {
    execArgv: [...(options.execArgv ?? []), '--import', 'tsx'],
    env: process.env,
    stdio: 'inherit',
  });
  const waiting: { type: string; resolve: (m: ChildMessage) => void }[] = [];
  let exited = false;
  child.on('message', (m: ChildMessage) => {
    const i = waiting.findIndex((w) => w.type === m.type);
    if (i !== -1) waiting.splice(i, 1)[0]?.resolve(m);
  });
  const next = <T extends ChildMessage['type']>(type: T) =>
    new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
      if (exited) reject(new BenchError(`${file} has exited`));
      waiting.push({ type, resolve: resolve as (m: ChildMessage) => void });
    });
  const close = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      child.send({ type: 'close' });
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      exited = true;
      reject(new BenchError(`${file} ${args[0] ?? ''} exited (code ${code}) before it was ready`));
    });
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'error') reject(new BenchError(`${file} ${args[0] ?? ''} failed to start:\n${m.message}`));
      if (m.type !== 'ready') return;
      try {
        if (child.pid !== undefined) pin(child.pid, options.cpus ?? null);
      } catch (err) {
        void close();
        reject(err);
        return;
      }
      resolve({
        process: child,
        ready: m,
        next,
        async cpu() {
          child.send({ type: 'cpu' });
          return (await next('cpu')).cpuMicros;
        },
        close,
      });
    });
  });
}

export type ChildRole = 'bare' | 'reference' | 'portcullis' | 'portcullis-mfa';

/** A proxy forked from bench/target.ts as a target: its CPU time comes over the IPC channel. */
export async function childTarget(
  role: ChildRole,
  origin: string,
  options: ChildOptions = {},
): Promise<ServedTarget & { child: Child }> {
  const child = await startChild('target.ts', [role, origin], options);
  const authenticated = role === 'portcullis' || role === 'portcullis-mfa';
  const cookieName = authenticated ? (child.ready.cookieName ?? null) : null;
  if (authenticated && cookieName === null) {
    await child.close();
    fail(`${role} did not report its cookie name`);
  }
  const auth: TargetAuth = authenticated
    ? { kind: 'inline', level: role === 'portcullis-mfa' ? 'mfa' : 'password' }
    : { kind: 'none' };
  return {
    child,
    port: child.ready.port,
    cookieName,
    auth,
    verifyRepeat: 1,
    cpu: async () => ({ proxy: await child.cpu() }),
    check() {},
    close: () => child.close(),
  };
}
