import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { send } from '../helpers/http.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Runs `portcullis start` as a real process; collects its output lines. */
function start(config: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), 'start', '--config', config], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (test: (l: string) => boolean, what: string) =>
    new Promise<string>((resolve, reject) => {
      const hit = lines.find(test);
      if (hit !== undefined) return resolve(hit);
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; output:\n${lines.join('\n')}`)),
        30_000,
      );
      waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  return { child, lines, exited, waitFor };
}

test('portcullis start: set-up link, whoami demo, SIGHUP reload, SIGTERM graceful exit', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-start-'));
  mkdirSync(join(dir, 'config'));
  mkdirSync(join(dir, 'policies'));
  writeFileSync(
    join(dir, 'config/gateway.yaml'),
    'server:\n  listen: 127.0.0.1:0\n  admin_listen: 127.0.0.1:0\n  public_url: http://localhost:8080\napps:\n  - name: whoami\n    host: localhost\n    upstream: builtin:whoami\n',
  );
  writeFileSync(join(dir, 'policies/demo.yaml'), 'rules:\n  - name: open\n    hosts: [localhost]\n    action: allow\n');
  const p = start(join(dir, 'config/gateway.yaml'));
  t.after(() => p.child.kill('SIGKILL'));

  const link = await p.waitFor((l) => l.includes('/.portcullis/setup#'), 'the set-up link');
  assert.match(link, /http:\/\/localhost:8080\/\.portcullis\/setup#[A-Za-z0-9_-]{32}/);
  const started = JSON.parse(await p.waitFor((l) => l.includes('"portcullis started"'), 'the start line')) as {
    gateway: string;
  };
  const port = Number(new URL(started.gateway).port);

  const whoami = await send(port, { host: 'localhost', target: '/hello', headers: { 'remote-user': 'spoofed' } });
  assert.equal(whoami.status, 200);
  const seen = whoami.json<{ url: string; headers: Record<string, string> }>();
  assert.equal(seen.url, '/hello');
  assert.equal(seen.headers['remote-user'], undefined, 'a client-sent identity header never reaches the app');

  writeFileSync(
    join(dir, 'policies/demo.yaml'),
    'rules:\n  - name: closed\n    hosts: [localhost]\n    action: deny\n',
  );
  p.child.kill('SIGHUP');
  await p.waitFor((l) => l.includes('configuration reloaded'), 'the reload');
  assert.equal((await send(port, { host: 'localhost', target: '/hello' })).status, 403);
  assert.ok(!p.lines.some((l) => /"level":50/.test(l)), 'no error was logged');

  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  assert.ok(p.lines.some((l) => l.includes('shutting down')));
});

test('portcullis start with an invalid configuration exits 1 with located problems', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-start-'));
  mkdirSync(join(dir, 'config'));
  mkdirSync(join(dir, 'policies'));
  writeFileSync(
    join(dir, 'config/gateway.yaml'),
    'server:\n  public_url: http://localhost:8080\n  listn: 1\napps: []\n',
  );
  const p = start(join(dir, 'config/gateway.yaml'));
  assert.equal(await p.exited, 1);
  assert.ok(
    p.lines.some((l) => /gateway\.yaml:3:3: .*listn/.test(l)),
    p.lines.join('\n'),
  );
});

test('portcullis start whose durable store cannot be opened exits 1 with the reason, Redis or not', async (t) => {
  const { requireService } = await import('../helpers/services.ts');
  for (const ephemeral of ['memory', 'redis://127.0.0.1:6379/0']) {
    if (ephemeral !== 'memory' && !(await requireService('redis', t))) continue;
    const dir = mkdtempSync(join(tmpdir(), 'pc-start-'));
    mkdirSync(join(dir, 'config'));
    mkdirSync(join(dir, 'policies'));
    // a folder where the database file should be: SQLite cannot open it
    mkdirSync(join(dir, 'data', 'portcullis.db'), { recursive: true });
    writeFileSync(
      join(dir, 'config/gateway.yaml'),
      `server:\n  listen: 127.0.0.1:0\n  admin_listen: 127.0.0.1:0\n  public_url: http://localhost:8080\nstores:\n  ephemeral: "${ephemeral}"\n  durable: sqlite:../data/portcullis.db\napps: []\n`,
    );
    const p = start(join(dir, 'config/gateway.yaml'));
    assert.equal(await p.exited, 1, `${ephemeral}: ${p.lines.join('\n')}`);
    assert.ok(
      p.lines.some((l) => /^portcullis: sqlite store unavailable: /.test(l)),
      p.lines.join('\n'),
    );
  }
});

test('portcullis check refuses a postgres URL that start could not read, located, without its password', async () => {
  const { checkConfig, GATEWAY } = await import('./fixtures.ts');
  for (const [url, why] of [
    [
      'postgres://pc:s3cret-pw@127.0.0.1:5432/test?sslmode=prefer',
      /sslmode must be disable, require, verify-full or no-verify/,
    ],
    ['postgres://pc:s3cret-pw@127.0.0.1:5432/test?pool=3', /unknown option "pool"/],
    ['postgres://pc:s3cret-pw@127.0.0.1:5432/test?schema=Bad-Name', /schema must be a lower-case identifier/],
    ['postgres://pc:s3cret-pw@127.0.0.1:5432/test?sslmode=require&sslrootcert=missing.pem', /cannot read sslrootcert/],
    ['postgres://pc:s3cret-pw@127.0.0.1:5432/', /must name one database/],
  ] as const) {
    const r = await checkConfig({ 'config/gateway.yaml': `${GATEWAY}stores:\n  durable: ${url}\n` });
    assert.equal(r.code, 1, url);
    assert.match(r.err, /gateway\.yaml:\d+:\d+: durable store postgres:\/\/pc@127\.0\.0\.1:5432\//, url);
    assert.match(r.err, why, url);
    assert.doesNotMatch(r.err + r.out, /s3cret-pw/);
  }
});

test('a postgres durable store that does not answer: check accepts the URL, start exits 1 with the reason', async (t) => {
  const { checkConfig } = await import('./fixtures.ts');
  const { freePort } = await import('../helpers/ports.ts');
  const port = await freePort();
  const gateway =
    'server:\n  listen: 127.0.0.1:0\n  admin_listen: 127.0.0.1:0\n  public_url: http://localhost:8080\n' +
    `stores:\n  durable: postgres://pc:s3cret-pw@127.0.0.1:${port}/test?connect_timeout=1\napps: []\n`;
  const checked = await checkConfig({ 'config/gateway.yaml': gateway });
  assert.equal(checked.code, 0, checked.err);
  const dir = mkdtempSync(join(tmpdir(), 'pc-start-pg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'config'));
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'config/gateway.yaml'), gateway);
  const p = start(join(dir, 'config/gateway.yaml'));
  assert.equal(await p.exited, 1, p.lines.join('\n'));
  assert.ok(
    p.lines.some((l) => /^portcullis: postgres store unavailable: /.test(l)),
    p.lines.join('\n'),
  );
  assert.doesNotMatch(p.lines.join('\n'), /s3cret-pw/);
});
