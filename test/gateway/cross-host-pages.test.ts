/**
 * The pages' side of sign-in for apps on other hosts, over HTTP: the CSP form-action each form
 * page carries (it also governs the redirects after the form), how a finished step goes on
 * (a 303 where the session cookie reaches rd's host, else the hand-off page itself), the
 * cookies' scope with session.cookie_domain, and a second-factor form sent again after it
 * succeeded. The same flows run in Chromium in test/e2e/*-hosts.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  enrolTotp,
  exchangeHandoff,
  nextTotpCode,
  PASSWORD,
  startTestGateway,
  type TestGateway,
  type TestUser,
} from '../helpers/gateway.ts';
import { type Answer, cookieFrom, setCookieOf } from '../helpers/http.ts';

const FORM = 'application/x-www-form-urlencoded';
const HOSTS = ['app.test', '*.wild.test', 'rmm.corp.test'];
const POLICY = {
  rules: [
    { name: 'admin', hosts: HOSTS, paths: ['/admin/**'], action: 'authenticate', require: { level: 'mfa' } },
    { name: 'staff', hosts: HOSTS, action: 'authenticate', require: { level: 'password' } },
  ],
};
const USERS: Record<string, TestUser> = Object.fromEntries(
  ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus'].map((u) => [u, { groups: ['staff'] }]),
);

/** `plain`: the portal at portal.test, host-only cookies; `shared`: portal.corp.test with cookie_domain corp.test. */
type Setup = 'plain' | 'shared';
const PORTAL: Record<Setup, string> = { plain: 'portal.test', shared: 'portal.corp.test' };

function start(setup: Setup): Promise<TestGateway> {
  return startTestGateway({
    gateway: {
      server: { public_url: `http://${PORTAL[setup]}` },
      // the form-action table sends many wrong codes on purpose
      lockout: { max_failures: 100, window: '15m', duration: '30m' },
      ...(setup === 'shared'
        ? { session: { idle_timeout: '30m', max_lifetime: '12h', cookie_domain: 'corp.test' } }
        : {}),
    },
    apps: [{ name: 'rmm', host: 'rmm.corp.test', upstream: 'UPSTREAM' }],
    users: USERS,
    policies: { '00-hosts.yaml': POLICY },
  });
}

const formAction = (answer: Answer) =>
  /form-action ([^;]+);/.exec(String(answer.headers['content-security-policy']))?.[1];

describe('sign-in pages for apps on other hosts', () => {
  const gws = {} as Record<Setup, TestGateway>;
  const secrets = new Map<string, string>();
  before(async () => {
    gws.plain = await start('plain');
    gws.shared = await start('shared');
    for (const user of ['ann', 'ben', 'cat', 'dan', 'eve'])
      secrets.set(user, (await enrolTotp(gws.plain, user)).secret);
    secrets.set('gus', (await enrolTotp(gws.shared, 'gus', PORTAL.shared)).secret);
  });
  after(async () => {
    await gws.plain?.close();
    await gws.shared?.close();
  });

  /** Sends a form to a page of the portal, as the portal's own pages do. */
  const post = (setup: Setup, page: string, fields: Record<string, string>, cookie?: string) =>
    gws[setup].send({
      method: 'POST',
      host: PORTAL[setup],
      target: `/.portcullis/${page}`,
      headers: { 'content-type': FORM, origin: `http://${PORTAL[setup]}`, ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(fields).toString(),
    });
  const get = (setup: Setup, target: string, cookie?: string) =>
    gws[setup].send({ host: PORTAL[setup], target, headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } });
  const q = (rd: string | undefined) => (rd === undefined ? '' : `?rd=${encodeURIComponent(rd)}`);

  // Each form page allows the one origin its form may be redirected to: rd's, when the session
  // cookie reaches it; where it does not, the step answers with the hand-off page instead.
  const FORM_ACTIONS: { setup: Setup; rd?: string; expected: string; why: string }[] = [
    { setup: 'plain', expected: "'self'", why: 'no rd' },
    { setup: 'plain', rd: 'http://portal.test/.portcullis/', expected: "'self'", why: 'rd on the page’s origin' },
    { setup: 'plain', rd: 'http://app.test/a', expected: "'self'", why: 'another host: the hand-off' },
    { setup: 'plain', rd: 'http://x.wild.test/a', expected: "'self'", why: 'a wildcard host: the hand-off' },
    { setup: 'plain', rd: 'http://evil.example/a', expected: "'self'", why: 'rd not served: dropped' },
    { setup: 'plain', rd: 'http://x;y.wild.test/a', expected: "'self'", why: 'no host name: dropped' },
    { setup: 'plain', rd: "http://x'y.wild.test/a", expected: "'self'", why: 'no host name: dropped' },
    { setup: 'shared', rd: 'http://rmm.corp.test/a', expected: "'self' http://rmm.corp.test", why: 'cookie_domain' },
    { setup: 'shared', rd: 'http://x.wild.test/a', expected: "'self'", why: 'outside cookie_domain' },
  ];
  for (const c of FORM_ACTIONS) {
    test(`form-action of the sign-in and step-up pages: ${c.expected} (${c.setup}, ${c.why})`, async () => {
      const user = c.setup === 'plain' ? 'ann' : 'gus';
      const cookie = await gws[c.setup].login(user, PORTAL[c.setup]);
      const pages = [
        await get(c.setup, `/.portcullis/login${q(c.rd)}`),
        await post(c.setup, 'login', { username: user, password: 'wrong', ...(c.rd ? { rd: c.rd } : {}) }),
        await get(c.setup, `/.portcullis/stepup${q(c.rd)}`, cookie),
        await post(c.setup, 'stepup', { code: '000000', ...(c.rd ? { rd: c.rd } : {}) }, cookie),
      ];
      assert.deepEqual(
        pages.map((p) => [p.status, formAction(p)]),
        [
          [200, c.expected],
          [401, c.expected],
          [200, c.expected],
          [401, c.expected],
        ],
      );
      if (c.why.endsWith('dropped'))
        for (const p of pages) assert.doesNotMatch(p.body, /name="rd"/, 'a refused rd is not carried on');
    });
  }

  // A finished step: straight to rd where the session cookie reaches it, else the hand-off page
  // itself (no redirect the page's CSP would have to allow), whose form posts to rd's host.
  const FINISHED: { setup: Setup; step: 'password' | 'second factor'; rd: string; handoff: boolean }[] = [
    { setup: 'plain', step: 'password', rd: 'http://portal.test/.portcullis/', handoff: false },
    { setup: 'plain', step: 'password', rd: 'http://app.test/reports?q=1', handoff: true },
    { setup: 'plain', step: 'password', rd: 'http://x.wild.test/reports', handoff: true },
    { setup: 'plain', step: 'second factor', rd: 'http://app.test/admin/users', handoff: true },
    { setup: 'plain', step: 'second factor', rd: 'http://x.wild.test/admin/', handoff: true },
    { setup: 'shared', step: 'password', rd: 'http://rmm.corp.test/reports', handoff: false },
    { setup: 'shared', step: 'second factor', rd: 'http://rmm.corp.test/admin/', handoff: false },
    { setup: 'shared', step: 'password', rd: 'http://x.wild.test/reports', handoff: true },
  ];
  for (const c of FINISHED) {
    test(`${c.step} done, on to ${c.rd} (${c.setup}): ${c.handoff ? 'the hand-off page' : '303'}`, async () => {
      const gw = gws[c.setup];
      const user = c.setup === 'plain' ? 'ben' : 'gus';
      let answer: Answer;
      if (c.step === 'password') {
        answer = await post(c.setup, 'login', { username: user, password: PASSWORD, rd: c.rd });
      } else {
        const cookie = await gw.login(user, PORTAL[c.setup]);
        const code = await nextTotpCode(gw, secrets.get(user) ?? '');
        answer = await post(c.setup, 'stepup', { code, rd: c.rd }, cookie);
      }
      const target = new URL(c.rd);
      const domain = /Domain=([^;]+)/.exec(setCookieOf(answer, gw.cookieName) ?? '')?.[1];
      assert.equal(domain, c.setup === 'shared' ? 'corp.test' : undefined, 'the cookie as session.cookie_domain says');
      if (!c.handoff) {
        assert.equal(answer.status, 303);
        assert.equal(answer.headers.location, c.rd);
        return;
      }
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.location, undefined);
      assert.equal(formAction(answer), `'self' ${target.origin}`, 'exactly rd’s origin');
      assert.match(answer.body, new RegExp(`<form method="post" action="${target.origin}/\\.portcullis/sso"`));
      const sso = await exchangeHandoff(gw, answer, `http://${PORTAL[c.setup]}`);
      assert.equal(sso.status, 303);
      assert.equal(sso.headers.location, c.rd);
      // a host outside session.cookie_domain gets a host-only cookie (the browser would drop the other)
      assert.doesNotMatch(setCookieOf(sso, gw.cookieName) ?? '', /Domain=/);
      const page = await gw.send({
        host: target.hostname,
        target: `${target.pathname}${target.search}`,
        headers: { cookie: cookieFrom(sso, gw.cookieName) ?? '' },
      });
      assert.equal(page.status, 200);
      assert.equal(page.json<{ headers: Record<string, string> }>().headers['remote-user'], user);
    });
  }

  /** Signs `user` in and proves a code; the risen cookie and the code used. */
  async function steppedUp(user: string, rd: string) {
    const gw = gws.plain;
    const code = await nextTotpCode(gw, secrets.get(user) ?? '');
    const done = await post('plain', 'stepup', { code, rd }, await gw.login(user));
    assert.equal(done.status, 200, 'the hand-off page');
    return { cookie: cookieFrom(done, gw.cookieName) ?? '', code };
  }
  const amr = async (cookie: string) =>
    (await gws.plain.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie } })).json().amr;
  const failures = async (user: string) => (await gws.plain.runtime.lockout.status(user)).failures;
  const rd = 'http://app.test/admin/users';

  test('the step-up form sent again after success goes on: no "not valid", no failure counted', async () => {
    const { cookie, code } = await steppedUp('cat', rd);
    for (const again of [code, '000000']) {
      const answer = await post('plain', 'stepup', { code: again, rd }, cookie);
      assert.equal(answer.status, 200);
      assert.match(answer.body, /action="http:\/\/app\.test\/\.portcullis\/sso"/);
      assert.doesNotMatch(answer.body, /not valid/);
    }
    // the recovery form too: no recovery code is used up
    const recovery = await post('plain', 'recovery', { code: 'aaaa-bbbb-cccc', rd }, cookie);
    assert.match(recovery.body, /\.portcullis\/sso/);
    assert.equal(await failures('cat'), 0);
    assert.deepEqual(await amr(cookie), ['pwd', 'otp', 'mfa']);
  });

  test('a used code still proves nothing for a session that needs it: 401, counted, not raised', async () => {
    const { code } = await steppedUp('dan', rd);
    const other = await gws.plain.login('dan');
    const replayed = await post('plain', 'stepup', { code, rd }, other);
    assert.equal(replayed.status, 401);
    assert.match(replayed.body, /not valid/);
    assert.equal(cookieFrom(replayed, gws.plain.cookieName), undefined, 'no new session id');
    assert.deepEqual(await amr(other), ['pwd'], 'not raised');
    assert.equal(await failures('dan'), 1);
  });

  test('for a page without a second-factor rule, only a second factor of the last 10 minutes counts as done', async () => {
    const account = 'http://portal.test/.portcullis/';
    const { cookie, code } = await steppedUp('eve', rd);
    const fresh = await post('plain', 'stepup', { code, rd: account }, cookie);
    assert.equal(fresh.status, 303);
    assert.equal(fresh.headers.location, account);

    gws.plain.clock.advance(11 * 60_000);
    const stale = await post('plain', 'stepup', { code, rd: account }, cookie);
    assert.equal(stale.status, 401, 'the step-up is asked for real');
    assert.equal(await failures('eve'), 1);
  });

  test('the recovery codes’ Continue goes on through this host’s sign-in page when the cookie does not reach rd', async () => {
    const gw = gws.plain;
    const recovered = await post(
      'plain',
      'recovery',
      { code: (await enrolTotp(gw, 'fay')).recoveryCodes[0] ?? '', rd },
      await gw.login('fay'),
    );
    assert.equal(recovered.status, 200);
    assert.match(recovered.body, /href="\/\.portcullis\/login\?rd=http%3A%2F%2Fapp\.test%2Fadmin%2Fusers"/);
  });
});
