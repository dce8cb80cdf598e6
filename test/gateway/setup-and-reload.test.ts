import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { stringify } from 'yaml';
import type { PortcullisError } from '../../src/errors.ts';
import { startRuntime } from '../../src/runtime.ts';
import { DEFAULT_POLICY, startTestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';

const FORM = 'application/x-www-form-urlencoded';

test('first administrator: one-time token, users.yaml written, signed in, then the page is gone', async (t) => {
  const gw = await startTestGateway({ users: {} });
  t.after(() => gw.close());
  const token = gw.runtime.setup.issue();
  const page = await gw.send({ host: 'portal.test', target: '/.portcullis/setup', headers: { accept: 'text/html' } });
  assert.equal(page.status, 200);
  assert.match(page.body, /setup\.js/);
  const post = (fields: Record<string, string>) =>
    gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/setup',
      headers: { 'content-type': FORM, origin: 'http://portal.test' },
      body: new URLSearchParams(fields).toString(),
    });

  const good = {
    token,
    username: 'Root.Admin',
    password: 'a long enough passphrase',
    confirm: 'a long enough passphrase',
  };
  assert.equal((await post({ ...good, token: 'wrong' })).status, 403);
  assert.equal((await post({ ...good, confirm: 'something else entirely' })).status, 400);
  assert.equal((await post({ ...good, password: 'short', confirm: 'short' })).status, 400);

  const done = await post(good);
  assert.equal(done.status, 303);
  assert.equal(
    done.headers.location,
    `/.portcullis/enroll?rd=${encodeURIComponent('http://portal.test/.portcullis/')}`,
    'on to the second factor',
  );
  const cookie = cookieFrom(done, gw.cookieName);
  assert.ok(cookie);
  const users = readFileSync(join(gw.dir, 'config/users.yaml'), 'utf8');
  assert.match(users, /root\.admin:/);
  assert.match(users, /\$argon2id\$/);
  assert.ok(!users.includes('a long enough passphrase'));
  const session = await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie } });
  assert.equal(session.json().user, 'root.admin');
  assert.deepEqual(session.json().groups, ['admins']);
  // single use: the token and the page are gone
  assert.equal((await post(good)).status, 410);
  assert.equal((await gw.send({ host: 'portal.test', target: '/.portcullis/setup' })).status, 410);
});

test('hot reload swaps a good policy and keeps the last good one on error', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const cookie = await gw.login('bob', 'app.test');
  assert.equal((await gw.send({ host: 'app.test', target: '/reports', headers: { cookie } })).status, 200);

  const file = join(gw.dir, 'policies/00-msp.yaml');
  const denyReports = {
    rules: [{ name: 'no-reports', hosts: ['app.test'], paths: ['/reports'], action: 'deny' }, ...DEFAULT_POLICY.rules],
  };
  writeFileSync(file, JSON.stringify(denyReports));
  assert.equal(await gw.runtime.reloader.reload(), true);
  assert.equal(
    (await gw.send({ host: 'app.test', target: '/reports', headers: { cookie } })).status,
    403,
    'the new rule is in force',
  );

  writeFileSync(
    file,
    'rules:\n  - name: broken\n    hosts: [app.test]\n    action: authenticate\n    requir: { level: password }\n',
  );
  assert.equal(await gw.runtime.reloader.reload(), false, 'an invalid file is refused');
  assert.equal(
    (await gw.send({ host: 'app.test', target: '/reports', headers: { cookie } })).status,
    403,
    'the last good policy stays',
  );
  assert.equal((await gw.send({ host: 'app.test', target: '/other', headers: { cookie } })).status, 200);
});

test('a max_age under one minute: a reload keeps the last good policy, and the gateway does not start', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const cookie = await gw.login('bob', 'app.test');
  const reports = async () => (await gw.send({ host: 'app.test', target: '/reports', headers: { cookie } })).status;
  assert.equal(await reports(), 200);

  const file = join(gw.dir, 'policies/00-msp.yaml');
  const tooShort = {
    rules: [
      { name: 'no-reports', hosts: ['app.test'], paths: ['/reports'], action: 'deny' },
      {
        name: 'quick',
        hosts: ['app.test'],
        paths: ['/quick/**'],
        action: 'authenticate',
        require: { level: 'mfa', max_age: '30s' },
      },
      ...DEFAULT_POLICY.rules,
    ],
  };
  writeFileSync(file, stringify(tooShort));
  assert.equal(await gw.runtime.reloader.reload(), false, 'refused');
  assert.equal(await reports(), 200, 'the last good policy stays');

  await assert.rejects(
    startRuntime({ configPath: join(gw.dir, 'config/gateway.yaml'), watch: false, logger: pino({ level: 'silent' }) }),
    (err: PortcullisError) => {
      assert.equal(err.code, 'PC_ERR_CONFIG_INVALID');
      assert.match(err.message, /policies\/00-msp\.yaml:\d+:\d+: max_age 30s is below the one-minute floor/);
      return true;
    },
  );

  // 1m and 0 are fine
  for (const maxAge of ['1m', 0]) {
    writeFileSync(
      file,
      stringify({
        rules: tooShort.rules.map((r) => (r.require ? { ...r, require: { level: 'mfa', max_age: maxAge } } : r)),
      }),
    );
    assert.equal(await gw.runtime.reloader.reload(), true, String(maxAge));
    assert.equal(await reports(), 403, 'the new policy is in force');
  }
});
