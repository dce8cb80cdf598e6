/**
 * A private, throw-away redis-server for tests that need to take Redis down and bring it back.
 *
 * startPrivateRedis() spawns `redis-server` (from PATH) on a free loopback port, without any
 * persistence (`--save "" --appendonly no`), and resolves once it answers PING. stop() shuts it
 * down and waits for the process to exit; start() brings it back on the same port; freeze() and
 * thaw() simulate a hung server (SIGSTOP / SIGCONT). Extra
 * server arguments (e.g. ['--requirepass', 'x']) may be passed.
 *
 * When redis-server is not installed, gate the test with requireRedisServer(t), which behaves
 * like requireService: skip with a notice outside CI, fail under CI=true.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import type { TestContext } from 'node:test';
import { freePort } from './ports.ts';
import { missing } from './services.ts';

export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server keeps its connections but stops answering (a hung Redis). */
  freeze(): void;
  thaw(): void;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** True when a redis-server binary can be run. */
export async function redisServerInstalled(): Promise<boolean> {
  const child = spawn('redis-server', ['--version'], { stdio: 'ignore' });
  try {
    const [code] = (await Promise.race([once(child, 'exit'), once(child, 'error').then(() => [-1])])) as [number];
    return code === 0;
  } catch {
    return false;
  }
}

/** True when redis-server is installed; otherwise skips the test (fails it in CI) and returns false. */
export async function requireRedisServer(t: TestContext): Promise<boolean> {
  if (await redisServerInstalled()) return true;
  return missing('redis-server not installed (not on PATH)', t);
}

/** One PING over raw RESP; true on +PONG (or -NOAUTH, which also proves the server is up). */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

export async function startPrivateRedis(options: { args?: string[] } = {}): Promise<PrivateRedis> {
  let port = 0;
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const argv = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    argv.push('--dir', tmpdir(), ...(options.args ?? []));
    const proc = spawn('redis-server', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    let exited = false;
    let spawnError: Error | undefined;
    proc.once('error', (err) => {
      spawnError = err;
      exited = true;
    });
    proc.once('exit', () => {
      exited = true;
      running.delete(proc);
    });
    running.add(proc);
    // Bounded wait for PING: up to ~10 s, failing early if the process dies.
    for (let attempt = 0; attempt < 200; attempt++) {
      if (exited) throw new Error(`redis-server exited on port ${port}: ${spawnError?.message ?? output}`);
      if (await pingOnce(port)) {
        child = proc;
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`redis-server did not answer PING on port ${port}: ${output}`);
  };

  // The free port could be taken between probing and binding: retry a few times.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGCONT'); // in case it is frozen
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    async start() {
      if (child) return;
      await launch();
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
  };
}
