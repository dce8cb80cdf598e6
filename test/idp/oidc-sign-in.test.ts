/**
 * Sign-in through an identity provider, against a real OpenID Provider on loopback (oidc-provider,
 * Entra-like claims and issuer): the whole flow through the pages with a cookie jar, the user made
 * just in time, the policy applied as for anyone; and each way it must fail (wrong state, another
 * browser, a replayed callback, another directory, a wrong audience, an expired token, a foreign
 * signature, missing claims, a groups overage, a name of users.yaml, the provider refusing), refused
 * with nothing created; an administrator's actions; logout at the provider.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { callAdmin, generatedToken } from '../admin/helpers.ts';
import { ACME_POLICY, DEFAULT_POLICY, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { IdpBrowser } from '../helpers/idp-browser.ts';
import type { TestOp } from '../helpers/oidc-provider.ts';
import { FRESH_RULE, pat, provider, START, startOp, TID } from './fixtures.ts';

describe('sign-in through an identity provider', () => {
  let op: TestOp;
  let gw: TestGateway;

  before(async () => {
    op = await startOp();
    gw = await startTestGateway({
      // the gateway's clock is the provider's: tokens are checked against it
      clock: new ManualClock(Date.now()),
      gateway: { identity_providers: [provider(op, { logout: true })] },
      policies: {
        '00-msp.yaml': DEFAULT_POLICY,
        'acme.yaml': {
          ...ACME_POLICY,
          rules: [
            {
              name: 'acme-admin',
              hosts: ['acme.test'],
              paths: ['/admin/**'],
              action: 'authenticate',
              require: { level: 'mfa' },
            },
            FRESH_RULE,
            ...ACME_POLICY.rules,
          ],
        },
      },
    });
  });
  after(async () => {
    await gw.close();
    await op.close();
  });

  const audited = async (reason: string) => {
    await gw.runtime.audit.flush();
    const rows = await gw.runtime.durable.queryAudit({ event: 'login.failure' });
    return rows.filter((r) => (r.detail as { reason?: string } | null)?.reason === reason);
  };

  test('the login page offers the provider where it serves, not on another client\u2019s or the MSP\u2019s apps', async () => {
    const b = new IdpBrowser(gw);
    const forAcme = await b.get(`http://portal.test/.portcullis/login?rd=${encodeURIComponent('http://acme.test/x')}`);
    assert.equal(forAcme.status, 200);
    assert.match(
      forAcme.body,
      /<a class="button" href="http:\/\/portal\.test\/\.portcullis\/oidc\/acme-entra\/start\?rd=http%3A%2F%2Facme\.test%2Fx">Sign in with Acme \(Microsoft\)<\/a>/,
    );
    const forMsp = await b.get(`http://portal.test/.portcullis/login?rd=${encodeURIComponent('http://app.test/x')}`);
    assert.equal(forMsp.status, 200);
    assert.doesNotMatch(forMsp.body, /acme-entra/);
    const refused = await b.get(`${START}?rd=${encodeURIComponent('http://app.test/x')}`);
    assert.equal(refused.status, 403);
    assert.match(refused.body, /refused/);
    assert.equal(op.counts.authorization, 0, 'never sent to the provider');
  });

  test('the whole flow: the user is made at the first sign-in, reaches the app with the identity, and the policy still asks for more where it wants', async () => {
    op.signInAs(pat);
    const b = new IdpBrowser(gw);
    const rd = 'http://acme.test/reports';
    const { started, callback: back } = await b.toProvider(`${START}?rd=${encodeURIComponent(rd)}`);
    const login = started.cookies.find((c) => c.startsWith('portcullis_oidc='));
    assert.match(login ?? '', /HttpOnly/i);
    assert.match(login ?? '', /SameSite=Lax/i);
    const authorize = new URL(String(started.headers.location));
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorize.searchParams.get('nonce'));
    assert.equal(authorize.searchParams.get('redirect_uri'), 'http://portal.test/.portcullis/oidc/acme-entra/callback');
    assert.equal(back.searchParams.get('state'), authorize.searchParams.get('state'));

    const callback = await b.get(back.href);
    assert.equal(b.value('portal.test', 'portcullis_oidc'), undefined, 'the sign-in cookie is cleared');
    assert.ok(b.value('portal.test', gw.cookieName), 'signed in on the portal');
    assert.ok(callback.status === 200 || callback.status === 303, `${callback.status}`);

    // the user, as the durable store holds it
    const user = await gw.runtime.durable.getProviderUser('pat@acme.example');
    assert.equal(user?.provider, 'acme-entra');
    assert.equal(user?.subject, `${TID}:aaaaaaaa-0000-0000-0000-000000000001`);
    assert.equal(user?.tenant, 'acme');
    assert.deepEqual(user?.groups, ['techs', 'cccccccc-0000-0000-0000-000000000002']);

    // on the client's app with the identity headers, through the hand-off
    const acme = await gw.cookieFor(`${gw.cookieName}=${b.value('portal.test', gw.cookieName)}`, 'acme.test');
    const page = await gw.send({ host: 'acme.test', target: '/reports', headers: { cookie: acme } });
    assert.equal(page.status, 200);
    const seen = gw.upstream.seen.at(-1);
    assert.equal(seen?.headers['remote-user'], 'pat@acme.example');
    assert.equal(seen?.headers['remote-groups'], 'techs,cccccccc-0000-0000-0000-000000000002');
    assert.equal(seen?.headers['remote-email'], 'pat@acme.example');
    assert.equal(seen?.headers['remote-name'], 'Pat Client');

    // a rule asking for mfa: the gateway's own second factor, as for anyone
    const admin = await gw.send({
      host: 'acme.test',
      target: '/admin/x',
      headers: { cookie: acme, accept: 'text/html' },
    });
    assert.equal(admin.status, 302);
    assert.match(String(admin.headers.location), /\/\.portcullis\/stepup\?rd=/);

    // a client's user never reaches the MSP's apps
    const msp = await gw.cookieFor(`${gw.cookieName}=${b.value('portal.test', gw.cookieName)}`, 'app.test');
    const other = await gw.send({ host: 'app.test', target: '/x', headers: { cookie: msp } });
    assert.equal(other.status, 403);

    // their account page: their factors and devices as anyone's, no password to change here
    const account = await b.get('http://portal.test/.portcullis/');
    assert.equal(account.status, 200);
    assert.match(account.body, /pat@acme\.example|Pat Client/);
    assert.doesNotMatch(account.body, /name="current"/);

    await gw.runtime.audit.flush();
    const [success] = await gw.runtime.durable.queryAudit({ event: 'login.success', user: 'pat@acme.example' });
    const detail = success?.detail as { evidence: Record<string, unknown> } & Record<string, unknown>;
    assert.equal(detail.factor, 'oidc');
    assert.equal(detail.provider, 'acme-entra');
    assert.equal(detail.upstream_mfa, false);
    // the evidence: who vouched for whom and when, and the token's hash, never the token
    assert.equal(detail.evidence.iss, op.issuer);
    assert.equal(detail.evidence.sub, pat.sub);
    assert.equal(detail.evidence.aud, 'portcullis');
    assert.equal(typeof detail.evidence.auth_time, 'number');
    assert.match(String(detail.evidence.sha256), /^[A-Za-z0-9_-]{43}$/);
    assert.doesNotMatch(JSON.stringify(success), /eyJ/, 'no JWT in the audit row');
  });

  test('wrong state, another browser, a replayed callback: 400, nothing signed in', async () => {
    op.signInAs({ ...pat, sub: 's2', claims: { ...pat.claims, oid: 'o2', preferred_username: 'sam@acme.example' } });
    const b = new IdpBrowser(gw);
    const { callback: back } = await b.toProvider(START);

    const wrong = new URL(back);
    wrong.searchParams.set('state', `${back.searchParams.get('state')}x`);
    const tampered = await b.get(wrong.href);
    assert.equal(tampered.status, 400);
    assert.match(tampered.body, /expired or was already used/);

    // the address sent to someone else's browser (no sign-in cookie of theirs): nobody signs in
    const stranger = new IdpBrowser(gw);
    const elsewhere = await stranger.get(back.href);
    assert.equal(elsewhere.status, 400);
    assert.equal(stranger.value('portal.test', gw.cookieName), undefined);

    assert.equal(await gw.runtime.durable.getProviderUser('sam@acme.example'), null);
    assert.ok((await audited('state_mismatch')).length >= 2);
  });

  test('a replayed callback finds its sign-in taken', async () => {
    op.signInAs({ ...pat, sub: 's3', claims: { ...pat.claims, oid: 'o3', preferred_username: 'rae@acme.example' } });
    const b = new IdpBrowser(gw);
    const { callback: back } = await b.toProvider(START);
    const held = b.value('portal.test', 'portcullis_oidc');
    const first = await b.get(back.href);
    assert.notEqual(first.status, 400);
    const replay = await gw.send({
      host: 'portal.test',
      target: back.pathname + back.search,
      headers: { accept: 'text/html', cookie: `portcullis_oidc=${held}` },
    });
    assert.equal(replay.status, 400);
    assert.equal((await audited('unknown_state')).length, 1);
  });

  test("a code taken from someone else's sign-in, sent with one's own state: refused by PKCE, and once redeemed by the provider too", async () => {
    op.signInAs({
      ...pat,
      sub: 's-victim',
      claims: { ...pat.claims, oid: 'o-victim', preferred_username: 'wes@acme.example' },
    });
    const victim = new IdpBrowser(gw);
    const { callback: theirs } = await victim.toProvider(START);
    const stolen = theirs.searchParams.get('code') ?? '';
    const attacker = new IdpBrowser(gw);
    const own = await attacker.get(START);
    const ownState = new URL(String(own.headers.location)).searchParams.get('state') ?? '';
    const forged = new URL(theirs);
    forged.searchParams.set('state', ownState);
    forged.searchParams.set('code', stolen);
    const before = (await audited('token_refused')).length;
    const refused = await attacker.get(forged.href);
    assert.equal(refused.status, 403, "the code was issued for the victim's PKCE verifier");
    assert.equal(attacker.value('portal.test', gw.cookieName), undefined);
    assert.equal((await audited('token_refused')).length, before + 1);
    // the victim's own callback, with the code the attacker tried, still works once
    const done = await victim.get(theirs.href);
    assert.ok(done.status === 200 || done.status === 303, `${done.status}`);
    assert.equal((await gw.runtime.durable.getProviderUser('wes@acme.example'))?.provider, 'acme-entra');
  });

  const refusals: [string, () => void, string][] = [
    [
      'another directory',
      () => op.tamper((c) => ({ ...c, tid: '99999999-2222-3333-4444-555555555555' })),
      'foreign_tenant',
    ],
    ['a token for another client', () => op.tamper((c) => ({ ...c, aud: 'someone-else' })), 'token_refused'],
    [
      'an expired token',
      () => op.tamper((c) => ({ ...c, exp: Math.floor(gw.clock.now() / 1000) - 3600 })),
      'token_refused',
    ],
    ['a signature by another key', () => op.tamper((c) => c, { key: 'foreign' }), 'token_refused'],
    ['no oid', () => op.tamper(({ oid: _, ...c }) => c), 'missing_claim'],
    [
      'a groups overage',
      () =>
        op.tamper(({ groups: _, ...c }) => ({
          ...c,
          _claim_names: { groups: 'src1' },
          _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } },
        })),
      'groups_overage',
    ],
  ];
  for (const [what, arrange, reason] of refusals) {
    test(`${what}: 403, nothing created, audited as ${reason}`, async () => {
      const name = `${reason.replaceAll('_', '-')}@acme.example`;
      op.signInAs({
        ...pat,
        sub: `s-${reason}`,
        claims: { ...pat.claims, oid: `o-${reason}`, preferred_username: name },
      });
      arrange();
      try {
        const b = new IdpBrowser(gw);
        const { callback } = await b.signIn(START);
        assert.equal(callback.status, 403, callback.body.slice(0, 200));
        assert.match(callback.body, /refused/);
        assert.equal(b.value('portal.test', gw.cookieName), undefined);
        assert.equal(await gw.runtime.durable.getProviderUser(name), null);
        assert.ok((await audited(reason)).length >= 1, reason);
      } finally {
        op.tamper(null);
      }
    });
  }

  test('a name of users.yaml is refused and audited, whoever the provider says it is', async () => {
    op.signInAs({ ...pat, sub: 's-carol', claims: { ...pat.claims, oid: 'o-carol', preferred_username: 'carol' } });
    const b = new IdpBrowser(gw);
    const { callback } = await b.signIn(START);
    assert.equal(callback.status, 403);
    assert.equal(await gw.runtime.durable.getProviderUser('carol'), null);
    assert.equal((await audited('name_clash')).at(0)?.user, 'carol');
  });

  test('the provider refuses the person (removed upstream): 403, audited', async () => {
    op.signInAs(null);
    const b = new IdpBrowser(gw);
    const { callback } = await b.signIn(START);
    assert.equal(callback.status, 403);
    const [row] = await audited('provider_refused');
    assert.deepEqual(row?.detail, {
      factor: 'oidc',
      provider: 'acme-entra',
      reason: 'provider_refused',
      error: 'access_denied',
    });
  });

  test('addresses that are not a sign-in: unknown providers, other hosts, bad queries; nothing stored, nothing sent', async () => {
    const b = new IdpBrowser(gw);
    const authorizations = op.counts.authorization;
    for (const target of ['/.portcullis/oidc/nobody/start', '/.portcullis/oidc/nobody/callback?state=x&code=y']) {
      const unknown = await b.get(`http://portal.test${target}`);
      assert.equal(unknown.status, 404, target);
    }
    // the callback is the portal's only (the address registered with the provider)
    const elsewhere = await b.get('http://acme.test/.portcullis/oidc/acme-entra/callback?state=x&code=y');
    assert.equal(elsewhere.status, 404);
    // a start on another host goes to the portal, where the sign-in cookie must live
    const rd = encodeURIComponent('http://acme.test/x');
    const moved = await b.get(`http://acme.test/.portcullis/oidc/acme-entra/start?rd=${rd}`);
    assert.equal(moved.status, 302);
    assert.equal(String(moved.headers.location), `${START}?rd=${rd}`);
    assert.equal(b.value('acme.test', 'portcullis_oidc'), undefined);
    for (const query of ['?rd=x&extra=1', `?rd=${'x'.repeat(5000)}`]) {
      const bad = await b.get(`${START}${query}`, { accept: 'application/json' });
      assert.equal(bad.status, 400, query.slice(0, 20));
      assert.equal(bad.json().error, 'bad_request');
    }
    const badName = await b.get('http://portal.test/.portcullis/oidc/Not..A..Name/start');
    assert.equal(badName.status, 400);
    assert.equal(b.value('portal.test', 'portcullis_oidc'), undefined, 'no sign-in was started');
    assert.equal(op.counts.authorization, authorizations);
  });

  test('signing in again over a live session asks the provider for a new authentication, not its single sign-on', async () => {
    op.signInAs({
      ...pat,
      sub: 's-again',
      claims: { ...pat.claims, oid: 'o-again', preferred_username: 'una@acme.example' },
    });
    const b = new IdpBrowser(gw);
    const first = await b.toProvider(START);
    assert.equal(new URL(String(first.started.headers.location)).searchParams.get('prompt'), null);
    await b.get(first.callback.href);
    const logins = op.counts.logins;
    const again = await b.toProvider(START);
    const authorize = new URL(String(again.started.headers.location));
    assert.equal(authorize.searchParams.get('max_age'), '0');
    assert.equal(authorize.searchParams.get('prompt'), 'login');
    assert.equal(op.counts.logins, logins + 1, 'the provider authenticated the person again');
    const callback = await b.get(again.callback.href);
    assert.ok(callback.status === 200 || callback.status === 303, `${callback.status} ${callback.body.slice(0, 200)}`);
  });

  test('a rule that wants a fresh sign-in: the step-up page offers the provider again, which authenticates the person anew', async () => {
    op.signInAs({
      ...pat,
      sub: 's-fresh',
      claims: { ...pat.claims, oid: 'o-fresh', preferred_username: 'vic@acme.example' },
    });
    // the provider's single sign-on answered from a sign-in an hour old
    op.tamper((c) => ({ ...c, auth_time: Math.floor(gw.clock.now() / 1000) - 3600 }));
    const b = new IdpBrowser(gw);
    try {
      await b.signIn(START);
    } finally {
      op.tamper(null);
    }
    const acme = await gw.cookieFor(`${gw.cookieName}=${b.value('portal.test', gw.cookieName)}`, 'acme.test');
    const fresh = await gw.send({
      host: 'acme.test',
      target: '/fresh/x',
      headers: { cookie: acme, accept: 'text/html' },
    });
    assert.equal(fresh.status, 302, 'an hour-old sign-in is not fresh');
    const stepup = await b.get(String(fresh.headers.location));
    assert.equal(stepup.status, 200);
    const href = /<a class="button" href="([^"]+)">Sign in with Acme \(Microsoft\)<\/a>/.exec(stepup.body)?.[1];
    assert.ok(href, 'the step-up page offers the provider again');
    const start = href.replaceAll('&amp;', '&');
    assert.equal(new URL(start).searchParams.get('rd'), 'http://acme.test/fresh/x');
    const { landed } = await b.signIn(start);
    assert.equal(landed, 'http://acme.test/fresh/x');
    const again = await gw.cookieFor(`${gw.cookieName}=${b.value('portal.test', gw.cookieName)}`, 'acme.test');
    const page = await gw.send({ host: 'acme.test', target: '/fresh/x', headers: { cookie: again } });
    assert.equal(page.status, 200);
    // a rule asking for mfa from a provider not trusted for it: no such offer, the gateway's own factor
    const admin = await b.get(
      `http://portal.test/.portcullis/stepup?rd=${encodeURIComponent('http://acme.test/admin/x')}`,
    );
    assert.equal(admin.status, 200);
    assert.doesNotMatch(admin.body, /Sign in with Acme/);
  });

  test("an administrator acts on a provider's user as on anyone: revoke-sessions ends the session now", async () => {
    op.signInAs({
      ...pat,
      sub: 's-admin',
      claims: { ...pat.claims, oid: 'o-admin', preferred_username: 'ivy@acme.example' },
    });
    const b = new IdpBrowser(gw);
    await b.signIn(START);
    const session = `${gw.cookieName}=${b.value('portal.test', gw.cookieName)}`;
    const live = () =>
      gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie: session } });
    assert.equal((await live()).status, 200);
    const token = `Bearer ${generatedToken(gw)}`;
    const detail = await callAdmin(gw, 'GET', '/api/v1/users/ivy@acme.example', token);
    assert.equal(detail.status, 200, detail.body);
    const list = (await callAdmin(gw, 'GET', '/api/v1/users', token)).json<{
      users: { name: string; provider?: string }[];
    }>();
    assert.equal(list.users.find((u) => u.name === 'ivy@acme.example')?.provider, 'acme-entra');
    assert.equal(list.users.find((u) => u.name === 'alice')?.provider, undefined);
    const revoked = await callAdmin(gw, 'POST', '/api/v1/users/ivy@acme.example/revoke-sessions', token);
    assert.equal(revoked.status, 200, revoked.body);
    assert.deepEqual(revoked.json(), { user: 'ivy@acme.example', sessions_ended: 1 });
    assert.equal((await live()).status, 401);
    const nobody = await callAdmin(gw, 'POST', '/api/v1/users/nobody@acme.example/revoke-sessions', token);
    assert.equal(nobody.status, 404);
  });

  test('signing out ends the session here and at the provider (logout: true), back to the signed-out page', async () => {
    op.signInAs(pat);
    const b = new IdpBrowser(gw);
    await b.signIn(START);
    const session = b.value('portal.test', gw.cookieName);
    assert.ok(session);
    const out = await b.post('http://portal.test/.portcullis/logout', {});
    assert.equal(out.status, 303);
    const endSession = new URL(String(out.headers.location));
    assert.equal(endSession.origin, new URL(op.issuer).origin);
    assert.equal(endSession.searchParams.get('client_id'), 'portcullis');
    assert.equal(endSession.searchParams.get('post_logout_redirect_uri'), 'http://portal.test/.portcullis/logout');
    const back = await import('../helpers/oidc-browser.ts').then(({ browse }) =>
      browse(endSession, b.op, (u) => u.host === 'portal.test'),
    );
    assert.equal(back.href, 'http://portal.test/.portcullis/logout');
    assert.equal(op.counts.end_session >= 1, true);
    // the session is over on every host
    const page = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/api/session',
      headers: { cookie: `${gw.cookieName}=${session}` },
    });
    assert.equal(page.status, 401);
  });
});
