/** `portcullis check` (src/cli/check.ts) with the policy compiler plugged in (src/cli/semantic-check.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACME_POLICY, checkConfig, GATEWAY } from './fixtures.ts';

const check = checkConfig;

describe('check', () => {
  test('a valid configuration exits 0 with an OK line', async () => {
    const { code, out, err, dir } = await check();
    assert.equal(err, '');
    assert.equal(code, 0);
    assert.equal(out, `${dir.gateway}: OK (4 apps, 3 users, 3 policy files, 7 rules)\n`);
  });

  test("a tenant policy naming another tenant's host exits 1, located", async () => {
    const { code, out, err, dir } = await check({
      'policies/acme.yaml': ACME_POLICY.replace(
        'hosts: [rmm.acme.example]',
        'hosts: [rmm.acme.example, portal.globex.example]',
      ),
    });
    assert.equal(code, 1);
    assert.equal(out, '');
    const file = dir.path('policies/acme.yaml');
    assert.equal(
      err,
      `${file}:4:31: host 'portal.globex.example' belongs to app 'globex-portal' of tenant 'globex', not tenant 'acme'\n` +
        `${dir.gateway}: 1 problem\n`,
    );
  });

  test('every semantic error is reported as file:line:column: message', async () => {
    const { code, err } = await check({
      'policies/zz-more.yaml': `rules:
  - name: a
    paths: [admin/**]
    when: { networks: [office, 10.0.0.1/8] }
    action: authenticate
`,
    });
    assert.equal(code, 1);
    const lines = err.trimEnd().split('\n');
    assert.equal(lines.length, 5, err);
    for (const line of lines.slice(0, -1)) assert.match(line, /^\/.+\/policies\/zz-more\.yaml:\d+:\d+: \S/);
    assert.match(err, /zz-more\.yaml:3:13: a path must start with "\/"\n/);
    assert.match(err, /zz-more\.yaml:4:24: unknown network name 'office'\n/);
    assert.match(err, /zz-more\.yaml:4:32: "10\.0\.0\.1\/8": host bits are set \(did you mean 10\.0\.0\.0\/8\?\)\n/);
    assert.match(err, /zz-more\.yaml:5:13: authenticate needs require/);
    assert.match(lines.at(-1) ?? '', /: 4 problems$/);
  });

  test('a schema error (unknown key in a rule) exits 1, located', async () => {
    const { code, out, err, dir } = await check({
      'policies/acme.yaml': ACME_POLICY.replace(
        '    paths: [/api/health]\n',
        '    paths: [/api/health]\n    method: [GET]\n',
      ),
    });
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.equal(
      err,
      `${dir.path('policies/acme.yaml')}:6:5: unknown key 'method' (did you mean 'methods'?)\n${dir.gateway}: 1 problem\n`,
    );
  });

  test('a schema error under when exits 1, located', async () => {
    const { code, err } = await check({
      'policies/globex.yaml': `tenant: globex
rules:
  - name: everyone
    when: { network: [hq] }
    action: allow
`,
    });
    assert.equal(code, 1);
    assert.match(err, /policies\/globex\.yaml:4:13: unknown key 'network' \(did you mean 'networks'\?\)\n/);
  });

  test('a max_age under one minute exits 1, located, naming the floor and why; 0 and 1m pass', async () => {
    const withMaxAge = (value: string) => ({
      'policies/acme.yaml': ACME_POLICY.replace(
        'require: { level: mfa }',
        `require: { level: mfa, max_age: ${value} }`,
      ),
    });
    const { code, out, err, dir } = await check(withMaxAge('45s'));
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.equal(
      err,
      `${dir.path('policies/acme.yaml')}:9:37: max_age 45s is below the one-minute floor: a fresh proof must survive the redirect back to the page. Write 1m or more, or 0 ("prove it now": a proof of the last minute)\n` +
        `${dir.gateway}: 1 problem\n`,
    );
    for (const fine of ['0', '1m']) {
      const { code: ok, err: none } = await check(withMaxAge(fine));
      assert.equal(ok, 0, `${fine}: ${none}`);
    }
  });

  test('lockout.address.exempt: CIDRs and the named networks of the shared policy files, located problems', async () => {
    const withExempt = (list: string) => `${GATEWAY}lockout:\n  address:\n    exempt: ${list}\n`;
    const ok = await check({ 'config/gateway.yaml': withExempt('[hq, 203.0.113.0/24, "2001:db8::1"]') });
    assert.equal(ok.err, '');
    assert.equal(ok.code, 0);
    const { code, err, dir } = await check({
      'config/gateway.yaml': withExempt('[hq, acme-office, 10.0.0.1/8, nowhere]'),
      'policies/acme.yaml': `${ACME_POLICY}networks:\n  acme-office: [192.0.2.0/24]\n`,
    });
    assert.equal(code, 1);
    const at = (column: number) => `${dir.gateway}:${GATEWAY.split('\n').length + 2}:${column}`;
    assert.equal(
      err,
      `${at(18)}: unknown network name 'acme-office' (names come from the policy files without a tenant)\n` +
        `${at(31)}: "10.0.0.1/8": host bits are set (did you mean 10.0.0.0/8?)\n` +
        `${at(43)}: unknown network name 'nowhere' (names come from the policy files without a tenant)\n` +
        `${dir.gateway}: 3 problems\n`,
    );
  });

  test('stores.ephemeral: Redis through Sentinel is accepted; a malformed URL is refused, located, never shown', async () => {
    const withStore = (url: string) => `${GATEWAY}stores:\n  ephemeral: "${url}"\n`;
    const ok = await check({
      'config/gateway.yaml': withStore('redis+sentinel://:pw@127.0.0.1:26379,127.0.0.1:26380/mymaster/0'),
    });
    assert.equal(ok.err, '');
    assert.equal(ok.code, 0);
    const { code, err, out, dir } = await check({
      'config/gateway.yaml': withStore('redis+sentinel://:s3cret-pw@127.0.0.1:26379,127.0.0.1:port/mymaster'),
    });
    assert.equal(code, 1);
    const line = GATEWAY.split('\n').length + 1;
    assert.equal(
      err,
      `${dir.gateway}:${line}:14: Sentinel address 2 of the redis URL is not host:port (not shown)\n${dir.gateway}: 1 problem\n`,
    );
    assert.doesNotMatch(err + out, /s3cret-pw/);
    const scheme = await check({ 'config/gateway.yaml': withStore('sentinel://h:26379/m') });
    assert.equal(scheme.code, 1);
    assert.equal(
      scheme.err,
      `${scheme.dir.gateway}:${line}:14: must be memory, redis://..., rediss://..., redis+sentinel://... or rediss+sentinel://...\n${scheme.dir.gateway}: 1 problem\n`,
    );
  });

  test('warnings alone do not fail the check', async () => {
    const { code, err } = await check({
      'policies/acme.yaml': ACME_POLICY.replace('hosts: [rmm.acme.example]', 'hosts: [old.acme.example]'),
    });
    assert.equal(code, 0, err);
  });
});
