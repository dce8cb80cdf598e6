import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';

const JSON_HEADERS = { 'content-type': 'application/json', origin: 'http://portal.test' };

async function apiLogin(
  gw: TestGateway,
  body: Record<string, unknown>,
  headers: Record<string, string> = JSON_HEADERS,
  host = 'portal.test',
) {
  return gw.send({ method: 'POST', host, target: '/.portcullis/api/login', headers, body: JSON.stringify(body) });
}

describe('JSON login API', () => {
  test('a good password signs in: authenticated, redirect to rd on a served host, a fresh session cookie', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const answer = await apiLogin(gw, { username: 'alice', password: PASSWORD, rd: 'http://app.test/dashboard?x=1' });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json(), { status: 'authenticated', redirect: 'http://app.test/dashboard?x=1' });
    const cookie = cookieFrom(answer, gw.cookieName);
    assert.ok(cookie);
    assert.match(cookie, /^portcullis_session=[A-Za-z0-9_-]{43}$/);
    const session = await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie } });
    assert.equal(session.status, 200);
    const body = session.json();
    assert.equal(body.user, 'alice');
    assert.deepEqual(body.groups, ['msp-admins']);
    assert.deepEqual(body.amr, ['pwd']);
    assert.equal(body.tenant, null);
  });

  test('user names are matched case-folded and trimmed', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    assert.equal((await apiLogin(gw, { username: '  ALICE ', password: PASSWORD })).status, 200);
  });

  test('unknown user, wrong password, disabled user: the same 401 answer, no cookie', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const answers = [
      await apiLogin(gw, { username: 'nobody', password: PASSWORD }),
      await apiLogin(gw, { username: 'alice', password: 'wrong password here' }),
      await apiLogin(gw, { username: 'dave', password: PASSWORD }),
    ];
    for (const a of answers) {
      assert.equal(a.status, 401);
      assert.deepEqual(a.json(), { error: 'invalid_credentials' });
      assert.equal(cookieFrom(a, gw.cookieName), undefined);
    }
    await gw.runtime.audit.flush();
    const rows = await gw.runtime.durable.queryAudit({ event: 'login.failure' });
    assert.equal(rows.length, 3);
    for (const row of rows)
      assert.ok(!JSON.stringify(row).includes('wrong password'), 'no password in the audit trail');
  });

  test('rd is only accepted for served hosts: open redirects fall back to /', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const hostile = [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example/',
      'http://app.test@evil.example/',
      'http://evil.example\\@app.test/',
      'javascript:alert(1)',
      'http://user:pw@app.test/',
      'http://app.test.evil.example/',
      'http://wild.test/',
      ' http://evil.example',
      'http://evil.example%2F@app.test',
      'data:text/html,hi',
      // a wildcard app matches any first label, but rd must name a host as a Host header does
      'http://x;y.wild.test/',
      "http://x'y.wild.test/",
      'http://x"y.wild.test/',
      'http://x,y.wild.test/',
      'http://x*y.wild.test/',
    ];
    for (const rd of hostile) {
      const answer = await apiLogin(gw, { username: 'alice', password: PASSWORD, rd });
      assert.equal(answer.json().redirect, 'http://portal.test/.portcullis/', `rd ${rd}`);
    }
    const served = [
      'http://app.test/a',
      'https://x.wild.test/b',
      'http://portal.test/.portcullis/',
      '/relative/path',
      'http://X.Wild.Test./c',
    ];
    const expected = [
      'http://app.test/a',
      'https://x.wild.test/b',
      'http://portal.test/.portcullis/',
      'http://portal.test/relative/path',
      'http://x.wild.test/c',
    ];
    for (const [i, rd] of served.entries()) {
      const answer = await apiLogin(gw, { username: 'alice', password: PASSWORD, rd });
      assert.equal(answer.json().redirect, expected[i]);
    }
  });

  test('CSRF: wrong content type, missing or foreign Origin are refused with 403 and no session', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const body = { username: 'alice', password: PASSWORD };
    const cases: Record<string, string>[] = [
      { 'content-type': 'text/plain', origin: 'http://portal.test' },
      { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://portal.test' },
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json', origin: 'http://evil.example' },
      { 'content-type': 'application/json', origin: 'http://app.test' },
      { 'content-type': 'application/json', origin: 'null' },
    ];
    for (const headers of cases) {
      const answer = await apiLogin(gw, body, headers);
      assert.equal(answer.status, 403, JSON.stringify(headers));
      assert.equal(answer.json().error, 'csrf');
      assert.equal(answer.cookies.length, 0);
    }
    await gw.runtime.audit.flush();
    assert.equal(
      (await gw.runtime.durable.queryAudit({ event: 'login.success' })).length,
      0,
      'no attempt was even made',
    );
  });

  test('bad input is a 400 with no side effect', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const bodies = [
      '{',
      JSON.stringify({ username: 'alice' }),
      JSON.stringify({ username: 'alice', password: PASSWORD, extra: 1 }),
      JSON.stringify({ username: ['alice'], password: PASSWORD }),
      JSON.stringify({ username: 'alice', password: 'x'.repeat(2000) }),
    ];
    for (const body of bodies) {
      const answer = await gw.send({
        method: 'POST',
        host: 'portal.test',
        target: '/.portcullis/api/login',
        headers: JSON_HEADERS,
        body,
      });
      assert.equal(answer.status, 400, body.slice(0, 40));
      assert.equal(answer.cookies.length, 0);
      assert.ok(!answer.body.includes(PASSWORD));
    }
  });

  test('cookie flags: HttpOnly, SameSite=Lax, Path=/, host-only; Secure with an https public_url', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const plain = (await apiLogin(gw, { username: 'alice', password: PASSWORD })).cookies[0] ?? '';
    assert.match(plain, /; HttpOnly/i);
    assert.match(plain, /; SameSite=Lax/i);
    assert.match(plain, /; Path=\//i);
    assert.doesNotMatch(plain, /Domain=/i);
    assert.doesNotMatch(plain, /Secure/i);

    const secure = await startTestGateway({
      gateway: { server: { public_url: 'https://portal.test' } },
    });
    t.after(() => secure.close());
    const answer = await apiLogin(
      secure,
      { username: 'alice', password: PASSWORD },
      { 'content-type': 'application/json', origin: 'http://portal.test' },
    );
    const c = answer.cookies.find((x) => x.startsWith('__Host-portcullis_session=')) ?? '';
    assert.match(c, /; Secure/i);
    // the device cookie of a completed sign-in: the same protections, long-lived
    const device = answer.cookies.find((x) => x.startsWith('__Host-portcullis_device=')) ?? '';
    assert.match(device, /; Secure/i);
    assert.match(device, /; HttpOnly/i);
    assert.match(device, /; Max-Age=34560000/i);
    assert.doesNotMatch(device, /Domain=/i);
    assert.equal(answer.cookies.length, 2);

    // session.cookie_domain: on a host under it, the cookies name it; on a host outside it they
    // stay host-only (a browser drops a cookie whose Domain does not cover the host that sets it)
    const shared = await startTestGateway({
      gateway: {
        server: { public_url: 'http://portal.example.test' },
        session: { cookie_domain: '.example.test' },
      },
    });
    t.after(() => shared.close());
    const within = { 'content-type': 'application/json', origin: 'http://portal.example.test' };
    const all = (await apiLogin(shared, { username: 'alice', password: PASSWORD }, within, 'portal.example.test'))
      .cookies;
    assert.equal(all.length, 2);
    for (const d of all) assert.match(d, /; Domain=\.?example\.test/i);
    const onApp = { 'content-type': 'application/json', origin: 'http://app.test' };
    const outside = (await apiLogin(shared, { username: 'alice', password: PASSWORD }, onApp, 'app.test')).cookies;
    assert.equal(outside.length, 2);
    for (const d of outside) assert.doesNotMatch(d, /Domain=/i);
  });

  test('a new session id at every sign-in: the old cookie stops working', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const first = await gw.login('alice');
    const again = await apiLogin(gw, { username: 'alice', password: PASSWORD }, { ...JSON_HEADERS, cookie: first });
    const second = cookieFrom(again, gw.cookieName);
    assert.ok(second);
    assert.notEqual(second, first);
    assert.equal(
      (await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie: first } })).status,
      401,
    );
    assert.equal(
      (await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie: second } })).status,
      200,
    );
  });
});

describe('session lifetime (injected clock)', () => {
  test('idle timeout: a request within the idle time slides it; silence beyond it ends the session', async (t) => {
    const gw = await startTestGateway({
      gateway: {
        session: { idle_timeout: '10m', max_lifetime: '12h' },
      },
    });
    t.after(() => gw.close());
    const cookie = await gw.login('alice', 'app.test');
    for (let i = 0; i < 5; i++) {
      gw.clock.advance(9 * 60_000);
      assert.equal(
        (await gw.send({ host: 'app.test', target: '/x', headers: { cookie } })).status,
        200,
        `after ${(i + 1) * 9} min with activity`,
      );
    }
    gw.clock.advance(10 * 60_000 + 1);
    assert.equal((await gw.send({ host: 'app.test', target: '/x', headers: { cookie } })).status, 401);
  });

  test('absolute lifetime: the session ends at max_lifetime however active it is', async (t) => {
    const gw = await startTestGateway({
      gateway: {
        session: { idle_timeout: '30m', max_lifetime: '1h' },
      },
    });
    t.after(() => gw.close());
    const cookie = await gw.login('alice', 'app.test');
    for (let i = 0; i < 3; i++) {
      gw.clock.advance(19 * 60_000);
      assert.equal((await gw.send({ host: 'app.test', target: '/x', headers: { cookie } })).status, 200);
    }
    gw.clock.advance(3 * 60_000);
    const expired = await gw.send({ host: 'app.test', target: '/x', headers: { cookie, accept: 'text/html' } });
    assert.equal(expired.status, 302);
    assert.match(String(expired.headers.location), /^http:\/\/portal\.test\/\.portcullis\/login\?rd=/);
  });

  test('a forged or malformed session cookie is simply no session', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    for (const value of ['x', 'A'.repeat(43), `${'A'.repeat(42)}!`, 'a'.repeat(5000)]) {
      const answer = await gw.send({
        host: 'app.test',
        target: '/x',
        headers: { cookie: `portcullis_session=${value}` },
      });
      assert.equal(answer.status, 401);
    }
  });
});

describe('logout', () => {
  test('POST /api/logout: 204, cookie cleared, the session is gone server-side', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const cookie = await gw.login('alice');
    const out = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/logout',
      headers: { ...JSON_HEADERS, cookie },
      body: '{}',
    });
    assert.equal(out.status, 204);
    assert.match(out.cookies[0] ?? '', /^portcullis_session=;.*Max-Age=0/i);
    assert.equal(
      (await gw.send({ host: 'app.test', target: '/x', headers: { cookie } })).status,
      401,
      'the old cookie no longer works',
    );
  });

  test('logout without Origin is refused (CSRF) and the session stays', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const cookie = await gw.login('alice');
    const out = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/logout',
      headers: { 'content-type': 'application/json', cookie },
      body: '{}',
    });
    assert.equal(out.status, 403);
    assert.equal(
      (await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie } })).status,
      200,
    );
  });
});

describe('lockout', () => {
  test('after max_failures the account is locked: even the right password gets the same 401, until duration passes', async (t) => {
    const gw = await startTestGateway({ gateway: { lockout: { max_failures: 3, window: '15m', duration: '30m' } } });
    t.after(() => gw.close());
    for (let i = 0; i < 3; i++)
      assert.equal((await apiLogin(gw, { username: 'Alice', password: `wrong ${i}` })).status, 401);
    const locked = await apiLogin(gw, { username: 'alice', password: PASSWORD });
    assert.equal(locked.status, 401);
    assert.deepEqual(locked.json(), { error: 'invalid_credentials' }, 'a locked account looks like a wrong password');
    assert.equal(locked.cookies.length, 0);
    assert.equal(
      (await apiLogin(gw, { username: 'bob', password: PASSWORD })).status,
      200,
      'other accounts are not affected',
    );
    gw.clock.advance(30 * 60_000 + 1);
    assert.equal(
      (await apiLogin(gw, { username: 'alice', password: PASSWORD })).status,
      200,
      'the lock ends after duration',
    );
    await gw.runtime.audit.flush();
    const events = await gw.runtime.durable.queryAudit({ event: 'lockout' });
    assert.equal(events.length, 1);
    assert.equal(events[0]?.user, 'alice');
    const failures = await gw.runtime.durable.queryAudit({ event: 'login.failure' });
    assert.ok(failures.some((f) => f.detail?.reason === 'locked'));
  });

  test('unknown accounts lock the same way (nothing tells which names exist)', async (t) => {
    const gw = await startTestGateway({ gateway: { lockout: { max_failures: 2, window: '15m', duration: '30m' } } });
    t.after(() => gw.close());
    for (let i = 0; i < 2; i++) await apiLogin(gw, { username: 'nobody', password: 'x' });
    assert.equal((await gw.runtime.lockout.status('nobody')).locked, true);
  });
});
