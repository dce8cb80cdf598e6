/**
 * `portcullis events`: through the running gateway's admin API (memory store), following the
 * pages up to --limit; when no gateway answers, from the durable store with a notice; each
 * format (text aligned, JSON lines, CSV with quoting and formula neutralising); usage errors
 * exit 2 and a gateway that refuses 1.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EventView } from '../../src/audit/event-view.ts';
import { csvField } from '../../src/cli/event-formats.ts';
import { main } from '../../src/cli/main.ts';
import type { AuditRecord } from '../../src/stores/durable.ts';
import { adminPort, generatedToken } from '../admin/helpers.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { freePort } from '../helpers/ports.ts';
import { Capture } from './fixtures.ts';

let gw: TestGateway;
let nobody: NodeJS.ProcessEnv;
const viaGateway = () => ({
  PORTCULLIS_ADMIN_URL: `http://127.0.0.1:${adminPort(gw)}`,
  PORTCULLIS_ADMIN_TOKEN: generatedToken(gw),
});

async function run(args: string[], env: NodeJS.ProcessEnv = viaGateway()) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['events', ...args, '--config', join(gw.dir, 'config/gateway.yaml')], {
    stdin: process.stdin,
    stdout,
    stderr,
    env,
  });
  return { code, out: stdout.text, err: stderr.text };
}

const row = (over: Partial<AuditRecord>): AuditRecord => ({
  time: Date.UTC(2026, 2, 1, 8, 0, 0),
  event: 'login.failure',
  outcome: 'failure',
  tenant: null,
  user: 'alice',
  ip: '198.51.100.4',
  country: 'FR',
  device: 'Firefox on Linux',
  app: 'app',
  rule: null,
  detail: null,
  requestId: null,
  ...over,
});

before(async () => {
  gw = await startTestGateway();
  nobody = { PORTCULLIS_ADMIN_URL: `http://127.0.0.1:${await freePort()}` };
  const d = gw.runtime.durable;
  for (let i = 0; i < 5; i++) await d.appendAudit(row({ detail: { n: i }, requestId: `req${i}aaaaaa` }));
  await d.appendAudit(
    row({
      time: Date.UTC(2026, 2, 1, 9, 0, 0),
      event: 'access.deny',
      outcome: 'deny',
      tenant: 'acme',
      user: 'carol',
      ip: '2001:db8::7',
      device: '=HYPERLINK("http://evil.example","click")',
      rule: 'blocked, "really"',
      detail: { path: '/x\ny' },
      requestId: 'k7qm2xdh4a',
    }),
  );
});
after(() => gw.close());

describe('portcullis events', () => {
  it('text through the gateway: one aligned line per event, newest first', async () => {
    const r = await run([]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const lines = r.out.trimEnd().split('\n');
    assert.equal(lines.length, 6);
    assert.equal(lines[0], '2026-03-01 09:00:00Z  access.deny    acme/carol  2001:db8::7   deny     k7qm2xdh4a');
    assert.equal(lines[1], '2026-03-01 08:00:00Z  login.failure  -/alice     198.51.100.4  failure  req4aaaaaa');
    // every request id here has ten characters: aligned columns make lines of one length
    assert.equal(new Set(lines.map((l) => l.length)).size, 1, 'the columns are aligned');
  });

  it('--limit follows the pages; json is one event per line, as the admin API has it', async () => {
    const r = await run(['--format', 'json', '--type', 'login.failure', '--limit', '3']);
    assert.equal(r.code, 0, r.err);
    const events = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as EventView);
    assert.deepEqual(
      events.map((e) => e.detail?.n),
      [4, 3, 2],
    );
    assert.deepEqual(Object.keys(events[0] ?? {}), [
      'time',
      'type',
      'outcome',
      'tenant',
      'user',
      'ip',
      'country',
      'device',
      'app',
      'rule',
      'request_id',
      'detail',
    ]);
    assert.equal(events[0]?.time, '2026-03-01T08:00:00.000Z');
    const many = await run(['--format', 'json', '--limit', '1001']);
    assert.equal(many.out.trimEnd().split('\n').length, 6, 'the whole trail when it is shorter than --limit');
  });

  it('csv: a header, CRLF, quoting per RFC 4180, and no formula a spreadsheet would run', async () => {
    const r = await run(['--format', 'csv', '--tenant', 'acme']);
    assert.equal(r.code, 0, r.err);
    const [header, first, ...rest] = r.out.split('\r\n');
    assert.equal(header, 'time,type,outcome,tenant,user,ip,country,device,app,rule,request_id,detail');
    assert.equal(
      first,
      '2026-03-01T09:00:00.000Z,access.deny,deny,acme,carol,2001:db8::7,FR,' +
        `"'=HYPERLINK(""http://evil.example"",""click"")",app,"blocked, ""really""",k7qm2xdh4a,` +
        '"{""path"":""/x\\ny""}"',
    );
    assert.deepEqual(rest, [''], 'one event, every line ends in CRLF');
    assert.equal(csvField('+1'), "'+1");
    assert.equal(csvField('-2'), "'-2");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvField('\tx'), "'\tx");
    assert.equal(csvField('a\r\nb'), '"a\r\nb"');
    assert.equal(csvField('plain'), 'plain');
    const empty = await run(['--format', 'csv', '--user', 'nobody']);
    assert.equal(empty.out, 'time,type,outcome,tenant,user,ip,country,device,app,rule,request_id,detail\r\n');
  });

  it('no gateway: reads the durable store directly, with a notice, the same events', async () => {
    const direct = await run(['--format', 'json', '--since', '2026-03-01T08:30:00Z'], nobody);
    assert.equal(direct.code, 0, direct.err);
    assert.match(
      direct.err,
      /^notice: no gateway answers at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); reading the durable store directly\n$/,
    );
    const viaApi = await run(['--format', 'json', '--since', '2026-03-01T08:30:00Z']);
    assert.equal(direct.out, viaApi.out);
    assert.equal(direct.out.trimEnd().split('\n').length, 1);
    const paged = await run(['--format', 'json', '--type', 'login.*', '--limit', '4'], nobody);
    assert.deepEqual(
      paged.out
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as EventView).detail?.n),
      [4, 3, 2, 1],
    );
    const text = await run(['--user', 'nobody'], nobody);
    assert.equal(text.out, 'no events\n');
  });

  it('usage errors exit 2 before asking anyone; a refusing gateway exits 1', async () => {
    for (const args of [
      ['--format', 'xml'],
      ['--limit', '0'],
      ['--limit', 'lots'],
      ['--since', 'yesterday'],
      ['--type', 'Login Failure'],
      ['--tenant', 'ACME!'],
      ['--user', 'a b'],
      ['--colour'],
      ['alice'],
    ]) {
      const r = await run(args, nobody);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /usage: portcullis events/);
      assert.equal(r.out, '');
      assert.doesNotMatch(r.err, /notice/, 'nothing was asked');
    }
    const refused = await run([], { ...viaGateway(), PORTCULLIS_ADMIN_TOKEN: 'wrong-token' });
    assert.equal(refused.code, 1);
    assert.match(refused.err, /the gateway at http:\/\/127\.0\.0\.1:\d+ refused: 401 unauthorized/);
    assert.doesNotMatch(refused.err, /wrong-token/);
    assert.equal(refused.out, '');
  });
});
