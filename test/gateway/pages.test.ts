import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PASSWORD, startTestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';

const FORM = 'application/x-www-form-urlencoded';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('HTML sign-in (no JavaScript needed)', () => {
  test('the login page is self-contained: strict CSP, no external resources, labelled fields', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const page = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/login?rd=http%3A%2F%2Fapp.test%2Fx',
      headers: { accept: 'text/html' },
    });
    assert.equal(page.status, 200);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(page.body, /https?:\/\/(?!app\.test)/, 'no external URL in the page');
    assert.match(page.body, /<label for="username">/);
    assert.match(page.body, /<label for="password">/);
    assert.match(page.body, /name="rd" value="http:\/\/app\.test\/x"/);
    const css = await gw.send({ host: 'portal.test', target: '/.portcullis/static/portal.css' });
    assert.equal(css.status, 200);
    assert.match(String(css.headers['content-type']), /text\/css/);
  });

  test('browser journey: app -> 302 login -> form POST -> the SSO hand-off page -> the app host -> app', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    // 1. the app sends the browser to the portal
    const first = await gw.send({ host: 'app.test', target: '/reports?q=1', headers: { accept: 'text/html' } });
    assert.equal(first.status, 302);
    const login = new URL(String(first.headers.location));
    assert.equal(login.origin, 'http://portal.test');
    assert.equal(login.searchParams.get('rd'), 'http://app.test/reports?q=1');
    // 2. the form posts to the portal, which signs in and answers with the hand-off page at once:
    // the portal's cookie does not reach app.test, and a redirect there would be one more origin
    // the sign-in page's CSP (form-action) had to allow
    const handoff = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/login',
      headers: { 'content-type': FORM, origin: 'http://portal.test' },
      body: form({ username: 'alice', password: PASSWORD, rd: 'http://app.test/reports?q=1' }),
    });
    assert.equal(handoff.status, 200);
    assert.ok(cookieFrom(handoff, gw.cookieName), 'signed in on the portal');
    assert.match(handoff.body, /action="http:\/\/app\.test\/\.portcullis\/sso"/);
    assert.match(String(handoff.headers['content-security-policy']), /form-action 'self' http:\/\/app\.test;/);
    const code = /name="code" value="([^"]+)"/.exec(handoff.body)?.[1];
    assert.ok(code);
    // 3. the app host exchanges the one-time code (POSTed, never in a URL) for its own cookie
    const exchange = () =>
      gw.send({
        method: 'POST',
        host: 'app.test',
        target: '/.portcullis/sso',
        headers: { 'content-type': FORM, origin: 'http://portal.test' },
        body: form({ code, rd: 'http://app.test/reports?q=1' }),
      });
    const sso = await exchange();
    assert.equal(sso.status, 303);
    assert.equal(sso.headers.location, 'http://app.test/reports?q=1');
    const appCookie = cookieFrom(sso, gw.cookieName);
    assert.ok(appCookie);
    const app = await gw.send({ host: 'app.test', target: '/reports?q=1', headers: { cookie: appCookie } });
    assert.equal(app.status, 200);
    assert.equal(app.json<{ headers: Record<string, string> }>().headers['remote-user'], 'alice');
    // the code works once only
    assert.equal((await exchange()).status, 403);
  });

  test('an SSO code is bound to its host and must come from the portal origin', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const cookie = await gw.login('alice');
    const handoff = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/login?rd=http%3A%2F%2Fapp.test%2F',
      headers: { accept: 'text/html', cookie },
    });
    const code = /name="code" value="([^"]+)"/.exec(handoff.body)?.[1] ?? '';
    const other = await gw.send({
      method: 'POST',
      host: 'x.wild.test',
      target: '/.portcullis/sso',
      headers: { 'content-type': FORM, origin: 'http://portal.test' },
      body: form({ code, rd: 'http://x.wild.test/' }),
    });
    assert.equal(other.status, 403, 'a code for app.test does not work on x.wild.test');
    const handoff2 = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/login?rd=http%3A%2F%2Fapp.test%2F',
      headers: { accept: 'text/html', cookie },
    });
    const code2 = /name="code" value="([^"]+)"/.exec(handoff2.body)?.[1] ?? '';
    const foreign = await gw.send({
      method: 'POST',
      host: 'app.test',
      target: '/.portcullis/sso',
      headers: { 'content-type': FORM, origin: 'http://evil.example' },
      body: form({ code: code2, rd: 'http://app.test/' }),
    });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.cookies.length, 0);
  });

  test('a wrong password re-renders the form with a 401 and the same words as an unknown user', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const post = (username: string, password: string) =>
      gw.send({
        method: 'POST',
        host: 'portal.test',
        target: '/.portcullis/login',
        headers: { 'content-type': FORM, origin: 'http://portal.test' },
        body: form({ username, password }),
      });
    const wrong = await post('alice', 'not the password');
    const unknown = await post('mallory', 'not the password');
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    const message = (b: string) => /<p class="error"[^>]*>([^<]*)<\/p>/.exec(b)?.[1];
    assert.equal(message(wrong.body), message(unknown.body));
    assert.ok(!wrong.body.includes('not the password'));
    assert.equal(wrong.cookies.length, 0);
  });

  test('form POSTs without the right Origin are refused (CSRF)', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    for (const origin of [undefined, 'http://evil.example', 'http://app.test']) {
      const answer = await gw.send({
        method: 'POST',
        host: 'portal.test',
        target: '/.portcullis/login',
        headers: { 'content-type': FORM, ...(origin ? { origin } : {}) },
        body: form({ username: 'alice', password: PASSWORD }),
      });
      assert.equal(answer.status, 403, String(origin));
      assert.equal(answer.cookies.length, 0);
    }
  });

  test('HTML logout ends the session', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const cookie = await gw.login('alice');
    const page = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/logout',
      headers: { cookie, accept: 'text/html' },
    });
    assert.match(page.body, /Signed in as <strong>alice<\/strong>/);
    const out = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/logout',
      headers: { cookie, 'content-type': FORM, origin: 'http://portal.test' },
      body: '',
    });
    assert.equal(out.status, 200);
    assert.equal(
      (await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie } })).status,
      401,
    );
  });

  test('step-up: a level not met leads to the step-up page with the session kept', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const cookie = await gw.login('alice', 'app.test');
    const first = await gw.send({ host: 'app.test', target: '/admin/users', headers: { cookie, accept: 'text/html' } });
    assert.equal(first.status, 302);
    const stepup = new URL(String(first.headers.location));
    assert.equal(stepup.pathname, '/.portcullis/stepup');
    assert.equal(stepup.searchParams.get('rd'), 'http://app.test/admin/users');
    const page = await gw.send({
      host: 'app.test',
      target: `${stepup.pathname}${stepup.search}`,
      headers: { cookie, accept: 'text/html' },
    });
    assert.equal(page.status, 200);
    assert.match(page.body, /Signed in as <strong>alice<\/strong>/);
    assert.equal(
      (await gw.send({ host: 'app.test', target: '/reports', headers: { cookie } })).status,
      200,
      'session kept',
    );
    const anonymous = await gw.send({
      host: 'app.test',
      target: `${stepup.pathname}${stepup.search}`,
      headers: { accept: 'text/html' },
    });
    assert.equal(anonymous.status, 302);
    assert.match(String(anonymous.headers.location), /^\/\.portcullis\/login\?rd=/);
  });

  test('nothing under /.portcullis/ reaches an upstream', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const cookie = await gw.login('alice', 'app.test');
    const answer = await gw.send({ host: 'app.test', target: '/.portcullis/anything', headers: { cookie } });
    assert.equal(answer.status, 404);
    assert.equal(gw.upstream.seen.length, 0);
  });
});
