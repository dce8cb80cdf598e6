/**
 * Two gateway instances (two `portcullis start` processes) on the real Redis and PostgreSQL,
 * behind the suite's own nginx balancing them round robin, as a larger MSP runs them. nginx says
 * which instance answered (X-Instance), so the test knows each step crossed from one to the
 * other: a session made on one serves on both; TOTP enrolment started on one finishes on the
 * other; a code used on one is a replay on the other; failures on both lock the account on
 * both (and the lockout is in the shared audit trail); a logout on one ends the session on both.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import { generateTotpCode, timeStep } from '../../src/authn/factors/totp/totp.ts';
import { PostgresDurableStore } from '../../src/stores/postgres.ts';
import { freshSchema, POSTGRES_URL } from '../helpers/durable-targets.ts';
import { PASSWORD } from '../helpers/gateway.ts';
import { type Answer, cookieFrom, send } from '../helpers/http.ts';
import { freePort } from '../helpers/ports.ts';
import {
  type ConfigFolder,
  type GatewayProcess,
  startGatewayProcess,
  writeConfigFolder,
} from '../helpers/process-gateway.ts';
import { findProxy, type RunningProxy, startNginxSite } from '../helpers/proxies.ts';
import { deleteRedisPrefix } from '../helpers/redis-keys.ts';
import { missing, postgresAvailable, redisAvailable } from '../helpers/services.ts';
import { startUpstream } from '../helpers/upstream.ts';

const TOTP = { digits: 6 as const, period: 30, algorithm: 'sha1' as const };
const COOKIE = 'portcullis_session';
const nginx = findProxy('nginx');
const servicesUp = (await redisAvailable()) && (await postgresAvailable());
const gate = (t: TestContext) =>
  nginx === null
    ? missing('nginx not installed', t)
    : servicesUp || missing('redis and postgres on their loopback ports', t);

describe('two instances behind nginx on Redis and PostgreSQL', { concurrency: false }, () => {
  let folder: ConfigFolder;
  const gateways: GatewayProcess[] = [];
  const ports: number[] = [];
  let proxy: RunningProxy;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const prefix = `pc-test-${randomUUID()}:`;
  const durable = `${POSTGRES_URL}?schema=${freshSchema()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-shared-data-'));

  /** One request through nginx; which instance answered (1 or 2). */
  async function via(opts: Parameters<typeof send>[1]): Promise<Answer & { instance: number }> {
    const answer = await send(proxy.port, opts);
    const addr = String(answer.headers['x-instance'] ?? '');
    return { ...answer, instance: ports.findIndex((p) => addr.endsWith(`:${p}`)) + 1 };
  }
  const post = (path: string, body: object, cookie?: string) =>
    via({
      method: 'POST',
      host: 'app.test',
      target: `/.portcullis/api/${path}`,
      headers: {
        'content-type': 'application/json',
        origin: 'http://app.test',
        'x-forwarded-for': '198.51.100.20',
        ...(cookie ? { cookie } : {}),
      },
      body: JSON.stringify(body),
    });
  const page = (path: string, cookie: string) => via({ host: 'app.test', target: path, headers: { cookie } });

  before(async () => {
    if (nginx === null || !servicesUp) return;
    upstream = await startUpstream();
    folder = await writeConfigFolder({
      gateway: {},
      users: { bob: { groups: ['techs'] }, carol: { groups: ['techs'] } },
      policies: {
        '00-msp.yaml': {
          rules: [
            {
              name: 'admin-mfa',
              hosts: ['app.test'],
              paths: ['/admin/**'],
              action: 'authenticate',
              require: { level: 'mfa' },
            },
            {
              name: 'staff',
              hosts: ['app.test'],
              groups: ['techs'],
              action: 'authenticate',
              require: { level: 'password' },
            },
          ],
        },
      },
    });
    // one configuration but the ports: the same users, policies, stores and signing keys (data_dir)
    for (const name of ['a', 'b']) {
      const [port, admin] = [await freePort(), await freePort()];
      ports.push(port);
      writeFileSync(
        join(folder.dir, `config/gateway-${name}.yaml`),
        stringify({
          server: {
            listen: `127.0.0.1:${port}`,
            admin_listen: `127.0.0.1:${admin}`,
            public_url: 'http://portal.test',
            trusted_proxies: ['127.0.0.1'],
          },
          stores: { ephemeral: `redis://127.0.0.1:6379/0?prefix=${prefix}`, durable },
          data_dir: dataDir,
          lockout: { max_failures: 3 },
          mfa: { totp: { skew: 2 } },
          apps: [{ name: 'app', host: 'app.test', upstream: upstream.origin }],
        }),
      );
    }
    // both at once on an empty schema: the advisory lock lets one migrate
    gateways.push(...['a', 'b'].map((n) => startGatewayProcess(join(folder.dir, `config/gateway-${n}.yaml`))));
    await Promise.all(gateways.map((g) => g.waitForLog((l) => l.msg === 'portcullis started')));
    proxy = await startNginxSite(
      nginx,
      (listen) => `upstream portcullis {
  server 127.0.0.1:${ports[0]};
  server 127.0.0.1:${ports[1]};
  keepalive 8;
}
server {
  listen ${listen};
  server_name app.test;
  location / {
    proxy_pass http://portcullis;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $http_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    add_header X-Instance $upstream_addr always;
  }
}
`,
    );
  });

  after(async () => {
    await proxy?.stop();
    await Promise.all(gateways.map((g) => g.stop()));
    await upstream?.close();
    folder?.remove();
    rmSync(dataDir, { recursive: true, force: true });
    if (servicesUp) await deleteRedisPrefix(prefix);
  });

  it('a session made on one instance serves on both', async (t) => {
    if (!gate(t)) return;
    const login = await post('login', { username: 'bob', password: PASSWORD });
    assert.equal(login.status, 200, login.body);
    const cookie = cookieFrom(login, COOKIE) as string;
    const served = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const r = await page(`/page/${i}`, cookie);
      assert.equal(r.status, 200, r.body.slice(0, 200));
      served.add(r.instance);
    }
    assert.deepEqual([...served].sort(), [1, 2], 'both instances served the session');
  });

  it('TOTP: enrolled across both; a code used on one is a replay on the other', async (t) => {
    if (!gate(t)) return;
    const cookie = cookieFrom(await post('login', { username: 'carol', password: PASSWORD }), COOKIE) as string;
    const started = await post('enroll/totp/start', {}, cookie);
    assert.equal(started.status, 200, started.body);
    const secret = started.json<{ secret: string }>().secret;
    const step = timeStep(Date.now(), TOTP.period);
    const finished = await post('enroll/totp/finish', { code: await generateTotpCode(secret, step, TOTP) }, cookie);
    assert.equal(finished.status, 200, finished.body);
    assert.notEqual(finished.instance, started.instance, 'started on one instance, finished on the other');

    // a later code (the current one was used by the enrolment) signs in, once
    const code = await generateTotpCode(secret, step + 1, TOTP);
    const first = cookieFrom(await post('login', { username: 'carol', password: PASSWORD }), COOKIE) as string;
    const used = await post('mfa/totp', { code }, first);
    assert.equal(used.status, 200, used.body);
    // the replay, until it lands on the other instance (each attempt is refused wherever it lands)
    let second = '';
    let replayed: Answer & { instance: number };
    for (let attempt = 0; ; attempt++) {
      second = cookieFrom(await post('login', { username: 'carol', password: PASSWORD }), COOKIE) as string;
      replayed = await post('mfa/totp', { code }, second);
      assert.notEqual(replayed.status, 200, replayed.body);
      if (replayed.instance !== used.instance || attempt === 2) break;
      await page('/rotate', second); // one request more: the next pair starts on the other instance
    }
    const admin = await page('/admin/', second);
    assert.notEqual(admin.status, 200, 'the replaying session did not get mfa');
    assert.equal((await page('/admin/', cookieFrom(used, COOKIE) ?? first)).status, 200);
  });

  it('failures on both instances lock the account on both, recorded once in the shared audit', async (t) => {
    if (!gate(t)) return;
    const instances = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const r = await post('login', { username: 'bob', password: `wrong ${i}` });
      assert.equal(r.status, 401);
      instances.add(r.instance);
    }
    assert.deepEqual([...instances].sort(), [1, 2]);
    for (let i = 0; i < 2; i++) {
      const r = await post('login', { username: 'bob', password: PASSWORD });
      assert.equal(r.status, 401, `instance ${r.instance}: the right password is refused while locked`);
    }
    const store = await PostgresDurableStore.open(durable);
    t.after(() => store.close());
    const locked = await store.queryAudit({ event: 'lockout', user: 'bob' });
    assert.equal(locked.length, 1, JSON.stringify(locked));
  });

  it('a logout on one instance ends the session on both', async (t) => {
    if (!gate(t)) return;
    const cookie = cookieFrom(await post('login', { username: 'carol', password: PASSWORD }), COOKIE) as string;
    assert.equal((await page('/x', cookie)).status, 200);
    const out = await post('logout', {}, cookie);
    assert.equal(out.status, 204, out.body);
    const after = [await page('/x', cookie), await page('/x', cookie)];
    assert.deepEqual(after.map((r) => r.instance).sort(), [1, 2]);
    for (const r of after) assert.notEqual(r.status, 200, `instance ${r.instance} still served the session`);
  });
});
