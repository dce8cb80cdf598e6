/**
 * Real redis-server processes a test starts, kills and restarts on fixed loopback ports: one
 * server (startRedisNode), or a master with replicas watched by Sentinels (startSentinelSet),
 * the way production runs them. A Sentinel is `redis-server <conf> --sentinel`, its conf file
 * in a temporary folder (Sentinel rewrites it).
 *
 * Ports: data nodes in 16400-16499, Sentinels in 26400-26499 (probed free, then bound; a port
 * taken in between is retried elsewhere). A restarted node keeps its port and its folder (so with
 * `appendonly yes` it comes back with its data).
 *
 * Passwords (data nodes, Sentinels) may be set; the helpers' own commands use them.
 *
 * Every wait is a bounded poll: it fails with what it waited for, never hangs. Every process is
 * SIGKILLed when the test process exits, whatever happened; `stop()` does it earlier.
 * Gate tests with requireRedisServer(t) (test/helpers/redis-server.ts): skipped outside CI,
 * failed under CI=true when redis-server is missing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export const DATA_PORTS = { from: 16400, to: 16499 };
export const SENTINEL_PORTS = { from: 26400, to: 26499 };

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** Polls `probe` until it returns a value other than undefined; throws after `boundMs`. */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, boundMs = 30_000): Promise<T> {
  const deadline = Date.now() + boundMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(`gave up waiting for ${what} after ${boundMs} ms${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The password of the server on a port, for the helpers' own commands. */
const passwords = new Map<number, string>();

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
function redisProcess(port: number, argv: () => string[], label: string): RedisNode {
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
async function startOnFreePort(
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

function dataNodeArgs(port: number, dir: string, extra: string[]): string[] {
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

export interface SentinelSet {
  /** the name the Sentinels monitor */
  readonly name: string;
  /** the data nodes; nodes[0] is the first master */
  readonly nodes: RedisNode[];
  readonly sentinels: RedisNode[];
  /** redis+sentinel://127.0.0.1:<s1>,127.0.0.1:<s2>,.../<name> */
  readonly url: string;
  /** The data node the Sentinels agree is master now (all of them), and that says so itself. */
  master(boundMs?: number): Promise<RedisNode>;
  /** Waits until every Sentinel knows the others and every replica is in sync with the master. */
  settled(boundMs?: number): Promise<void>;
  /** Waits until every Sentinel names a master other than `old`, and that node says it is master. */
  failedOver(old: RedisNode, boundMs?: number): Promise<RedisNode>;
  /** Waits until `node` runs as a replica (e.g. an old master the Sentinels turned into one). */
  replicaAgain(node: RedisNode, boundMs?: number): Promise<void>;
  /** kills every process and deletes the folder */
  stop(): Promise<void>;
}

/**
 * A master (nodes[0]) with `replicas` replicas, watched by `sentinels` Sentinels agreeing on a
 * failover with `quorum`; a master unreachable for `downAfterMs` is considered down. Resolves once
 * settled().
 */
export async function startSentinelSet(
  options: {
    replicas?: number;
    sentinels?: number;
    quorum?: number;
    downAfterMs?: number;
    failoverTimeoutMs?: number;
    /** the data nodes' password (requirepass, and masterauth for replication) */
    password?: string;
    /** the Sentinels' own password (requirepass in sentinel.conf) */
    sentinelPassword?: string;
  } = {},
): Promise<SentinelSet> {
  const name = 'pcmaster';
  const dir = mkdtempSync(join(tmpdir(), 'pc-sentinel-'));
  const nodes: RedisNode[] = [];
  const sentinels: RedisNode[] = [];
  /** The node every Sentinel names as master, if they agree and it says so itself. */
  const agreedMaster = async (): Promise<RedisNode | undefined> => {
    const ports = new Set<number>();
    for (const s of sentinels) ports.add(await masterPortOf(s.port, name));
    if (ports.size !== 1) return undefined;
    const node = nodes.find((n) => ports.has(n.port));
    return node && (await roleOf(node.port)) === 'master' ? node : undefined;
  };
  const set: SentinelSet = {
    name,
    nodes,
    sentinels,
    get url() {
      return `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${name}`;
    },
    master: (boundMs = 30_000) => pollUntil('the Sentinels to agree on a master', agreedMaster, boundMs),
    settled: (boundMs = 30_000) =>
      pollUntil(
        'the Sentinels and replicas to settle',
        async () => {
          const master = await agreedMaster();
          if (!master) return undefined;
          for (const s of sentinels) {
            const fields = await sentinelFields(s.port, 'MASTER', name);
            if (fields['num-other-sentinels'] !== String(sentinels.length - 1)) return undefined;
            if (fields.flags !== 'master') return undefined;
            const replicas = (await redisCommand(s.port, 'SENTINEL', 'REPLICAS', name)) as string[][];
            const online = replicas.filter((r) => !/s_down|o_down|disconnected/.test(fieldOf(r, 'flags')));
            if (online.length !== nodes.filter((n) => n.running).length - 1) return undefined;
          }
          for (const n of nodes) {
            if (n === master || !n.running) continue;
            const info = String(await redisCommand(n.port, 'INFO', 'replication'));
            if (!/^master_link_status:up/m.test(info)) return undefined;
          }
          return true;
        },
        boundMs,
      ).then(() => undefined),
    failedOver: (old, boundMs = 30_000) =>
      pollUntil(
        `a failover away from port ${old.port}`,
        async () => {
          const node = await agreedMaster();
          return node && node !== old ? node : undefined;
        },
        boundMs,
      ),
    replicaAgain: (node, boundMs = 30_000) =>
      pollUntil(
        `port ${node.port} to run as a replica`,
        async () => {
          const info = String(await redisCommand(node.port, 'INFO', 'replication'));
          return /^role:slave/m.test(info) && /^master_link_status:up/m.test(info) ? true : undefined;
        },
        boundMs,
      ).then(() => undefined),
    async stop() {
      await Promise.all([...sentinels, ...nodes].map((n) => n.kill('SIGKILL')));
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    const replicas = options.replicas ?? 1;
    for (let i = 0; i <= replicas; i++) {
      const nodeDir = join(dir, `node-${i}`);
      mkdirSync(nodeDir);
      const master = nodes[0];
      // a restarted node starts as a master (as a crashed one would); the Sentinels then turn it
      // into a replica of whichever node is master by then
      let first = true;
      const node = await startOnFreePort(DATA_PORTS, (port) =>
        redisProcess(
          port,
          () => {
            const extra = first && master ? ['--replicaof', '127.0.0.1', String(master.port)] : [];
            first = false;
            if (options.password) {
              passwords.set(port, options.password);
              extra.push('--requirepass', options.password, '--masterauth', options.password);
            }
            return dataNodeArgs(port, nodeDir, extra);
          },
          `redis node ${i}`,
        ),
      );
      nodes.push(node);
    }
    const masterPort = (nodes[0] as RedisNode).port;
    for (let i = 0; i < (options.sentinels ?? 3); i++) {
      const conf = join(dir, `sentinel-${i}.conf`);
      const sentinelDir = join(dir, `sentinel-${i}`);
      mkdirSync(sentinelDir);
      const node = await startOnFreePort(SENTINEL_PORTS, (port) => {
        writeFileSync(
          conf,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${sentinelDir}`,
            `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${options.quorum ?? 2}`,
            `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 500}`,
            `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 2000}`,
            `sentinel parallel-syncs ${name} 1`,
            ...(options.password ? [`sentinel auth-pass ${name} ${options.password}`] : []),
            ...(options.sentinelPassword ? [`requirepass ${options.sentinelPassword}`] : []),
            '',
          ].join('\n'),
        );
        if (options.sentinelPassword) passwords.set(port, options.sentinelPassword);
        return redisProcess(port, () => [conf, '--sentinel'], `sentinel ${i}`);
      });
      sentinels.push(node);
    }
    await set.settled();
    return set;
  } catch (err) {
    await set.stop();
    throw err;
  }
}

/** The port of the master a Sentinel names. */
async function masterPortOf(sentinelPort: number, name: string): Promise<number> {
  const reply = (await redisCommand(sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[] | null;
  if (!reply) throw new Error(`sentinel on ${sentinelPort} knows no master ${name}`);
  return Number(reply[1]);
}

/** A flat [k, v, k, v, ...] reply as an object. */
async function sentinelFields(port: number, ...args: string[]): Promise<Record<string, string>> {
  const flat = (await redisCommand(port, 'SENTINEL', ...args)) as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}

function fieldOf(flat: string[], key: string): string {
  const i = flat.indexOf(key);
  return i >= 0 && i % 2 === 0 ? (flat[i + 1] ?? '') : '';
}
