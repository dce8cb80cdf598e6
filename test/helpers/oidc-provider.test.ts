/**
 * The test OpenID Provider (oidc-provider.ts) driven by openid-client 6 as a relying party would:
 * discovery over plain HTTP on loopback, authorization code with PKCE S256, state and nonce, the
 * interaction redirects followed with fetch and a cookie jar, the code redeemed with the ID token's
 * signature checked through the JWKS. Entra-like (issuer with a path, tid/oid/groups, groups
 * overage) and Google-like (hd) accounts; tampered and foreign-signed ID tokens refused; a refused
 * user, an OP that goes down and comes back, a replayed code, single sign-on and max_age,
 * RP-initiated logout and the ID token's lifetime.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import { browse, CookieJar } from './oidc-browser.ts';
import { type OpAccount, startTestOp, type TestOp } from './oidc-provider.ts';

const TENANT = '11111111-2222-3333-4444-555555555555';
const REDIRECT_URI = 'http://127.0.0.1:8080/oidc/callback';
const SIGNED_OUT_URI = 'http://127.0.0.1:8080/signed-out';
const CLIENT = {
  client_id: 'portcullis',
  client_secret: 'a-client-secret-of-some-length-0123456789',
  redirect_uris: [REDIRECT_URI],
  post_logout_redirect_uris: [SIGNED_OUT_URI],
};

const ENTRA_ALICE: OpAccount = {
  sub: 'entra-sub-alice',
  claims: {
    tid: TENANT,
    oid: '0a1b2c3d-0000-4000-8000-00000000a11c',
    groups: ['6f1e2d3c-1111-4111-8111-000000000001', '6f1e2d3c-1111-4111-8111-000000000002'],
    email: 'alice@contoso.example',
    name: 'Alice Example',
    preferred_username: 'alice@contoso.example',
    amr: ['pwd', 'mfa'],
  },
};
const ENTRA_OVERAGE: OpAccount = {
  sub: 'entra-sub-many-groups',
  claims: {
    tid: TENANT,
    oid: '0a1b2c3d-0000-4000-8000-0000000000b0',
    _claim_names: { groups: 'src1' },
    _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/b0/getMemberObjects' } },
  },
};
const GOOGLE_BOB: OpAccount = {
  sub: '104222333444555666777',
  claims: { hd: 'example.org', email: 'bob@example.org', email_verified: true, name: 'Bob Example' },
};

async function startOp(
  t: TestContext,
  options: { path?: string; idTokenTtlSeconds?: number; extraClaims?: string[] } = {},
): Promise<TestOp> {
  const op = await startTestOp({ clients: [CLIENT], ...options });
  t.after(() => op.close());
  return op;
}

/** The relying party's configuration from discovery; the ID token signature is checked unless told otherwise. */
function discover(
  op: TestOp,
  options: { nonRepudiation?: boolean; auth?: client.ClientAuth; metadata?: Partial<client.ClientMetadata> } = {},
): Promise<client.Configuration> {
  const execute = [client.allowInsecureRequests];
  if (options.nonRepudiation !== false) execute.push(client.enableNonRepudiationChecks);
  return client.discovery(
    new URL(op.issuer),
    CLIENT.client_id,
    { client_secret: CLIENT.client_secret, ...options.metadata },
    options.auth,
    { execute },
  );
}

interface Started {
  callback: URL;
  checks: client.AuthorizationCodeGrantChecks;
  state: string;
}

/** Sends the user agent (jar) to the authorization endpoint and follows it back to the redirect_uri. */
async function authorize(
  config: client.Configuration,
  jar = new CookieJar(),
  parameters: Record<string, string> = {},
): Promise<Started> {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...parameters,
  });
  const callback = await browse(url, jar, (next) => next.href.startsWith(REDIRECT_URI));
  const maxAge = parameters['max_age'] === undefined ? {} : { maxAge: Number(parameters['max_age']) };
  return { callback, checks: { pkceCodeVerifier, expectedState: state, expectedNonce: nonce, ...maxAge }, state };
}

/** Passes when openid-client refused with the given code and its cause (what oauth4webapi found) says `because`. */
function refused(code: string, because: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof client.ClientError, String(error));
    assert.equal(error.code, code);
    assert.match((error.cause as Error).message, because);
    return true;
  };
}

async function signIn(config: client.Configuration, jar = new CookieJar(), parameters: Record<string, string> = {}) {
  const { callback, checks } = await authorize(config, jar, parameters);
  return client.authorizationCodeGrant(config, callback, checks);
}

describe('the test OpenID Provider, driven by openid-client', () => {
  it('Entra-like issuer with a path: code flow with PKCE, state and nonce; tid, oid, groups, email, amr and auth_time in the signed ID token', async (t) => {
    const op = await startOp(t, { path: `/${TENANT}/v2.0` });
    assert.equal(op.issuer, `http://127.0.0.1:${op.port}/${TENANT}/v2.0`);
    const config = await discover(op);
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, op.issuer);
    assert.equal(metadata.authorization_endpoint, `${op.issuer}/auth`);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.equal(metadata.end_session_endpoint, `${op.issuer}/session/end`);

    op.signInAs(ENTRA_ALICE);
    const { callback, checks, state } = await authorize(config);
    assert.equal(callback.searchParams.get('state'), state);
    assert.equal(callback.searchParams.get('iss'), op.issuer);
    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.iss, op.issuer);
    assert.equal(claims.aud, CLIENT.client_id);
    assert.equal(claims.sub, ENTRA_ALICE.sub);
    assert.equal(claims.nonce, checks.expectedNonce);
    for (const name of ['tid', 'oid', 'groups', 'email', 'name', 'preferred_username', 'amr']) {
      assert.deepEqual(claims[name], ENTRA_ALICE.claims[name], name);
    }
    assert.equal(typeof claims.auth_time, 'number');
    assert.ok(Math.abs((claims.auth_time ?? 0) - claims.iat) <= 5, 'auth_time is the sign-in just done');
    assert.deepEqual(
      { ...op.counts },
      { discovery: 1, authorization: 1, token: 1, jwks: 1, userinfo: 0, end_session: 0, logins: 1, codesRedeemed: 1 },
      'the JWKS was fetched: the ID token signature was checked',
    );
  });

  it("Entra's groups overage: _claim_names and _claim_sources reach the ID token in place of groups", async (t) => {
    const op = await startOp(t, { path: `/${TENANT}/v2.0` });
    const config = await discover(op);
    op.signInAs(ENTRA_OVERAGE);
    const claims = (await signIn(config)).claims();
    assert.ok(claims);
    assert.equal(claims.groups, undefined);
    assert.deepEqual(claims['_claim_names'], ENTRA_OVERAGE.claims['_claim_names']);
    assert.deepEqual(claims['_claim_sources'], ENTRA_OVERAGE.claims['_claim_sources']);
    assert.equal(claims['oid'], ENTRA_OVERAGE.claims['oid']);
  });

  it('Google-like issuer without a path, client_secret_basic: hd and email arrive, profile claims only with scope profile', async (t) => {
    const op = await startOp(t);
    assert.equal(op.issuer, `http://127.0.0.1:${op.port}`);
    const config = await discover(op, { auth: client.ClientSecretBasic(CLIENT.client_secret) });
    const tokenRequests: Headers[] = [];
    config[client.customFetch] = (url, options) => {
      if (url.endsWith('/token')) tokenRequests.push(new Headers(options.headers));
      return fetch(url, options);
    };
    op.signInAs(GOOGLE_BOB);
    const claims = (await signIn(config, new CookieJar(), { scope: 'openid email' })).claims();
    assert.ok(claims);
    assert.equal(claims.sub, GOOGLE_BOB.sub);
    assert.equal(claims['hd'], 'example.org');
    assert.equal(claims.email, 'bob@example.org');
    assert.equal(claims.email_verified, true);
    assert.equal(claims.name, undefined, 'name belongs to scope profile, which was not requested');
    assert.match(tokenRequests[0]?.get('authorization') ?? '', /^Basic /);

    const withProfile = (await signIn(config)).claims();
    assert.equal(withProfile?.name, 'Bob Example');
  });

  it('a claim outside ID_TOKEN_CLAIMS: signInAs refuses the account unless extraClaims names it, then it arrives', async (t) => {
    const account: OpAccount = { sub: 'with-extra', claims: { email: 'x@example.org', employee_id: 'E-42' } };
    const plain = await startOp(t);
    assert.throws(() => plain.signInAs(account), /employee_id/);

    const op = await startOp(t, { extraClaims: ['employee_id'] });
    op.signInAs(account);
    const claims = (await signIn(await discover(op))).claims();
    assert.equal(claims?.['employee_id'], 'E-42');
  });

  it('the default client_secret_post is accepted as well', async (t) => {
    const op = await startOp(t);
    const config = await discover(op);
    const tokenBodies: string[] = [];
    config[client.customFetch] = (url, options) => {
      if (url.endsWith('/token')) tokenBodies.push(String(options.body));
      return fetch(url, options);
    };
    op.signInAs(GOOGLE_BOB);
    assert.equal((await signIn(config)).claims()?.sub, GOOGLE_BOB.sub);
    assert.match(tokenBodies[0] ?? '', /client_secret=/);
  });

  it('PKCE is required: a request without code_challenge comes back with invalid_request', async (t) => {
    const op = await startOp(t);
    const config = await discover(op);
    op.signInAs(GOOGLE_BOB);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      state: 's',
      nonce: 'n',
    });
    const callback = await browse(url, new CookieJar(), (next) => next.href.startsWith(REDIRECT_URI));
    assert.equal(callback.searchParams.get('error'), 'invalid_request');
    assert.match(callback.searchParams.get('error_description') ?? '', /requires PKCE/);
    assert.equal(op.counts.logins, 0);
  });

  it('single sign-on from the same cookie jar; max_age=0 signs in again; signInAs another account switches', async (t) => {
    const op = await startOp(t);
    const config = await discover(op);
    const jar = new CookieJar();
    op.signInAs(ENTRA_ALICE);
    const first = (await signIn(config, jar)).claims();
    assert.equal(op.counts.logins, 1);

    const second = (await signIn(config, jar)).claims();
    assert.equal(op.counts.logins, 1, 'the OP session was reused, no interaction');
    assert.equal(second?.auth_time, first?.auth_time);

    const third = (await signIn(config, jar, { max_age: '0' })).claims();
    assert.equal(op.counts.logins, 2, 'max_age=0 asked for a fresh sign-in');
    assert.equal(third?.sub, ENTRA_ALICE.sub);

    op.signInAs(GOOGLE_BOB);
    const fourth = (await signIn(config, jar)).claims();
    assert.equal(op.counts.logins, 3);
    assert.equal(fourth?.sub, GOOGLE_BOB.sub);
    assert.equal(fourth?.['hd'], 'example.org');
  });

  it('tamper: a changed claim is re-signed with the OP key and accepted; a wrong audience is refused', async (t) => {
    const op = await startOp(t);
    const config = await discover(op);
    op.signInAs(ENTRA_ALICE);

    op.tamper((claims) => ({ ...claims, name: 'Mallory' }));
    assert.equal((await signIn(config)).claims()?.name, 'Mallory');

    op.tamper((claims) => ({ ...claims, aud: 'another-client' }));
    await assert.rejects(signIn(config), refused('OAUTH_JWT_CLAIM_COMPARISON_FAILED', /unexpected JWT "aud"/));

    op.tamper(null);
    assert.equal((await signIn(config)).claims()?.name, ENTRA_ALICE.claims['name']);
  });

  it("tamper with key 'foreign': same kid, unknown key; passes without signature checks, refused with enableNonRepudiationChecks", async (t) => {
    const op = await startOp(t);
    op.signInAs(ENTRA_ALICE);
    const trusting = await discover(op, { nonRepudiation: false });
    const honest = await signIn(trusting);
    const ownKid = decodeProtectedHeader(honest.id_token ?? '').kid;
    assert.ok(ownKid);

    op.tamper((claims) => ({ ...claims, name: 'Mallory' }), { key: 'foreign' });
    const forged = await signIn(trusting);
    assert.equal(forged.claims()?.name, 'Mallory', 'without the check the forged token goes through');
    assert.equal(decodeProtectedHeader(forged.id_token ?? '').kid, ownKid);

    const checking = await discover(op);
    await assert.rejects(signIn(checking), refused('OAUTH_INVALID_RESPONSE', /JWT signature verification failed/));
  });

  it('signInAs(null): error=access_denied, also for a user who had a session', async (t) => {
    const op = await startOp(t);
    const config = await discover(op);
    op.signInAs(null);
    const { callback, checks, state } = await authorize(config);
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('state'), state);
    await assert.rejects(client.authorizationCodeGrant(config, callback, checks), (error) => {
      assert.ok(error instanceof client.AuthorizationResponseError);
      assert.equal(error.error, 'access_denied');
      return true;
    });
    assert.equal(op.counts.token, 0);

    const jar = new CookieJar();
    op.signInAs(ENTRA_ALICE);
    await signIn(config, jar);
    op.signInAs(null);
    const again = await authorize(config, jar);
    assert.equal(again.callback.searchParams.get('error'), 'access_denied');
    assert.equal(op.counts.logins, 1);
  });

  it('down(): discovery fails with connection refused; up(): it works again on the same port', async (t) => {
    const op = await startOp(t);
    await discover(op);
    await op.down();
    await assert.rejects(discover(op), (error: Error) => {
      assert.equal((error.cause as { code?: string } | undefined)?.code, 'ECONNREFUSED');
      return true;
    });
    await op.up();
    const config = await discover(op);
    assert.equal(config.serverMetadata().issuer, `http://127.0.0.1:${op.port}`);
    op.signInAs(GOOGLE_BOB);
    assert.equal((await signIn(config)).claims()?.sub, GOOGLE_BOB.sub);
    assert.equal(op.counts.discovery, 2);
  });

  it('a replayed authorization code is refused by the OP with invalid_grant', async (t) => {
    const op = await startOp(t);
    const config = await discover(op);
    op.signInAs(ENTRA_ALICE);
    const { callback, checks } = await authorize(config);
    await client.authorizationCodeGrant(config, callback, checks);
    await assert.rejects(client.authorizationCodeGrant(config, callback, checks), (error) => {
      assert.ok(error instanceof client.ResponseBodyError);
      assert.equal(error.error, 'invalid_grant');
      return true;
    });
    assert.equal(op.counts.token, 2);
    assert.equal(op.counts.codesRedeemed, 1);
  });

  it('RP-initiated logout: back at post_logout_redirect_uri with state, and the next sign-in needs a login', async (t) => {
    const op = await startOp(t, { path: `/${TENANT}/v2.0` });
    const config = await discover(op);
    const jar = new CookieJar();
    op.signInAs(ENTRA_ALICE);
    const tokens = await signIn(config, jar);
    await signIn(config, jar);
    assert.equal(op.counts.logins, 1, 'signed in once, the second time by single sign-on');

    const logout = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token ?? '',
      post_logout_redirect_uri: SIGNED_OUT_URI,
      state: 'bye',
    });
    const back = await browse(logout, jar, (next) => next.href.startsWith(SIGNED_OUT_URI));
    assert.equal(back.searchParams.get('state'), 'bye');
    assert.equal(op.counts.end_session, 1);

    await signIn(config, jar);
    assert.equal(op.counts.logins, 2, 'the OP session is gone');
  });

  it('idTokenTtlSeconds sets the ID token lifetime; a client clock past it refuses the token', async (t) => {
    const op = await startOp(t, { idTokenTtlSeconds: 120 });
    op.signInAs(GOOGLE_BOB);
    const claims = (await signIn(await discover(op))).claims();
    assert.ok(claims);
    assert.equal(claims.exp - claims.iat, 120);

    const late = await discover(op, { metadata: { [client.clockSkew]: 200 } });
    await assert.rejects(signIn(late), refused('OAUTH_JWT_TIMESTAMP_CHECK_FAILED', /"exp" \(expiration time\)/));
  });
});
