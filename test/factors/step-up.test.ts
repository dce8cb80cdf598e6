import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { ACME_POLICY, DEFAULT_POLICY, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';

const PARAMS = { digits: 6 as const, period: 30, algorithm: 'sha1' as const };
const code = (gw: TestGateway, secret: string) => generateTotpCode(secret, Math.floor(gw.clock.now() / 30_000), PARAMS);

test('max_age: after 15 minutes the second factor is asked again, the session is kept, and the user returns to the page', async (t) => {
  const policy = {
    rules: [
      {
        name: 'billing-needs-fresh-mfa',
        hosts: ['app.test'],
        paths: ['/billing/**'],
        action: 'authenticate',
        require: { level: 'mfa', max_age: '15m' },
      },
      ...DEFAULT_POLICY.rules,
    ],
  };
  const gw = await startTestGateway({ policies: { '00-msp.yaml': policy, 'acme.yaml': ACME_POLICY } });
  t.after(() => gw.close());
  const json = (cookie: string) => ({ cookie, 'content-type': 'application/json', origin: 'http://app.test' });
  const login = await gw.login('alice', 'app.test');
  const { secret } = (
    await gw.send({
      method: 'POST',
      host: 'app.test',
      target: '/.portcullis/api/enroll/totp/start',
      headers: json(login),
      body: '{}',
    })
  ).json<{ secret: string }>();
  const finished = await gw.send({
    method: 'POST',
    host: 'app.test',
    target: '/.portcullis/api/enroll/totp/finish',
    headers: json(login),
    body: JSON.stringify({ code: await code(gw, secret) }),
  });
  let cookie = cookieFrom(finished, gw.cookieName) ?? '';
  assert.equal(
    (await gw.send({ host: 'app.test', target: '/billing/invoices', headers: { cookie } })).status,
    200,
    'fresh',
  );

  gw.clock.advance(14 * 60_000);
  assert.equal(
    (await gw.send({ host: 'app.test', target: '/billing/invoices', headers: { cookie } })).status,
    200,
    'still fresh at 14 min',
  );
  gw.clock.advance(2 * 60_000);
  const stale = await gw.send({
    host: 'app.test',
    target: '/billing/invoices?page=2',
    headers: { cookie, accept: 'text/html' },
  });
  assert.equal(stale.status, 302, 'too old at 16 min');
  const stepup = new URL(String(stale.headers.location));
  assert.equal(stepup.pathname, '/.portcullis/stepup');
  assert.equal(stepup.searchParams.get('rd'), 'http://app.test/billing/invoices?page=2');
  assert.equal(
    (await gw.send({ host: 'app.test', target: '/reports', headers: { cookie } })).status,
    200,
    'the session is kept meanwhile',
  );

  const onApp = await gw.send({
    method: 'POST',
    host: 'app.test',
    target: '/.portcullis/stepup',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://app.test' },
    body: new URLSearchParams({
      code: await code(gw, secret),
      rd: 'http://app.test/billing/invoices?page=2',
    }).toString(),
  });
  assert.equal(onApp.status, 303);
  assert.equal(onApp.headers.location, 'http://app.test/billing/invoices?page=2', 'back to the original URL');
  const risen = cookieFrom(onApp, gw.cookieName) ?? '';
  assert.notEqual(risen, cookie, 'a new session id at the rise');
  const session = (
    await gw.send({ host: 'app.test', target: '/.portcullis/api/session', headers: { cookie: risen } })
  ).json();
  assert.equal(session.user, 'alice');
  cookie = risen;
  assert.equal(
    (await gw.send({ host: 'app.test', target: '/billing/invoices?page=2', headers: { cookie } })).status,
    200,
  );
});
