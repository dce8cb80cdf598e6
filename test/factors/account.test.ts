import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://portal.test' };
const JSON_H = { 'content-type': 'application/json', origin: 'http://portal.test' };

async function enrolled(gw: TestGateway) {
  const login = await gw.login('alice');
  const { secret } = (
    await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/enroll/totp/start',
      headers: { ...JSON_H, cookie: login },
      body: '{}',
    })
  ).json<{ secret: string }>();
  const code = await generateTotpCode(secret, Math.floor(gw.clock.now() / 30_000), {
    digits: 6,
    period: 30,
    algorithm: 'sha1',
  });
  const done = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/enroll/totp/finish',
    headers: { ...JSON_H, cookie: login },
    body: JSON.stringify({ code }),
  });
  return {
    cookie: cookieFrom(done, gw.cookieName) ?? '',
    recovery: done.json<{ recovery_codes: string[] }>().recovery_codes,
  };
}

test('account page: factors listed; removal and new recovery codes need a fresh second factor; audited', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const { cookie, recovery } = await enrolled(gw);
  const page = await gw.send({
    host: 'portal.test',
    target: '/.portcullis/',
    headers: { cookie, accept: 'text/html' },
  });
  assert.equal(page.status, 200);
  assert.match(page.body, /Authenticator app/);
  assert.match(page.body, /10 of 10 unused/);
  const id = /name="id" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  assert.ok(id);

  // fresh (just enrolled): new recovery codes replace the old ones
  const regenerated = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/account/recovery',
    headers: { ...FORM, cookie },
    body: '',
  });
  assert.equal(regenerated.status, 200);
  const fresh = [...regenerated.body.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]);
  assert.equal(fresh.length, 10);
  assert.ok(!fresh.includes(recovery[0]));
  const oldCode = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/mfa/recovery',
    headers: { ...JSON_H, cookie },
    body: JSON.stringify({ code: recovery[0] }),
  });
  assert.equal(oldCode.status, 401, 'the old set is void');

  // 11 minutes later the proof is not fresh: removal goes through the step-up page first
  gw.clock.advance(11 * 60_000);
  const late = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/account/factor/remove',
    headers: { ...FORM, cookie },
    body: `id=${id}`,
  });
  assert.equal(late.status, 303);
  assert.match(String(late.headers.location), /^\/\.portcullis\/stepup\?rd=/);
  assert.equal((await gw.runtime.durable.listFactors('alice')).length, 1, 'nothing removed');

  // prove a recovery code (fresh again), then remove
  const proved = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/mfa/recovery',
    headers: { ...JSON_H, cookie },
    body: JSON.stringify({ code: fresh[0] }),
  });
  const risen = cookieFrom(proved, gw.cookieName) ?? '';
  const removed = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/account/factor/remove',
    headers: { ...FORM, cookie: risen },
    body: `id=${id}`,
  });
  assert.equal(removed.status, 200);
  assert.match(removed.body, /The factor was removed/);
  assert.equal((await gw.runtime.durable.listFactors('alice')).length, 0);
  await gw.runtime.audit.flush();
  assert.equal((await gw.runtime.durable.queryAudit({ event: 'factor.removed' })).length, 1);
  assert.equal((await gw.runtime.durable.queryAudit({ event: 'recovery.regenerated' })).length, 1);

  // no CSRF bypass: a POST without Origin changes nothing
  const csrf = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/account/recovery',
    headers: { 'content-type': FORM['content-type'], cookie: risen },
    body: '',
  });
  assert.equal(csrf.status, 403);
});

test('the account page needs a session', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const answer = await gw.send({ host: 'portal.test', target: '/.portcullis/', headers: { accept: 'text/html' } });
  assert.equal(answer.status, 302);
  assert.match(String(answer.headers.location), /^\/\.portcullis\/login\?rd=/);
});
