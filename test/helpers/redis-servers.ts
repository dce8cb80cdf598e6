/**
 * Real redis-server processes a test starts, kills and restarts on fixed loopback ports: one
 * server here (startRedisNode); a master with replicas watched by Sentinels in sentinel-set.ts.
 *
 * Ports: data nodes in 16400-16499, Sentinels in 26400-26499 (probed free, then bound; a port
 * taken in between is retried elsewhere). A restarted node keeps its port and its folder (so with
 * `appendonly yes` it comes back with its data).
 *
 * Every wait is a bounded poll: it fails with what it waited for, never hangs. Every process is
 * SIGKILLed when the test process exits, whatever happened; `stop()` does it earlier.
 * Gate tests with requireRedisServer(t) (test/helpers/redis-server.ts): skipped outside CI,
 * failed under CI=true when redis-server is missing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pollUntil } from './poll.ts';

export const DATA_PORTS = { from: 16400, to: 16499 };
export const SENTINEL_PORTS = { from: 26400, to: 26499 };

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** The password of the server on a port, for the helpers' own commands. */
const passwords = new Map<number, string>();

/** Makes redisCommand authenticate to the server on `port` with `password`. */
export function rememberPassword(port: number, password: string): void {
  passwords.set(port, password);
}

/** One command to the server on `port`, over a connection of its own; rejects within ~2 s. */
export async function redisCommand(port: number, command: string, ...args: (string | number)[]): Promise<unknown> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    password: passwords.get(port),
    protocol: 2,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 2000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.call(command, ...args);
  } finally {
    client.disconnect();
  }
}

/** The `role` line of INFO replication: 'master' or 'slave'. */
export async function roleOf(port: number): Promise<string> {
  const info = String(await redisCommand(port, 'INFO', 'replication'));
  return /^role:(\w+)/m.exec(info)?.[1] ?? 'unknown';
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const claimed = new Set<number>();

/** A port of the range that nothing listens on and this process has not handed out. */
async function pickPort(range: { from: number; to: number }): Promise<number> {
  const size = range.to - range.from + 1;
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = range.from + ((start + i) % size);
    if (claimed.has(port)) continue;
    if (await portIsFree(port)) {
      claimed.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${range.from}-${range.to}`);
}

export interface RedisNode {
  readonly port: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  /** true while the process runs */
  readonly running: boolean;
  /** (Re)starts the process on the same port and folder; resolves once it answers PING. */
  start(): Promise<void>;
  /** Sends `signal` (SIGKILL: a crash, no goodbye) and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A redis-server process on `port` with the arguments `argv(port)`; not started yet. */
export function redisProcess(port: number, argv: () => string[], label: string): RedisNode {
  let child: ChildProcess | undefined;
  let output = '';
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    async start() {
      if (child) return;
      const proc = spawn('redis-server', argv(), { stdio: ['ignore', 'pipe', 'pipe'] });
      const keep = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
      };
      proc.stdout?.on('data', keep);
      proc.stderr?.on('data', keep);
      let exited = false;
      proc.once('error', () => {
        exited = true;
      });
      proc.once('exit', () => {
        exited = true;
        running.delete(proc);
        if (child === proc) child = undefined;
      });
      running.add(proc);
      child = proc;
      try {
        await pollUntil(
          `${label} to answer PING on port ${port}`,
          async () => {
            if (exited) throw new Error(`${label} exited: ${output}`);
            return (await redisCommand(port, 'PING')) === 'PONG' ? true : undefined;
          },
          15_000,
        );
      } catch (err) {
        proc.kill('SIGKILL');
        throw err;
      }
    },
    async kill(signal = 'SIGKILL') {
      const proc = child;
      if (!proc) return;
      const exited = once(proc, 'exit');
      proc.kill(signal);
      await exited;
    },
  };
}

/** Starts a node on a free port of `range`, trying another port if this one was taken meanwhile. */
export async function startOnFreePort(
  range: { from: number; to: number },
  make: (port: number) => RedisNode,
): Promise<RedisNode> {
  for (let attempt = 1; ; attempt++) {
    const node = make(await pickPort(range));
    try {
      await node.start();
      return node;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

export function dataNodeArgs(port: number, dir: string, extra: string[]): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    // replicas sync at once, and notice a dead master quickly
    '--repl-diskless-sync-delay',
    '0',
    '--repl-ping-replica-period',
    '1',
    ...extra,
  ];
}

export interface TestRedis extends RedisNode {
  /** kills the process and deletes its folder */
  stop(): Promise<void>;
}

/**
 * One redis-server on a port of 16400-16499, in a folder of its own. `args` are added to the
 * command line, e.g. ['--appendonly', 'yes', '--appendfsync', 'always'] so a SIGKILLed server
 * comes back with every write it acknowledged.
 */
export async function startRedisNode(options: { args?: string[] } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-redis-node-'));
  const node = await startOnFreePort(DATA_PORTS, (port) =>
    redisProcess(port, () => dataNodeArgs(port, dir, options.args ?? []), 'redis-server'),
  );
  return {
    port: node.port,
    url: node.url,
    get running() {
      return node.running;
    },
    start: () => node.start(),
    kill: (signal?: NodeJS.Signals) => node.kill(signal),
    async stop() {
      await node.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
