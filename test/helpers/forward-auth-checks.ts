/**
 * What every proxy in front of forward-auth must prove, whichever it is (nginx, Caddy, Traefik): a test
 * gateway that trusts loopback, the recording upstream as the protected app, the proxy started from its
 * example file in deploy/, and the checks the proxy tests share. Requests go to the proxy as a client
 * sends them (raw targets, any headers); the app's record shows what got through.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { normalizePath } from '../../src/gate/normalize-path.ts';
import { ACME_POLICY, DEFAULT_POLICY, PASSWORD, PERSONAS, startTestGateway, type TestGateway } from './gateway.ts';
import { type Answer, cookieFrom, send } from './http.ts';
import type { RunningProxy } from './proxies.ts';
import type { SeenRequest } from './upstream.ts';

export const APP_HOST = 'app.test';

/** How the proxies differ in what a client gets. */
export interface ProxyProfile {
  /** a client that is no browser, not signed in: nginx redirects everyone (302), the others hand on the 401 */
  readonly apiSignIn: 302 | 401;
  /** the refusal page of Portcullis reaches a browser (Caddy, Traefik), or the proxy's own 403 (nginx) */
  readonly refusalPage: boolean;
  /** what the client gets while Portcullis is down */
  readonly portcullisDown: number;
  /**
   * every client header starting with Remote- or X-Portcullis- is removed, as the gateway does inline
   * (Caddy, Traefik); nginx can only replace the five names it is given
   */
  readonly stripsPrefixes: boolean;
}

export interface BehindProxy {
  readonly gw: TestGateway;
  readonly proxy: RunningProxy;
  /** `http://app.test:<proxy port>`: the app's origin as the client sees it */
  readonly origin: string;
  /** a request to the proxy for the app's host */
  send(target: string, headers?: Record<string, string | string[]>, method?: string, body?: string): Promise<Answer>;
  /** signs in through the proxy (Portcullis's pages on the app's host), coming back to `rd`; the cookie */
  signIn(user: string, rd?: string): Promise<string>;
  /** stops the gateway (the proxy and the app stay) */
  stopPortcullis(): Promise<void>;
  close(): Promise<void>;
}

/** erin: signed in on the app with no groups, e-mail or name, so the gateway has no value for those headers. */
const POLICIES = {
  '00-msp.yaml': {
    rules: [
      ...DEFAULT_POLICY.rules,
      {
        name: 'erin-signs-in',
        hosts: [APP_HOST],
        users: ['erin'],
        action: 'authenticate',
        require: { level: 'password' },
      },
    ],
  },
  'acme.yaml': ACME_POLICY,
};

/** Starts the gateway, then the proxy in front of it (`start` gets the addresses its example needs). */
export async function behindProxy(
  start: (values: { portcullis: string; app: string; host: string }) => Promise<RunningProxy>,
): Promise<BehindProxy> {
  const gw = await startTestGateway({
    gateway: { server: { trusted_proxies: ['127.0.0.1/32'] } },
    users: { ...PERSONAS, erin: { groups: [] } },
    policies: POLICIES,
  });
  let proxy: RunningProxy;
  try {
    proxy = await start({ portcullis: `127.0.0.1:${gw.port}`, app: `127.0.0.1:${gw.upstream.port}`, host: APP_HOST });
  } catch (err) {
    await gw.close();
    throw err;
  }
  const host = `${APP_HOST}:${proxy.port}`;
  const origin = `http://${host}`;
  let running = true;
  const bp: BehindProxy = {
    gw,
    proxy,
    origin,
    send: (target, headers = {}, method = 'GET', body) => send(proxy.port, { host, target, headers, method, body }),
    async signIn(user, rd = `${origin}/`) {
      const answer = await bp.send(
        '/.portcullis/api/login',
        { 'content-type': 'application/json', origin },
        'POST',
        JSON.stringify({ username: user, password: PASSWORD, rd }),
      );
      assert.equal(answer.status, 200, `sign-in of ${user} through the proxy: ${answer.body}`);
      assert.deepEqual(answer.json(), { status: 'authenticated', redirect: rd });
      const cookie = cookieFrom(answer, gw.cookieName);
      assert.ok(cookie, 'the session cookie comes back through the proxy');
      return cookie;
    },
    async stopPortcullis() {
      running = false;
      await gw.runtime.close();
    },
    async close() {
      await proxy.stop();
      if (running) await gw.runtime.close();
      await gw.upstream.close();
      rmSync(gw.dir, { recursive: true, force: true });
    },
  };
  return bp;
}

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** Sends, and says whether the app was reached (and with what). */
async function through(
  bp: BehindProxy,
  target: string,
  headers: Record<string, string | string[]> = {},
): Promise<{ answer: Answer; seen: SeenRequest | undefined }> {
  const before = bp.gw.upstream.seen.length;
  const answer = await bp.send(target, headers);
  const seen = bp.gw.upstream.seen.slice(before);
  assert.ok(seen.length <= 1, `${target}: reached the app ${seen.length} times`);
  return { answer, seen: seen[0] };
}

/** The identity headers the app received with a value (an empty one counts as none). */
export function identityOf(seen: SeenRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['remote-user', 'remote-groups', 'remote-email', 'remote-name', 'x-portcullis-assertion']) {
    const value = seen.headers[name];
    if (Array.isArray(value)) assert.fail(`${name} reached the app more than once: ${value.join(' | ')}`);
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

export const SPOOF = 'mallory';

/** Every spelling a client may try, to be taken for someone by the app. */
export const SPOOFED_HEADERS: Record<string, string | string[]> = {
  'remote-user': [SPOOF, `${SPOOF}2`],
  remote_user: SPOOF,
  'REMOTE.USER': SPOOF,
  'Remote-Groups': `${SPOOF}-admins`,
  'Remote-Email': `${SPOOF}@example.com`,
  'Remote-Name': SPOOF,
  'X-Portcullis-Assertion': `${SPOOF}.jwt.x`,
  x_portcullis_assertion: `${SPOOF}.jwt.y`,
  // judged by the gateway, then removed: the app reads the method the proxy described
  'X-HTTP-Method-Override': 'GET',
  x_http_method: 'GET',
  'X.Method.Override': 'GET',
};

const METHOD_OVERRIDE = /^x[-_.](http[-_.]method([-_.]override)?|method[-_.]override)$/i;

/** Nothing the client sent under an identity name reached the app, and no unreplaced placeholder did. */
export function assertNoSpoof(seen: SeenRequest, label: string): void {
  for (const [name, value] of Object.entries(seen.headers)) {
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    assert.ok(!text.includes(SPOOF), `${label}: the client's ${name}: ${text} reached the app`);
    assert.ok(!text.includes('{http.'), `${label}: a placeholder reached the app as ${name}: ${text}`);
    assert.ok(!METHOD_OVERRIDE.test(name), `${label}: ${name} reached the app`);
    if (/^(remote|x[-_.]portcullis)[-_.]/i.test(name)) {
      assert.ok(
        ['remote-user', 'remote-groups', 'remote-email', 'remote-name', 'x-portcullis-assertion'].includes(name),
        `${label}: ${name} reached the app`,
      );
    }
  }
}

/** Not signed in: sent to sign in, back to the page with its query; signed in (through the proxy): the app, as alice. */
export async function checkSignIn(bp: BehindProxy, profile: ProxyProfile): Promise<void> {
  const page = '/reports?a=1&b=%2F&c=%C3%A9';
  const login = `http://portal.test/.portcullis/login?rd=${encodeURIComponent(`${bp.origin}${page}`)}`;
  let { answer, seen } = await through(bp, page, { accept: HTML });
  assert.equal(answer.status, 302, answer.body);
  assert.equal(answer.headers.location, login);
  assert.equal(seen, undefined);
  ({ answer, seen } = await through(bp, page, { accept: 'application/json' }));
  assert.equal(answer.status, profile.apiSignIn);
  assert.equal(answer.headers.location, login);
  if (profile.apiSignIn === 401) assert.equal(answer.json().login_url, login);
  assert.equal(seen, undefined);

  const cookie = await bp.signIn('alice', `${bp.origin}${page}`);
  ({ answer, seen } = await through(bp, page, { accept: HTML, cookie }));
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.headers['x-upstream'], 'yes');
  assert.ok(seen);
  assert.equal(seen.url, page, 'the path and query reach the app as the client sent them');
  const identity = identityOf(seen);
  assert.equal(identity['remote-user'], 'alice');
  assert.equal(identity['remote-groups'], 'msp-admins');
  assert.equal(identity['remote-email'], 'alice@msp.example');
  assert.equal(identity['remote-name'], 'Alice Admin');
  // the assertion verifies with the keys the gateway publishes (here through the proxy too)
  const jwks = await bp.send('/.portcullis/jwks.json');
  assert.equal(jwks.status, 200);
  const { payload } = await jwtVerify(identity['x-portcullis-assertion'] ?? '', createLocalJWKSet(jwks.json()), {
    issuer: 'http://portal.test',
    audience: 'app',
    currentDate: new Date(bp.gw.clock.now()),
  });
  assert.equal(payload.sub, 'alice');
}

/**
 * Spoofed identity headers, in every spelling, never reach the app: not with an allow rule (the answer
 * has every identity header, empty), not for a user the answer has no groups or e-mail for, not signed in.
 */
export async function checkSpoofs(bp: BehindProxy, profile: ProxyProfile): Promise<void> {
  const alice = await bp.signIn('alice');
  const erin = await bp.signIn('erin');
  const cases: {
    label: string;
    target: string;
    cookie?: string;
    reached: boolean;
    identity: Record<string, string>;
  }[] = [
    { label: 'allow rule, anonymous', target: '/health?x=1', reached: true, identity: {} },
    {
      label: 'alice',
      target: '/reports',
      cookie: alice,
      reached: true,
      identity: {
        'remote-user': 'alice',
        'remote-groups': 'msp-admins',
        'remote-email': 'alice@msp.example',
        'remote-name': 'Alice Admin',
      },
    },
    {
      label: 'erin: no groups, no e-mail',
      target: '/reports',
      cookie: erin,
      reached: true,
      identity: { 'remote-user': 'erin', 'remote-name': 'erin' },
    },
    { label: 'not signed in', target: '/reports', reached: false, identity: {} },
  ];
  for (const c of cases) {
    const headers = {
      ...SPOOFED_HEADERS,
      ...(profile.stripsPrefixes ? { 'Remote-Tenant': SPOOF, 'X-Portcullis-Level': SPOOF } : {}),
      ...(c.cookie ? { cookie: c.cookie } : {}),
    };
    const { answer, seen } = await through(bp, c.target, headers);
    if (!c.reached) {
      assert.equal(seen, undefined, c.label);
      assert.notEqual(answer.status, 200, c.label);
      continue;
    }
    assert.equal(answer.status, 200, `${c.label}: ${answer.body}`);
    assert.ok(seen, c.label);
    assertNoSpoof(seen, c.label);
    const { 'x-portcullis-assertion': assertion, ...identity } = identityOf(seen);
    assert.deepEqual(identity, c.identity, c.label);
    assert.equal(assertion !== undefined, c.cookie !== undefined, `${c.label}: the assertion`);
  }
}

/**
 * The proxy describes the request itself: a public page named by the client in X-Original-URL (which
 * Caddy and Traefik pass on) or X-Forwarded-Uri/Method (which nginx passes on) decides nothing.
 */
export async function checkDescriptionSpoof(bp: BehindProxy): Promise<void> {
  const spoofs: Record<string, string>[] = [
    { 'x-original-url': `${bp.origin}/health`, 'x-original-method': 'GET' },
    { 'x-forwarded-uri': '/health', 'x-forwarded-method': 'GET', 'x-forwarded-host': bp.origin.slice(7) },
    { x_original_url: `${bp.origin}/health`, x_forwarded_uri: '/health' },
  ];
  for (const headers of spoofs) {
    const { answer, seen } = await through(bp, '/reports', headers);
    assert.equal(seen, undefined, `reached the app with ${JSON.stringify(headers)}`);
    assert.notEqual(answer.status, 200);
    // and a POST described as a GET does not pass the GET-only public page
    const post = await bp.send('/health', headers, 'POST', '');
    assert.notEqual(post.status, 200, `POST /health with ${JSON.stringify(headers)}`);
  }
  assert.equal(bp.gw.upstream.seen.filter((s) => s.method === 'POST').length, 0);
}

/**
 * The path the gateway judges is the path the app receives: encodings, dot-segments, doubled slashes and
 * path parameters that the app reads as /blocked/... (a deny rule) or /admin/... (needs a second factor)
 * never reach it; a disguised allowed path does, and reads as what was judged.
 */
export async function checkPaths(bp: BehindProxy): Promise<void> {
  const cookie = await bp.signIn('alice');
  const refused = [
    '/blocked/x',
    '/%62locked/x',
    '/%62%6C%6F%63%6B%65%64/x',
    '/public/../blocked/x',
    '/public/%2e%2e/blocked/x',
    '/public/%2E%2E/blocked/x?a=1',
    '/./blocked/x',
    '//blocked/x',
    '/blocked;x=1/y',
    '/public/..;/blocked/x',
    '/blocked%2fx',
    '/%61dmin/x',
    '/x/../admin/x',
  ];
  for (const target of refused) {
    const { answer, seen } = await through(bp, target, { cookie });
    assert.equal(seen, undefined, `${target} reached the app as ${seen?.url}`);
    assert.ok(answer.status >= 300, `${target}: ${answer.status}`);
  }
  for (const target of ['/public/../reports?q=%2F', '/%72eports', '/x//reports/']) {
    const { answer, seen } = await through(bp, target, { cookie });
    assert.equal(answer.status, 200, `${target}: ${answer.body}`);
    assert.ok(seen, target);
    const judged = normalizePath(target);
    const received = normalizePath(seen.url);
    assert.ok(judged.ok && received.ok, target);
    assert.equal(received.path, judged.path, `${target}: the app reads ${seen.url}`);
    assert.equal(received.query, judged.query, target);
  }
}

/** A deny rule: 403, the app not reached; a browser gets Portcullis's refusal page where the proxy hands it on. */
export async function checkDeny(bp: BehindProxy, profile: ProxyProfile): Promise<void> {
  const cookie = await bp.signIn('alice');
  let { answer, seen } = await through(bp, '/blocked/report?id=7', { cookie, accept: HTML });
  assert.equal(answer.status, 403);
  assert.equal(seen, undefined);
  if (profile.refusalPage) {
    assert.match(answer.body, /Access denied/);
    assert.match(answer.body, /Signed in as Alice Admin \(alice\)/);
  }
  ({ answer, seen } = await through(bp, '/blocked/report', { cookie, accept: 'application/json' }));
  assert.equal(answer.status, 403);
  assert.equal(seen, undefined);
  if (profile.refusalPage) assert.equal(answer.json().error, 'access_denied');
  // a tenant's user on an MSP app
  const carol = await bp.signIn('carol');
  ({ answer, seen } = await through(bp, '/reports', { cookie: carol }));
  assert.equal(answer.status, 403);
  assert.equal(seen, undefined);
}

/** The connections the gateway accepted while `run` ran. */
export async function connectionsDuring(bp: BehindProxy, run: () => Promise<void>): Promise<number> {
  let count = 0;
  const server = bp.gw.runtime.app.server;
  const onConnection = () => {
    count++;
  };
  server.on('connection', onConnection);
  try {
    await run();
  } finally {
    server.off('connection', onConnection);
  }
  return count;
}

/** 20 signed-in requests through the proxy reach the app over (at most) a couple of connections to the gateway. */
export async function checkKeepAlive(bp: BehindProxy): Promise<void> {
  const cookie = await bp.signIn('alice');
  const before = bp.gw.upstream.seen.length;
  const connections = await connectionsDuring(bp, async () => {
    for (let i = 0; i < 20; i++) {
      const answer = await bp.send(`/reports?i=${i}`, { cookie });
      assert.equal(answer.status, 200, answer.body);
    }
  });
  assert.equal(bp.gw.upstream.seen.length - before, 20);
  assert.ok(connections <= 2, `the proxy opened ${connections} connections to the gateway for 20 requests`);
}

/** Portcullis down: nothing reaches the app, signed in or not, public path or not. */
export async function checkPortcullisDown(bp: BehindProxy, profile: ProxyProfile): Promise<void> {
  const cookie = await bp.signIn('alice');
  await bp.stopPortcullis();
  for (const [target, headers] of [
    ['/reports', { cookie }],
    ['/health', {}],
    ['/reports', { 'remote-user': 'alice' }],
  ] as const) {
    const { answer, seen } = await through(bp, target, headers);
    assert.equal(seen, undefined, `${target} reached the app with the gateway down`);
    assert.equal(answer.status, profile.portcullisDown, `${target}: ${answer.status}`);
  }
}

export interface ProxySuite {
  /** the suite's title: the proxy and the example file it runs */
  readonly title: string;
  readonly start: (values: { portcullis: string; app: string; host: string }) => Promise<RunningProxy>;
  readonly profile: ProxyProfile;
  /** the proxy keeps connections to Portcullis alive (a real proxy; not the replay) */
  readonly keepAlive: boolean;
  /** what the proxy's own output must show after the keep-alive run and after Portcullis went down */
  readonly afterKeepAlive?: (bp: BehindProxy) => void;
  readonly afterDown?: (bp: BehindProxy) => void;
  /** tests of this proxy only, registered in the same suite */
  readonly more?: (bp: () => BehindProxy) => void;
}

/** The properties every proxy in front of forward-auth must have, as one suite per proxy. */
export function describeBehindProxy(suite: ProxySuite): void {
  describe(suite.title, () => {
    let bp: BehindProxy;
    before(async () => {
      bp = await behindProxy(suite.start);
    });
    after(() => bp?.close());
    suite.more?.(() => bp);

    it('sends a client to sign in and back to the page with its query, then lets it through as alice', async () => {
      await checkSignIn(bp, suite.profile);
    });

    it('never lets a client-sent identity header (or an unreplaced placeholder) through, in any spelling', async () => {
      await checkSpoofs(bp, suite.profile);
    });

    it('describes the request itself: a client-sent X-Original-URL or X-Forwarded-* decides nothing', async () => {
      await checkDescriptionSpoof(bp);
    });

    it('judges the path the app receives', async () => {
      await checkPaths(bp);
    });

    it('refuses what a rule denies (with the refusal page for a browser where the proxy passes it on)', async () => {
      await checkDeny(bp, suite.profile);
    });

    if (suite.keepAlive)
      it('keeps its connections to Portcullis alive', async () => {
        await checkKeepAlive(bp);
        suite.afterKeepAlive?.(bp);
      });

    it('lets nothing through while Portcullis is down', async () => {
      await checkPortcullisDown(bp, suite.profile);
      suite.afterDown?.(bp);
    });
  });
}
