/**
 * `portcullis audit`: through the running gateway (its stores, the in-memory lock state
 * included), straight from the stores when no gateway answers (with a notice, the lock state
 * unknown), each format to stdout or --out, and every exit code: 0 and 1 by --fail-on, 2 for
 * usage and configuration errors, 3 when a store cannot be read (never a report then).
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAudit } from '../../src/cli/audit.ts';
import type { Report } from '../../src/report/findings.ts';
import { adminPort } from '../access-codes/helpers.ts';
import { generatedToken } from '../admin/helpers.ts';
import { Capture } from '../cli/fixtures.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { freePort } from '../helpers/ports.ts';
import { EXPECTED, GATEWAY, type Seeded, seeded, writeConfig } from './seed.ts';

let nobody: NodeJS.ProcessEnv;

async function audit(seed: Pick<Seeded, 'gateway' | 'clock'>, args: string[], env: NodeJS.ProcessEnv = nobody) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runAudit(
    [...args, '--config', seed.gateway],
    { stdin: process.stdin, stdout, stderr, env },
    seed.clock,
  );
  return { code, out: stdout.text, err: stderr.text };
}

const triples = (r: Report) => r.findings.map((f) => `${f.id} ${f.tenant} ${f.subject}`).sort();
const expected = (keep: (t: readonly [string, string | null, string]) => boolean = () => true) =>
  EXPECTED.filter(keep)
    .map(([id, t, s]) => `${id} ${t} ${s}`)
    .sort();

describe('portcullis audit, no gateway running', () => {
  let seed: Seeded;
  before(async () => {
    nobody = { PORTCULLIS_ADMIN_URL: `http://127.0.0.1:${await freePort()}`, PORTCULLIS_ADMIN_TOKEN: 'x'.repeat(43) };
    seed = await seeded();
  });
  after(() => seed.remove());

  it('reads the stores itself, says so, and reports the lock state as unknown', async () => {
    const r = await audit(seed, ['--format', 'json']);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.err,
      /^notice: no gateway answers at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); reading the stores directly\n$/,
    );
    const report = JSON.parse(r.out) as Report;
    assert.deepEqual(
      triples(report),
      expected(([id]) => id !== 'locked-account'),
    );
    assert.match(report.notes.join('\n'), /lock state unknown/);
    assert.match(report.notes.join('\n'), /the stores were read directly/);
  });

  it('text by default; --fail-on sets the exit code only', async () => {
    const plain = await audit(seed, []);
    assert.equal(plain.code, 0, 'without --fail-on: 0 whatever the findings');
    assert.match(plain.out, /^Portcullis MFA coverage report, 2026-12-07 10:00:00 UTC/);
    const critical = await audit(seed, ['--fail-on', 'critical']);
    assert.equal(critical.code, 1);
    assert.equal(critical.out, plain.out, 'the report is the same whatever --fail-on says');
    assert.match(critical.err, /1 finding\(s\) at or above critical\n$/);
    assert.equal(
      (await audit(seed, ['--tenant', 'acme', '--fail-on', 'high'])).code,
      0,
      'acme has nothing above medium',
    );
    assert.equal((await audit(seed, ['--tenant', 'acme', '--fail-on', 'medium'])).code, 1);
    assert.equal((await audit(seed, ['--tenant', 'globex', '--fail-on', 'critical'])).code, 0);
  });

  it('--out writes the file (sarif, html, json), nothing on stdout', async () => {
    for (const format of ['sarif', 'html', 'json']) {
      const out = join(seed.root, `audit.${format}`);
      const r = await audit(seed, ['--format', format, '--out', out, '--tenant', 'acme']);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, '');
      assert.match(r.err, new RegExp(`wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 10 finding\\(s\\)\\n$`));
      const text = readFileSync(out, 'utf8');
      if (format === 'sarif') assert.equal(JSON.parse(text).version, '2.1.0');
      if (format === 'html') assert.match(text, /<h1>Acme &lt;Corp&gt; &amp; Sons<\/h1>/);
      if (format === 'json')
        assert.deepEqual(
          JSON.parse(text).tenants.map((t: { tenant: string }) => t.tenant),
          ['acme'],
        );
    }
  });

  it('--config-only reads no store', async () => {
    const bare = writeConfig();
    try {
      const r = await audit(bare, ['--config-only', '--format', 'json']);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '', 'no gateway asked, no notice');
      assert.equal((JSON.parse(r.out) as Report).scope, 'config');
      assert.ok(!existsSync(bare.db), 'no database created');
    } finally {
      bare.remove();
    }
  });

  it('usage and configuration errors exit 2 and print no report', async () => {
    for (const args of [
      ['--format', 'pdf'],
      ['--fail-on', 'severe'],
      ['--tenant', 'Not A Tenant'],
      ['--tenant', 'initech'],
      ['extra'],
      ['--bogus'],
    ]) {
      const r = await audit(seed, args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.out, '', args.join(' '));
    }
    assert.match((await audit(seed, ['--tenant', 'initech'])).err, /names no tenant 'initech'/);
    const postgres = writeConfig({
      'config/gateway.yaml': GATEWAY.replace(
        'sqlite:../data/portcullis.db',
        'postgres://audit:pw@127.0.0.1:1/none?bogus=1',
      ),
    });
    try {
      const r = await audit(postgres, []);
      assert.equal(r.code, 2, r.err);
      assert.match(
        r.err,
        /gateway\.yaml:\d+:\d+: durable store postgres:\/\/audit@127\.0\.0\.1:1\/none: unknown option "bogus"/,
      );
    } finally {
      postgres.remove();
    }
    const broken = writeConfig({ 'config/gateway.yaml': `${GATEWAY}bogus: 1\n` });
    try {
      const r = await audit(broken, []);
      assert.equal(r.code, 2);
      assert.match(r.err, /gateway\.yaml:\d+:\d+: .*bogus/);
    } finally {
      broken.remove();
    }
  });

  it('a gateway answering a report of another schema_version: exit 2, nothing misread', async (t) => {
    const other = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ schema_version: 2, reports: [] }));
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    t.after(() => other.close());
    const port = (other.address() as { port: number }).port;
    const r = await audit(seed, ['--format', 'json'], {
      PORTCULLIS_ADMIN_URL: `http://127.0.0.1:${port}`,
      PORTCULLIS_ADMIN_TOKEN: 'z'.repeat(43),
    });
    assert.equal(r.code, 2);
    assert.match(r.err, /answers a report of schema_version 2; this command reads 1/);
    assert.equal(r.out, '');
  });

  it('a store that cannot be read exits 3 with no report', async () => {
    const seedDb = seed.db;
    const deadPort = await freePort();
    const cases: [string, (dir: Omit<Seeded, 'state'>) => void][] = [
      ['missing', () => {}],
      ['a folder', (d) => mkdirSync(d.db)],
      ['corrupt', (d) => writeFileSync(d.db, 'this is not a database, only text that fills a page. '.repeat(100))],
      [
        'a Redis that does not answer',
        (d) => {
          copyFileSync(seedDb, d.db);
          const text = readFileSync(d.gateway, 'utf8').replace(
            'ephemeral: memory',
            `ephemeral: redis://127.0.0.1:${deadPort}/0`,
          );
          writeFileSync(d.gateway, text);
        },
      ],
    ];
    for (const [what, make] of cases) {
      const dir = writeConfig();
      try {
        make(dir);
        const out = join(dir.root, 'audit.json');
        const r = await audit(dir, ['--format', 'json', '--out', out]);
        assert.equal(r.code, 3, `${what}: ${r.err}`);
        assert.match(r.err, /no report \(an incomplete report is never given\)\n$/, what);
        assert.equal(r.out, '', what);
        assert.ok(!existsSync(out), `${what}: nothing written`);
        if (what === 'missing') assert.ok(!existsSync(dir.db), 'the audit never creates a database');
      } finally {
        rmSync(dir.root, { recursive: true, force: true });
      }
    }
  });
});

describe('portcullis audit, through the running gateway', () => {
  let gw: TestGateway;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    gw = await startTestGateway({ gateway: { lockout: { max_failures: 3, window: '15m', duration: '30m' } } });
    env = { PORTCULLIS_ADMIN_URL: `http://127.0.0.1:${adminPort(gw)}`, PORTCULLIS_ADMIN_TOKEN: generatedToken(gw) };
    for (let i = 0; i < 3; i++)
      await gw.send({
        method: 'POST',
        host: 'portal.test',
        target: '/.portcullis/api/login',
        headers: { 'content-type': 'application/json', origin: 'http://portal.test' },
        body: JSON.stringify({ username: 'carol', password: 'not her password' }),
      });
  });
  after(() => gw.close());
  const run = (args: string[], e = env) =>
    audit({ gateway: join(gw.dir, 'config/gateway.yaml'), clock: gw.clock }, args, e);

  it('asks the gateway: the lock state held in its memory is reported', async () => {
    const r = await run(['--format', 'json']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const report = JSON.parse(r.out) as Report;
    assert.ok(triples(report).includes('locked-account acme carol'), triples(report).join('\n'));
    assert.deepEqual(report.notes, []);
    assert.equal(report.generated_at, new Date(gw.clock.now()).toISOString(), "the gateway's report");
    const html = await run(['--format', 'html', '--tenant', 'acme']);
    assert.equal(html.code, 0, html.err);
    assert.match(html.out, /<section class="tenant" data-tenant="acme" /);
  });

  it('a gateway refusing the token, or naming no such tenant, exits 2', async () => {
    const wrong = await run([], { ...env, PORTCULLIS_ADMIN_TOKEN: 'y'.repeat(43) });
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /refused: 401 unauthorized/);
    assert.ok(!wrong.err.includes('y'.repeat(43)), 'the token is never printed');
    assert.equal(wrong.out, '');
    const unknown = await run(['--tenant', 'initech']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /names no tenant 'initech'/);
  });

  it('a gateway that cannot read its stores: exit 3, no report', async () => {
    await gw.runtime.durable.close();
    const r = await run(['--format', 'json']);
    assert.equal(r.code, 3);
    assert.match(r.err, /cannot read its stores; no report/);
    assert.equal(r.out, '');
  });
});
