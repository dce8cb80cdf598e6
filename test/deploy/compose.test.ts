/**
 * deploy/docker-compose.yml and what it mounts: its structure read as YAML (two gateways sharing
 * one data volume, PostgreSQL and Redis with health checks, nginx in front, no password written
 * down), its configuration passed through `portcullis check`, its health check command run, and
 * the file as Docker Compose itself reads it (`config`).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runCheck } from '../../src/cli/check.ts';
import { semanticCheck } from '../../src/cli/semantic-check.ts';
import { captureIo } from '../cli/fixtures.ts';
import { DEPLOY_FILES, deployText, deployYaml, ROOT, requireCompose, run } from '../helpers/deploy-files.ts';
import { EXAMPLES } from '../helpers/proxies.ts';

type Map = Record<string, unknown>;
const obj = (value: unknown, what: string): Map => {
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${what} is a mapping`);
  return value as Map;
};
const list = (value: unknown, what: string): unknown[] => {
  assert.ok(Array.isArray(value), `${what} is a list`);
  return value;
};

const compose = deployYaml(DEPLOY_FILES.compose);
const services = obj(compose.services, 'services');
const service = (name: string) => obj(services[name], `services.${name}`);
const GATEWAYS = ['portcullis-1', 'portcullis-2'];
const gatewayYaml = deployYaml(DEPLOY_FILES.gateway);
const SECRETS = { POSTGRES_PASSWORD: 'pg-test-0123456789abcdef', REDIS_PASSWORD: 'redis-test-0123456789abcdef' };

/** A service's environment as a mapping (Compose also accepts a list of NAME=value). */
function environment(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(env.map((line) => String(line).split(/=(.*)/s).slice(0, 2) as [string, string]));
  return obj(env, `${name}.environment`) as Record<string, string>;
}

describe('deploy/docker-compose.yml: the structure', () => {
  it('has two gateway instances, PostgreSQL, Redis and nginx, and nothing else', () => {
    assert.deepEqual(Object.keys(services).sort(), [...GATEWAYS, 'nginx', 'postgres', 'redis'].sort());
    assert.match(String(service('postgres').image), /^postgres:1[67](\b|-)/);
    assert.match(String(service('redis').image), /^redis:/);
    assert.match(String(service('nginx').image), /^nginx:/);
  });

  it('builds both gateways from the repository Dockerfile, with the same configuration, read-only', () => {
    const [one, two] = GATEWAYS.map(service);
    assert.deepEqual(obj(one?.build, 'build'), { context: '..', dockerfile: 'Dockerfile' });
    assert.deepEqual(one?.build, two?.build);
    assert.equal(one?.image, two?.image);
    for (const name of GATEWAYS) {
      const volumes = list(service(name).volumes, `${name}.volumes`).map(String);
      assert.ok(volumes.includes('./compose/config:/app/config:ro'), `${name} mounts the configuration read-only`);
      assert.ok(volumes.includes('./compose/policies:/app/policies:ro'), `${name} mounts the policies read-only`);
    }
  });

  it('gives both gateways ONE data volume, so they sign and seal with the same keys', () => {
    const dataMounts = GATEWAYS.map((name) =>
      list(service(name).volumes, name)
        .map(String)
        .filter((v) => v.split(':')[1] === '/app/data'),
    );
    assert.deepEqual(dataMounts, [['portcullis-data:/app/data'], ['portcullis-data:/app/data']]);
    assert.ok('portcullis-data' in obj(compose.volumes, 'volumes'), 'a named volume');
    // data_dir is the default ../data/ relative to /app/config: /app/data
    assert.equal(gatewayYaml.data_dir, '../data/');
    // the users file too: the gateways write it (password changes, invites accepted)
    assert.deepEqual(gatewayYaml.users, { file: '../data/users.yaml' });
    // the second instance starts once the first made the keys (a first start generates them)
    const deps = obj(service('portcullis-2').depends_on, 'portcullis-2.depends_on');
    assert.deepEqual(deps['portcullis-1'], { condition: 'service_healthy' });
  });

  it('waits for what each service needs to be healthy, and every such service has a health check', () => {
    const expected: Record<string, string[]> = {
      'portcullis-1': ['postgres', 'redis'],
      'portcullis-2': ['portcullis-1', 'postgres', 'redis'],
      nginx: GATEWAYS,
    };
    for (const [name, needs] of Object.entries(expected)) {
      const deps = obj(service(name).depends_on, `${name}.depends_on`);
      assert.deepEqual(Object.keys(deps).sort(), needs, name);
      for (const dep of needs) {
        assert.deepEqual(deps[dep], { condition: 'service_healthy' }, `${name} waits for ${dep} to be healthy`);
        const check = obj(service(dep).healthcheck, `${dep}.healthcheck`);
        assert.ok(list(check.test, `${dep}.healthcheck.test`).length > 0);
      }
    }
    const probe = (name: string) => list(obj(service(name).healthcheck, name).test, name).join(' ');
    assert.match(probe('postgres'), /pg_isready/);
    assert.match(probe('redis'), /redis-cli ping/);
  });

  it("checks a gateway's health on /readyz of its admin listener, with node (the image has no curl)", () => {
    for (const name of GATEWAYS) {
      const test = list(obj(service(name).healthcheck, name).test, name).map(String);
      assert.deepEqual(test.slice(0, 3), ['CMD', 'node', '-e']);
      assert.match(test[3] ?? '', /fetch\('http:\/\/127\.0\.0\.1:9090\/readyz'\)/);
    }
    const server = obj(gatewayYaml.server, 'server');
    assert.equal(server.admin_listen, '127.0.0.1:9090');
  });

  it('writes no password: each comes from the environment, required, and .env.example leaves them empty', () => {
    const secretNames = /PASSWORD|SECRET|TOKEN/;
    let seen = 0;
    for (const name of Object.keys(services)) {
      for (const [key, value] of Object.entries(environment(name))) {
        if (!secretNames.test(key)) continue;
        seen++;
        assert.match(String(value), new RegExp(`^\\$\\{${key}:\\?[^}]+\\}$`), `${name}: ${key} is \${${key}:?...}`);
      }
    }
    assert.equal(seen, 6, 'both passwords in both gateways, PostgreSQL and Redis');
    for (const line of deployText(DEPLOY_FILES.envExample).split('\n')) {
      if (line.startsWith('#') || !line.includes('=')) continue;
      const [key = '', value] = line.split(/=(.*)/s);
      if (secretNames.test(key)) assert.equal(value, '', `.env.example: ${key} is left empty`);
    }
    // the stores' URLs take theirs from the environment too
    const stores = obj(gatewayYaml.stores, 'stores');
    assert.equal(stores.durable, 'postgres://portcullis:${POSTGRES_PASSWORD}@postgres:5432/portcullis?sslmode=disable');
    assert.equal(stores.ephemeral, 'redis://:${REDIS_PASSWORD}@redis:6379/0');
    const pg = environment('postgres');
    assert.equal(pg.POSTGRES_USER, 'portcullis');
    assert.equal(pg.POSTGRES_DB, 'portcullis');
    // deploy/.env holds the real ones: never committed
    assert.match(
      execFileSync('git', ['check-ignore', 'deploy/.env'], { cwd: ROOT, encoding: 'utf8' }),
      /deploy\/\.env/,
    );
  });

  it('keeps the stores on an internal network that nginx is not on', () => {
    const networks = obj(compose.networks, 'networks');
    assert.equal(obj(networks.back, 'back').internal, true);
    for (const name of ['postgres', 'redis']) assert.deepEqual(service(name).networks, ['back'], name);
    for (const name of GATEWAYS) assert.deepEqual(service(name).networks, ['front', 'back'], name);
    assert.deepEqual(Object.keys(obj(service('nginx').networks, 'nginx.networks')), ['front']);
    assert.equal(service('postgres').ports, undefined);
    assert.equal(service('redis').ports, undefined);
    for (const name of GATEWAYS) assert.equal(service(name).ports, undefined, `${name} is reached through nginx only`);
  });

  it("trusts X-Forwarded-* from nginx's address on the front network only", () => {
    const address = obj(obj(service('nginx').networks, 'nginx.networks').front, 'nginx front').ipv4_address;
    const front = obj(obj(compose.networks, 'networks').front, 'networks.front');
    const subnet = obj(list(obj(front.ipam, 'ipam').config, 'ipam.config')[0], 'ipam.config[0]').subnet;
    assert.equal(subnet, '172.30.80.0/24');
    assert.match(String(address), /^172\.30\.80\.\d+$/);
    assert.deepEqual(obj(gatewayYaml.server, 'server').trusted_proxies, [address]);
  });
});

describe('deploy/compose/nginx.conf', () => {
  const conf = deployText(DEPLOY_FILES.nginx);
  const code = conf
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');

  it('balances every gateway service, on the port the gateways listen on', () => {
    const servers = [...code.matchAll(/^\s*server\s+([\w.-]+):(\d+)\b/gm)].map((m) => `${m[1]}:${m[2]}`);
    const port = String(obj(gatewayYaml.server, 'server').listen).split(':').at(-1);
    assert.deepEqual(
      servers,
      GATEWAYS.map((name) => `${name}:${port}`),
    );
    assert.match(code, /proxy_pass http:\/\/portcullis;/);
  });

  it('passes Host and X-Forwarded-For/Proto/Host, and WebSocket upgrades', () => {
    for (const line of [
      'proxy_set_header Host $http_host;',
      'proxy_set_header X-Forwarded-For $remote_addr;',
      'proxy_set_header X-Forwarded-Proto $scheme;',
      'proxy_set_header X-Forwarded-Host $http_host;',
      'proxy_set_header Upgrade $http_upgrade;',
      'proxy_http_version 1.1;',
    ])
      assert.ok(code.includes(line), line);
  });

  it('is a plain reverse proxy, not forward-auth', () => {
    assert.doesNotMatch(code, /auth_request|\/\.portcullis\/authz/);
  });

  it('is what the compose file mounts', () => {
    assert.ok(
      list(service('nginx').volumes, 'nginx.volumes').includes(
        './compose/nginx.conf:/etc/nginx/conf.d/default.conf:ro',
      ),
    );
  });
});

describe('deploy/compose/config: portcullis check', () => {
  const config = join(ROOT, DEPLOY_FILES.gateway);

  it('is valid with the two passwords in the environment', async () => {
    const io = captureIo();
    const code = await runCheck(['--config', config], io, semanticCheck, { ...SECRETS });
    assert.equal(code, 0, io.stderr.text);
    assert.equal(io.stdout.text, `${config}: OK (1 app, 0 users, 1 policy file, 3 rules)\n`);
  });

  it('refuses to start without them, naming each one where it is used', async () => {
    const io = captureIo();
    const code = await runCheck(['--config', config], io, semanticCheck, {});
    assert.equal(code, 1);
    assert.match(io.stderr.text, /gateway\.yaml:\d+:\d+: environment variable 'POSTGRES_PASSWORD' is not set/);
    assert.match(io.stderr.text, /gateway\.yaml:\d+:\d+: environment variable 'REDIS_PASSWORD' is not set/);
  });
});

describe("the gateways' health check command", () => {
  const command = list(obj(service('portcullis-1').healthcheck, 'h').test, 'test').map(String);
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  /** Runs the command against a loopback server answering `status` (null: nothing listens). */
  async function healthcheck(status: number | null): Promise<number | null> {
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/readyz' ? (status ?? 500) : 404;
      res.end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    if (status === null) await new Promise((resolve) => server.close(resolve));
    const script = (command[3] ?? '').replace('127.0.0.1:9090', `127.0.0.1:${port}`);
    return new Promise((resolve) => {
      const proc = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
      proc.once('exit', (code) => resolve(code));
    });
  }

  it('passes on 200 from /readyz', async () => assert.equal(await healthcheck(200), 0));
  it('fails on 503 (a store unreachable)', async () => assert.equal(await healthcheck(503), 1));
  it('fails when nothing answers', async () => assert.equal(await healthcheck(null), 1));
});

describe('docker compose config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-compose-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  /** `config` with only these variables: no deploy/.env of a developer, no variable of the shell. */
  const composeConfig = (cmd: string[], vars: Record<string, string>) => {
    const envFile = join(dir, `env-${Object.keys(vars).length}`);
    writeFileSync(
      envFile,
      Object.entries(vars)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
    const [binary = '', ...rest] = cmd;
    return run(binary, [...rest, '--env-file', envFile, '-f', join(ROOT, DEPLOY_FILES.compose), 'config'], env);
  };

  it('accepts the file when both passwords are set, and hands them to the services', (t) => {
    const cmd = requireCompose(t);
    if (cmd === null) return;
    const out = composeConfig(cmd, SECRETS);
    assert.equal(out.code, 0, out.stderr);
    const resolved = parse(out.stdout) as { services: Record<string, { environment: Record<string, string> }> };
    assert.equal(resolved.services['portcullis-2']?.environment.POSTGRES_PASSWORD, SECRETS.POSTGRES_PASSWORD);
    assert.equal(resolved.services.redis?.environment.REDIS_PASSWORD, SECRETS.REDIS_PASSWORD);
  });

  it('refuses it without them, saying where to set them', (t) => {
    const cmd = requireCompose(t);
    if (cmd === null) return;
    const out = composeConfig(cmd, {});
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /set (POSTGRES|REDIS)_PASSWORD in deploy\/\.env/);
  });
});

describe('deploy/', () => {
  it('holds no file that no test reads', () => {
    const known = new Set<string>([...Object.values(DEPLOY_FILES), ...Object.values(EXAMPLES)]);
    const walk = (path: string): string[] =>
      statSync(path).isDirectory() ? readdirSync(path).flatMap((f) => walk(join(path, f))) : [relative(ROOT, path)];
    for (const file of walk(join(ROOT, 'deploy'))) {
      if (file === 'deploy/.env') continue; // an operator's own, git-ignored
      assert.ok(known.has(file), `${file} is read by no test`);
    }
  });
});
