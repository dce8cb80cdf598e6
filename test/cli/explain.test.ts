/** `portcullis explain` (src/cli/explain.ts) against a temp configuration folder. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runExplain } from '../../src/cli/explain.ts';
import { type ConfigDir, captureIo, makeConfig } from './fixtures.ts';

let dir: ConfigDir;
before(() => {
  dir = makeConfig();
});
after(() => dir.remove());

async function explain(...args: string[]) {
  const io = captureIo();
  const code = await runExplain(['--config', dir.gateway, ...args], io, {});
  return { code, out: io.stdout.text, err: io.stderr.text };
}

interface JsonAnswer {
  request: {
    host: string;
    path: string;
    forwarded: string;
    method: string;
    app: string;
    user: string | null;
    ip: string | null;
  };
  decision: {
    action: string;
    rule: { name: string; file: string; index: number; tenant: string | null } | null;
    reasons: string[];
    require?: { level: string; maxAgeMs?: number; methods?: string[] };
  };
}

async function explainJson(...args: string[]): Promise<JsonAnswer> {
  const { code, out, err } = await explain('--json', ...args);
  assert.equal(code, 0, err);
  return JSON.parse(out) as JsonAnswer;
}

describe('explain', () => {
  test('prints the decision, the rule (index, name, file) and the reasons', async () => {
    const { code, out, err } = await explain(
      '--method',
      'GET',
      '--url',
      'http://psa.msp.example/health',
      '--time',
      '2026-03-02T08:30:00Z',
    );
    assert.equal(code, 0);
    assert.equal(err, '');
    assert.equal(
      out,
      [
        'request:  GET psa.msp.example/health as anonymous from unknown IP (app psa)',
        'context:  country unknown, 2026-03-02T08:30:00.000Z',
        'decision: allow',
        "by:       rule 1 'psa-health' (00-shared.yaml)",
        'reasons:  rule-matched, host-matched, method-matched, path-matched',
        '',
      ].join('\n'),
    );
  });

  test('an authenticate decision shows level, max_age and methods', async () => {
    const { code, out } = await explain(
      '--url',
      'http://psa.msp.example/admin/users',
      '--user',
      'alice',
      '--ip',
      '198.51.100.7',
    );
    assert.equal(code, 0);
    assert.match(out, /^request: {2}GET psa\.msp\.example\/admin\/users as alice from 198\.51\.100\.7 \(app psa\)$/m);
    assert.match(out, /^decision: authenticate, level phishing_resistant, max_age 900s, methods webauthn$/m);
    assert.match(out, /^by: {7}rule 2 'psa-admin-from-hq' \(00-shared\.yaml\)$/m);
    assert.match(out, /^reasons: {2}rule-matched, host-matched, path-matched, group-matched, network-matched$/m);
  });

  test('no rule, tenant mismatch and sign-in-first are explained too', async () => {
    const none = await explain('--url', 'http://box.nas.msp.example/x', '--user', 'carol');
    assert.equal(none.code, 0);
    assert.match(none.out, /^decision: deny\nby: {7}no rule\nreasons: {2}tenant-mismatch$/m);

    const anon = await explain('--url', 'http://psa.msp.example/anything');
    assert.match(
      anon.out,
      /^decision: authenticate, level password\nby: {7}rule 4 'staff' \(00-shared\.yaml\)\nreasons: {2}user-unauthenticated$/m,
    );

    const tenant = await explain('--url', 'http://rmm.acme.example/x', '--user', 'carol');
    assert.match(
      tenant.out,
      /^decision: authenticate, level mfa\nby: {7}rule 6 'everyone' \(acme\.yaml\)\nreasons: {2}rule-matched$/m,
    );
  });

  test('--json prints one JSON document with the request and the decision', async () => {
    const answer = await explainJson('--url', 'http://psa.msp.example/health');
    assert.equal(answer.decision.action, 'allow');
    assert.deepEqual(answer.decision.rule, { name: 'psa-health', file: '00-shared.yaml', index: 1, tenant: null });
    assert.deepEqual(answer.decision.reasons, ['rule-matched', 'host-matched', 'method-matched', 'path-matched']);
    assert.equal(answer.request.app, 'psa');
    assert.equal(answer.request.user, null);

    const auth = await explainJson(
      '--url',
      'http://psa.msp.example/admin',
      '--user',
      'ALICE',
      '--ip',
      '198.51.100.7',
      '--method',
      'post',
    );
    assert.equal(auth.decision.action, 'authenticate');
    assert.deepEqual(auth.decision.require, { level: 'phishing_resistant', maxAgeMs: 900_000, methods: ['webauthn'] });
    assert.equal(auth.request.user, 'alice');
    assert.equal(auth.request.method, 'POST');
  });

  test('the path is judged normalised', async () => {
    const answer = await explainJson('--url', 'http://psa.msp.example//x/../%61dmin/./users');
    assert.equal(answer.request.path, '/admin/users');
    assert.equal(answer.request.forwarded, '/admin/users');
    assert.equal(answer.decision.rule?.name, 'psa-admin-elsewhere');
  });

  test('path parameters are judged as the upstream reads them, and forwarded', async () => {
    const answer = await explainJson('--url', 'http://psa.msp.example/public/..;/admin;jsessionid=1/users');
    assert.equal(answer.request.path, '/admin/users');
    assert.equal(answer.request.forwarded, '/admin;jsessionid=1/users');
    assert.equal(answer.decision.rule?.name, 'psa-admin-elsewhere');
    const { code, out } = await explain('--url', 'http://psa.msp.example/admin;x=1');
    assert.equal(code, 0);
    assert.match(out, /^request: {2}GET psa\.msp\.example\/admin \(forwarded as \/admin;x=1\) as anonymous /m);
    assert.match(out, /^by: {7}rule \d+ 'psa-admin-elsewhere'/m);
  });

  test('--ip in a named network changes the decision; IPv4-mapped addresses count as IPv4', async () => {
    const url = ['--url', 'http://psa.msp.example/admin', '--user', 'alice'];
    const outside = await explainJson(...url);
    assert.equal(outside.decision.action, 'deny');
    assert.equal(outside.decision.rule?.name, 'psa-admin-elsewhere');
    const elsewhere = await explainJson(...url, '--ip', '192.0.2.1');
    assert.equal(elsewhere.decision.action, 'deny');
    const hq = await explainJson(...url, '--ip', '198.51.100.7');
    assert.equal(hq.decision.action, 'authenticate');
    assert.equal(hq.decision.rule?.name, 'psa-admin-from-hq');
    const mapped = await explainJson(...url, '--ip', '::ffff:198.51.100.7');
    assert.equal(mapped.request.ip, '198.51.100.7');
    assert.equal(mapped.decision.rule?.name, 'psa-admin-from-hq');
  });

  test('an unknown --user exits 1', async () => {
    const { code, out, err } = await explain('--url', 'http://psa.msp.example/', '--user', 'mallory');
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.equal(err, "unknown user 'mallory'\n");
  });

  test('a host no app serves exits 1 with a 404 note', async () => {
    const { code, out, err } = await explain('--url', 'http://nowhere.example/');
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.match(err, /no app serves host 'nowhere\.example'.*404/);
    // the wildcard app does not serve its bare domain
    const bare = await explain('--url', 'http://nas.msp.example/');
    assert.equal(bare.code, 1);
    assert.match(bare.err, /404/);
  });

  test('an ambiguous path exits 1 with a 400 note', async () => {
    for (const path of ['/a%2fb', '/a%5Cb', '/a%00b', '/a%23b', '/a%3fb', '/a%3Fb', '/admin%3bx']) {
      const { code, out, err } = await explain('--url', `http://psa.msp.example${path}`);
      assert.equal(code, 1, path);
      assert.equal(out, '');
      assert.match(err, /400/, path);
    }
  });

  test('usage mistakes exit 2; a broken configuration exits 1 with located problems', async () => {
    assert.equal((await explain()).code, 2);
    assert.equal((await explain('--url', 'not a url')).code, 2);
    assert.equal((await explain('--url', 'http://psa.msp.example/', '--ip', '1.2.3')).code, 2);
    assert.equal((await explain('--url', 'http://psa.msp.example/', '--bogus')).code, 2);

    const broken = makeConfig({
      'policies/acme.yaml': 'tenant: acme\nrules:\n  - name: x\n    hosts: [psa.msp.example]\n    action: allow\n',
    });
    try {
      const io = captureIo();
      assert.equal(await runExplain(['--config', broken.gateway, '--url', 'http://psa.msp.example/'], io, {}), 1);
      assert.match(
        io.stderr.text,
        /acme\.yaml:4:13: host 'psa\.msp\.example' belongs to app 'psa' of the MSP, not tenant 'acme'\n/,
      );
    } finally {
      broken.remove();
    }
  });
});
