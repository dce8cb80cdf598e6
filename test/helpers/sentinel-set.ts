/**
 * A master with replicas watched by Sentinels, real processes on loopback, the way production
 * runs them (test/helpers/redis-servers.ts starts each): a Sentinel is
 * `redis-server <conf> --sentinel`, its conf file in a temporary folder (Sentinel rewrites it).
 * Passwords (data nodes, Sentinels) may be set; the helpers' own commands use them. Every wait
 * is a bounded poll; stop() kills everything (and every process dies with the test process).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from './poll.ts';
import {
  DATA_PORTS,
  dataNodeArgs,
  type RedisNode,
  redisCommand,
  redisProcess,
  rememberPassword,
  roleOf,
  SENTINEL_PORTS,
  startOnFreePort,
} from './redis-servers.ts';

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
              rememberPassword(port, options.password);
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
        if (options.sentinelPassword) rememberPassword(port, options.sentinelPassword);
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
