/**
 * What deploy/docker-compose.yml runs, without Docker: Debian's nginx on deploy/compose/nginx.conf
 * (its two `server portcullis-N:8080` lines pointed at loopback ports) in front of two
 * `portcullis start` processes on deploy/compose/config/gateway.yaml and its policy (listeners,
 * stores and paths moved to the test's), sharing the real Redis and PostgreSQL, one data folder
 * and one users file, the second started once the first is up, as Compose orders them.
 *
 * Through nginx only: a user enrols an authenticator app and signs in again with it, whichever
 * instance answers each step (so both open what the other sealed); the session holds on both;
 * both publish the same JWKS and every assertion verifies with it; nginx replaces a client's
 * X-Forwarded-For; both instances served requests; with one instance stopped, nginx goes on with
 * the other.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from 'jose';
import { stringify } from 'yaml';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { hashPassword } from '../../src/users/password.ts';
import { DEPLOY_FILES, deployText, deployYaml, ROOT } from '../helpers/deploy-files.ts';
import { freshSchema, POSTGRES_URL } from '../helpers/durable-targets.ts';
import { PASSWORD, TEST_ARGON2 } from '../helpers/gateway.ts';
import { type Answer, cookieFrom, send } from '../helpers/http.ts';
import { freePort } from '../helpers/ports.ts';
import { type GatewayProcess, startGatewayProcess } from '../helpers/process-gateway.ts';
import { findProxy, type RunningProxy, startNginxSite } from '../helpers/proxies.ts';
import { deleteRedisPrefix } from '../helpers/redis-keys.ts';
import { missing, postgresAvailable, redisAvailable } from '../helpers/services.ts';

const nginxBinary = findProxy('nginx');
const servicesUp = (await redisAvailable()) && (await postgresAvailable());
const gate = (t: TestContext) =>
  (servicesUp || missing('redis and postgres on their loopback ports', t)) &&
  (nginxBinary !== null || missing('nginx not installed (apt-get install nginx-light)', t));

const COOKIE = 'portcullis_session';
const TOTP = { digits: 6 as const, period: 30, algorithm: 'sha1' as const };
const totpCode = (secret: string, stepsAhead: number) =>
  generateTotpCode(secret, Math.floor(Date.now() / 1000 / TOTP.period) + stepsAhead, TOTP);

/** deploy/compose/nginx.conf with the compose services' names and its port moved to loopback. */
function nginxSite(ports: readonly number[], listen: string): string {
  let text = deployText(DEPLOY_FILES.nginx);
  ports.forEach((port, i) => {
    const line = `server portcullis-${i + 1}:8080 `;
    assert.ok(text.includes(line), `nginx.conf has "${line}"`);
    text = text.replace(line, `server 127.0.0.1:${port} `);
  });
  assert.ok(text.includes('listen 80 default_server;'));
  return text.replace('listen 80 default_server;', `listen ${listen} default_server;`);
}

describe('the compose stack: nginx in front of two instances sharing stores and keys', { concurrency: false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-stack-'));
  const prefix = `pc-test-${randomUUID()}:`;
  let nginx: RunningProxy;
  const gateways: GatewayProcess[] = [];
  const ports: number[] = [];
  const adminPorts: number[] = [];
  let host: string;
  let origin: string;

  /** A request through nginx, as a browser on the portal's and the app's host sends it. */
  const viaNginx = (opts: { method?: string; target: string; cookie?: string; body?: object; xff?: string }) =>
    send(nginx.port, {
      method: opts.method ?? (opts.body ? 'POST' : 'GET'),
      host,
      target: opts.target,
      headers: {
        ...(opts.body ? { 'content-type': 'application/json', origin } : {}),
        ...(opts.cookie ? { cookie: opts.cookie } : {}),
        ...(opts.xff ? { 'x-forwarded-for': opts.xff } : {}),
      },
      ...(opts.body ? { body: JSON.stringify(opts.body) } : {}),
    });
  const api = (path: string, body: object, cookie?: string) =>
    viaNginx({ target: `/.portcullis/api/${path}`, body, ...(cookie ? { cookie } : {}) });
  const status = (a: Answer) => `${a.status} ${a.body.slice(0, 300)}`;

  before(async () => {
    if (!servicesUp || nginxBinary === null) return;
    for (let i = 0; i < 2; i++) {
      ports.push(await freePort());
      adminPorts.push(await freePort());
    }
    nginx = await startNginxSite(nginxBinary, (listen) => nginxSite(ports, listen));
    host = `localhost:${nginx.port}`;
    origin = `http://${host}`;

    // one data folder (keys, users file) and one policies folder, as the compose volumes are
    mkdirSync(join(dir, 'data'), { mode: 0o700 });
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies', '00-example.yaml'), readFileSync(join(ROOT, DEPLOY_FILES.policy)));
    writeFileSync(
      join(dir, 'data', 'users.yaml'),
      stringify({ users: { alice: { password: await hashPassword(PASSWORD, TEST_ARGON2), groups: ['admins'] } } }),
    );
    const schema = freshSchema();
    for (let i = 0; i < 2; i++) {
      const config = deployYaml(DEPLOY_FILES.gateway) as Record<string, Record<string, unknown>>;
      config.server = {
        ...config.server,
        listen: `127.0.0.1:${ports[i]}`,
        admin_listen: `127.0.0.1:${adminPorts[i]}`,
        public_url: origin,
        trusted_proxies: ['127.0.0.1'],
      };
      config.stores = {
        durable: `${POSTGRES_URL}?schema=${schema}`,
        ephemeral: `redis://127.0.0.1:6379/0?prefix=${prefix}`,
      };
      const folder = join(dir, `config-${i + 1}`);
      mkdirSync(folder);
      writeFileSync(join(folder, 'gateway.yaml'), stringify(config));
      const gw = startGatewayProcess(join(folder, 'gateway.yaml'));
      gateways.push(gw);
      // the second starts once the first made the keys in the shared folder (compose: service_healthy)
      await gw.waitForLog((l) => l.msg === 'portcullis started');
    }
  });

  after(async () => {
    for (const gw of gateways) await gw.stop();
    await nginx?.stop();
    rmSync(dir, { recursive: true, force: true });
    if (servicesUp) await deleteRedisPrefix(prefix);
  });

  let secret = '';

  it('enrols an authenticator app through nginx, each step on whichever instance answers', async (t) => {
    if (!gate(t)) return;
    const login = await api('login', { username: 'alice', password: PASSWORD });
    assert.equal(login.status, 200, status(login));
    assert.equal(login.json().status, 'enrollment_required');
    const cookie = cookieFrom(login, COOKIE) as string;
    const started = await api('enroll/totp/start', {}, cookie);
    assert.equal(started.status, 200, status(started));
    secret = started.json<{ secret: string }>().secret;
    const finished = await api('enroll/totp/finish', { code: await totpCode(secret, 0) }, cookie);
    assert.equal(finished.status, 200, status(finished));
    assert.equal(finished.json().status, 'authenticated');
  });

  it('signs in again with the code, and the session holds on both instances', async (t) => {
    if (!gate(t)) return;
    const login = await api('login', { username: 'alice', password: PASSWORD });
    assert.equal(login.json().status, 'mfa_required', status(login));
    // a code of the next step (within the skew): the enrolment's code is used up on every instance
    const mfa = await api('mfa/totp', { code: await totpCode(secret, 1) }, cookieFrom(login, COOKIE));
    assert.equal(mfa.status, 200, status(mfa));
    const cookie = cookieFrom(mfa, COOKIE) as string;
    assert.ok(cookie);

    const jwks = await Promise.all(
      ports.map(async (port) => (await send(port, { host, target: '/.portcullis/jwks.json' })).json<JSONWebKeySet>()),
    );
    assert.deepEqual(jwks[0], jwks[1], 'both instances publish the same keys');
    const keys = createLocalJWKSet(jwks[0] as JSONWebKeySet);
    for (let i = 0; i < 6; i++) {
      const page = await viaNginx({ target: `/page/${i}`, cookie });
      assert.equal(page.status, 200, `request ${i}: ${status(page)}`);
      const seen = page.json<{ headers: Record<string, string> }>().headers;
      assert.equal(seen['remote-user'], 'alice');
      const assertion = seen['x-portcullis-assertion'] as string;
      await jwtVerify(assertion, keys, { issuer: origin, audience: 'whoami' });
      assert.equal(decodeJwt(assertion).sub, 'alice');
    }
  });

  it("replaces the client's X-Forwarded-For with the address nginx saw", async (t) => {
    if (!gate(t)) return;
    const page = await viaNginx({ target: '/health', xff: '203.0.113.7' });
    assert.equal(page.status, 200, status(page));
    const seen = page.json<{ headers: Record<string, string> }>().headers;
    assert.doesNotMatch(JSON.stringify(seen), /203\.0\.113\.7/);
    assert.match(seen['x-forwarded-for'] ?? '', /^127\.0\.0\.1\b/);
  });

  it('balanced the requests over both instances', async (t) => {
    if (!gate(t)) return;
    for (const admin of adminPorts) {
      const metrics = (await send(admin, { host: '127.0.0.1', target: '/metrics' })).body;
      const served = [...metrics.matchAll(/^portcullis_requests_total\{[^}]*\} (\d+)/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
      assert.ok(served > 0, `the instance on admin port ${admin} served requests`);
    }
  });

  it('goes on with the other instance when one stops', async (t) => {
    if (!gate(t)) return;
    assert.equal(await gateways[0]?.stop(), 0);
    for (let i = 0; i < 4; i++) {
      const page = await viaNginx({ target: '/health' });
      assert.equal(page.status, 200, `request ${i} with portcullis-1 down: ${status(page)}`);
    }
  });
});
