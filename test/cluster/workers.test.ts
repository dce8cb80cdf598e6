/**
 * server.workers: 2 as an operator runs it: `portcullis start` becomes a primary with two worker
 * processes sharing the ports, on the real Redis and PostgreSQL. Both workers answer (/readyz
 * names the worker and the configuration version); a session made on one holds on the other;
 * /metrics sums the workers' counters whichever answers; a policy change on disk is validated
 * by the primary and served by both workers, a broken one by neither; a worker killed is
 * restarted; SIGTERM ends them all. With the memory store or SQLite, check and start refuse.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import { runCheck } from '../../src/cli/check.ts';
import { semanticCheck } from '../../src/cli/semantic-check.ts';
import { captureIo } from '../cli/fixtures.ts';
import { freshSchema, POSTGRES_URL } from '../helpers/durable-targets.ts';
import { send } from '../helpers/http.ts';
import { pollUntil } from '../helpers/poll.ts';
import { freePort } from '../helpers/ports.ts';
import {
  type ConfigFolder,
  type GatewayProcess,
  loginAt,
  startGatewayProcess,
  writeConfigFolder,
} from '../helpers/process-gateway.ts';
import { deleteRedisPrefix } from '../helpers/redis-keys.ts';
import { missing, postgresAvailable, redisAvailable } from '../helpers/services.ts';
import { startUpstream } from '../helpers/upstream.ts';

const POLICY = {
  rules: [
    { name: 'secret-closed', hosts: ['app.test'], paths: ['/secret/**'], action: 'deny' },
    { name: 'staff', hosts: ['app.test'], groups: ['techs'], action: 'authenticate', require: { level: 'password' } },
  ],
};

const servicesUp = (await redisAvailable()) && (await postgresAvailable());
const gate = (t: TestContext) => servicesUp || missing('redis and postgres on their loopback ports', t);

describe('server.workers: 2 on Redis and PostgreSQL', { concurrency: false }, () => {
  let folder: ConfigFolder;
  let gw: GatewayProcess;
  let port: number;
  let adminPort: number;
  const prefix = `pc-test-${randomUUID()}:`;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;

  const ready = () =>
    send(adminPort, { host: '127.0.0.1', target: '/readyz' }).then((a) =>
      a.json<{ ready: boolean; worker?: number; config?: string }>(),
    );
  /** The version each worker serves, once both have been asked (the ports are balanced between them). */
  const versions = async (): Promise<Map<number, string>> => {
    const seen = new Map<number, string>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const r = await ready();
      if (r.worker !== undefined && r.config !== undefined) seen.set(r.worker, r.config);
    }
    return seen;
  };

  before(async () => {
    if (!servicesUp) return;
    upstream = await startUpstream();
    [port, adminPort] = [await freePort(), await freePort()];
    folder = await writeConfigFolder({
      gateway: {
        server: {
          listen: `127.0.0.1:${port}`,
          admin_listen: `127.0.0.1:${adminPort}`,
          public_url: 'http://portal.test',
          workers: 2,
        },
        stores: {
          ephemeral: `redis://127.0.0.1:6379/0?prefix=${prefix}`,
          durable: `${POSTGRES_URL}?schema=${freshSchema()}`,
        },
        apps: [{ name: 'app', host: 'app.test', upstream: upstream.origin }],
      },
      users: { bob: { groups: ['techs'] } },
      policies: { '00-msp.yaml': POLICY },
    });
    gw = startGatewayProcess(folder.gatewayPath);
    await gw.waitForLog((l) => l.msg === 'portcullis started' && l.workers === 2, 60_000);
  });

  after(async () => {
    if (!servicesUp) return;
    await gw?.stop();
    await upstream?.close();
    folder?.remove();
    await deleteRedisPrefix(prefix);
  });

  it('both workers answer, on one configuration version; a session holds on both', async (t) => {
    if (!gate(t)) return;
    const seen = await versions();
    assert.deepEqual([...seen.keys()].sort(), [1, 2], 'both workers answered /readyz');
    assert.equal(new Set(seen.values()).size, 1);
    const { cookie } = await loginAt(port, 'app.test', 'portcullis_session', 'bob');
    assert.ok(cookie);
    for (let i = 0; i < 10; i++) {
      const r = await send(port, { host: 'app.test', target: `/page/${i}`, headers: { cookie: cookie as string } });
      assert.equal(r.status, 200, `request ${i}: ${r.body.slice(0, 200)}`);
    }
    assert.equal(upstream.seen.filter((s) => s.url.startsWith('/page/')).length, 10);
  });

  it('/metrics sums both workers whichever answers', async (t) => {
    if (!gate(t)) return;
    const total = (text: string) =>
      [...text.matchAll(/^portcullis_requests_total\{app="app",decision="authenticated"\} (\d+)/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    for (let i = 0; i < 4; i++) {
      const text = (await send(adminPort, { host: '127.0.0.1', target: '/metrics' })).body;
      assert.equal(total(text), 10, 'the ten allowed requests, served by two workers, counted once each');
      assert.match(text, /^portcullis_config_info\{version="[0-9a-f]{12}"\} 1$/m);
    }
  });

  it('a policy change is served by both workers; a broken one by neither', async (t) => {
    if (!gate(t)) return;
    const before = [...(await versions()).values()][0];
    const { cookie } = await loginAt(port, 'app.test', 'portcullis_session', 'bob');
    folder.write('policies/00-msp.yaml', {
      rules: [{ name: 'later-closed', hosts: ['app.test'], paths: ['/later/**'], action: 'deny' }, ...POLICY.rules],
    });
    const after = await pollUntil('both workers on the new version', async () => {
      const seen = await versions();
      const values = new Set(seen.values());
      return seen.size === 2 && values.size === 1 && !values.has(before as string) ? [...values][0] : undefined;
    });
    for (let i = 0; i < 6; i++) {
      const r = await send(port, { host: 'app.test', target: `/later/${i}`, headers: { cookie: cookie as string } });
      assert.equal(r.status, 403, `request ${i} after the reload`);
    }
    folder.write('policies/00-msp.yaml', 'rules: [ {name: broken, action: nonsense} ]\n');
    await gw.waitForLog((l) => typeof l.msg === 'string' && /reload failed|keeping/i.test(l.msg));
    const seen = await versions();
    assert.deepEqual(new Set(seen.values()), new Set([after]), 'the broken files were not served');
  });

  it('a killed worker is restarted and serves again', async (t) => {
    if (!gate(t)) return;
    const ready1 = await gw.waitForLog((l) => l.msg === 'worker ready' && l.worker === 1);
    process.kill(ready1.pid as number, 'SIGKILL');
    await gw.waitForLog((l) => l.msg === 'worker died: restarting it' && l.worker === 1);
    await gw.waitForLog((l) => l.msg === 'worker ready' && l.worker === 1 && l.pid !== ready1.pid);
    assert.deepEqual([...(await versions()).keys()].sort(), [1, 2]);
  });

  it('SIGTERM stops the primary and its workers', async (t) => {
    if (!gate(t)) return;
    assert.equal(await gw.stop(), 0);
    await assert.rejects(send(adminPort, { host: '127.0.0.1', target: '/livez' }), /ECONNREFUSED/);
  });
});

describe('server.workers refused without shared stores', () => {
  it('check and start say why, located', async (t) => {
    const stores = [
      ['memory', 'sqlite:../data/p.db', /stores\.ephemeral is memory.*stores\.durable is SQLite/],
      [
        'redis://127.0.0.1:6379/0',
        'sqlite:../data/p.db',
        /needs stores shared by every worker: stores\.durable is SQLite/,
      ],
    ] as const;
    for (const [ephemeral, durable, why] of stores) {
      const folder = await writeConfigFolder({
        gateway: {
          server: {
            listen: '127.0.0.1:0',
            admin_listen: '127.0.0.1:0',
            public_url: 'http://portal.test',
            workers: 'auto',
          },
          stores: { ephemeral, durable },
          apps: [],
        },
        users: {},
        policies: {},
      });
      t.after(() => folder.remove());
      const io = captureIo();
      assert.equal(await runCheck(['--config', folder.gatewayPath], io, semanticCheck, {}), 1);
      assert.match(io.stderr.text, /gateway\.yaml:\d+:\d+: server\.workers: auto needs stores shared/);
      assert.match(io.stderr.text, why);
      const p = startGatewayProcess(folder.gatewayPath);
      assert.equal(await p.exited, 1);
      assert.match(p.lines.join('\n'), why);
    }
  });
});
