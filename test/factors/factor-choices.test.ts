/**
 * What a sign-in asks next, as a table: personas (the second factors they hold) × rules (level
 * and methods) -> the JSON answer of `api/login` (`mfa_required` with every factor held that
 * meets the rule, `enrollment_required` with every factor that may be enrolled for it), and the
 * pages agree: the sign-in form leads to the same step, the step-up page offers exactly those
 * proofs, the enrolment page exactly those factors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type Answer, cookieFrom } from '../helpers/http.ts';
import { type CreationOptionsJSON, SoftAuthenticator } from '../helpers/soft-authenticator.ts';

const ORIGIN = 'http://portal.test';
const PARAMS = { digits: 6 as const, period: 30, algorithm: 'sha1' as const };

const rule = (path: string, require: Record<string, unknown>) => ({
  name: path.slice(1),
  hosts: ['app.test'],
  paths: [`${path}/**`],
  action: 'authenticate',
  require,
});
const POLICY = {
  rules: [
    rule('/mfa', { level: 'mfa' }),
    rule('/mfa-app', { level: 'mfa', methods: ['totp'] }),
    rule('/mfa-key', { level: 'mfa', methods: ['webauthn'] }),
    rule('/mfa-key-push', { level: 'mfa', methods: ['webauthn', 'push'] }),
    rule('/mfa-push', { level: 'mfa', methods: ['push'] }),
    rule('/phishing-resistant', { level: 'phishing_resistant' }),
    rule('/password', { level: 'password' }),
  ],
};

/** The personas, named after what they hold. */
const PERSONAS = ['nothing', 'app', 'key', 'plainkey', 'keyandapp'] as const;
type Persona = (typeof PERSONAS)[number];

type Needs = { status: 'mfa_required' | 'enrollment_required'; methods: string[] };
type Step = { status: 'authenticated'; redirect: string } | Needs;
const prove = (...methods: string[]): Needs => ({ status: 'mfa_required', methods });
const enrol = (...methods: string[]): Needs => ({ status: 'enrollment_required', methods });
const ALL_ENROL = { nothing: enrol('webauthn', 'totp') };

/** page -> persona -> the answer of api/login with rd = that page */
const TABLE: [string, Record<Persona, Needs | 'authenticated'>][] = [
  [
    '/mfa',
    {
      ...ALL_ENROL,
      app: prove('totp', 'recovery'),
      key: prove('webauthn', 'recovery'),
      plainkey: prove('webauthn', 'recovery'),
      keyandapp: prove('webauthn', 'totp', 'recovery'),
    },
  ],
  [
    '/mfa-app',
    {
      nothing: enrol('totp'),
      app: prove('totp'),
      key: enrol('totp'),
      plainkey: enrol('totp'),
      keyandapp: prove('totp'),
    },
  ],
  [
    '/mfa-key',
    {
      nothing: enrol('webauthn'),
      app: enrol('webauthn'),
      key: prove('webauthn'),
      plainkey: prove('webauthn'),
      keyandapp: prove('webauthn'),
    },
  ],
  [
    '/mfa-key-push',
    {
      nothing: enrol('webauthn'),
      app: enrol('webauthn'),
      key: prove('webauthn'),
      plainkey: prove('webauthn'),
      keyandapp: prove('webauthn'),
    },
  ],
  // push cannot be enrolled yet: nothing would do
  ['/mfa-push', { nothing: enrol(), app: enrol(), key: enrol(), plainkey: enrol(), keyandapp: enrol() }],
  // a key registered without user verification would be refused there
  [
    '/phishing-resistant',
    {
      nothing: enrol('webauthn'),
      app: enrol('webauthn'),
      key: prove('webauthn'),
      plainkey: enrol('webauthn'),
      keyandapp: prove('webauthn'),
    },
  ],
  [
    '/password',
    {
      nothing: 'authenticated',
      app: 'authenticated',
      key: 'authenticated',
      plainkey: 'authenticated',
      keyandapp: 'authenticated',
    },
  ],
];

function post(gw: TestGateway, path: string, body: unknown, cookie?: string): Promise<Answer> {
  return gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/${path}`,
    headers: { 'content-type': 'application/json', origin: ORIGIN, ...(cookie === undefined ? {} : { cookie }) },
    body: JSON.stringify(body),
  });
}

/** Registers a key for the session; the risen session. */
async function addKey(gw: TestGateway, cookie: string, key: SoftAuthenticator): Promise<string> {
  const options = (await post(gw, 'api/webauthn/register/options', {}, cookie)).json<CreationOptionsJSON>();
  const answer = await post(gw, 'api/webauthn/register/verify', key.register(options, ORIGIN), cookie);
  assert.equal(answer.status, 200, answer.body);
  return cookieFrom(answer, gw.cookieName) ?? '';
}

/** Enrols an authenticator app for the session. */
async function addApp(gw: TestGateway, cookie: string): Promise<void> {
  const { secret } = (await post(gw, 'api/enroll/totp/start', {}, cookie)).json<{ secret: string }>();
  const code = await generateTotpCode(secret, Math.floor(gw.clock.now() / 30_000), PARAMS);
  const answer = await post(gw, 'api/enroll/totp/finish', { code }, cookie);
  assert.equal(answer.status, 200, answer.body);
}

/** What a page offers, by its markers: the way it shows, or a link to the step-up page showing another. */
function sections(html: string) {
  const link = (m: string) => html.includes(`method=${m}"`);
  return {
    webauthn: html.includes('data-webauthn="verify"') || html.includes('data-webauthn="register"') || link('webauthn'),
    totp: html.includes('action="/.portcullis/stepup"') || html.includes('<figure class="qr"') || link('totp'),
    recovery: html.includes('action="/.portcullis/recovery"') || link('recovery'),
  };
}
/** The way the step-up page shows (one at a time). */
function shown(html: string): string[] {
  return [
    ...(html.includes('data-webauthn="verify"') ? ['webauthn'] : []),
    ...(html.includes('action="/.portcullis/stepup"') ? ['totp'] : []),
    ...(html.includes('action="/.portcullis/recovery"') ? ['recovery'] : []),
  ];
}
const offered = (methods: readonly string[]) => ({
  webauthn: methods.includes('webauthn'),
  totp: methods.includes('totp'),
  recovery: methods.includes('recovery'),
});
const SET_UP: Record<string, string> = { webauthn: 'a security key or a passkey', totp: 'an authenticator app' };

describe('after the password: every factor held, or that may be enrolled, that meets the rule', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      users: Object.fromEntries(PERSONAS.map((p) => [p, { groups: ['staff'] }])),
      policies: { '00-rules.yaml': POLICY },
    });
    await addApp(gw, await gw.login('app'));
    await addKey(gw, await gw.login('key'), new SoftAuthenticator());
    await addKey(gw, await gw.login('plainkey'), new SoftAuthenticator({ uv: false }));
    await addApp(gw, await addKey(gw, await gw.login('keyandapp'), new SoftAuthenticator()));
  });
  after(() => gw.close());

  for (const [path, row] of TABLE) {
    for (const persona of PERSONAS) {
      const rd = `http://app.test${path}/page`;
      const needs = row[persona];
      const want: Step = needs === 'authenticated' ? { status: 'authenticated', redirect: rd } : needs;
      it(`${persona} on ${path}: ${want.status} ${'methods' in want ? JSON.stringify(want.methods) : ''}`, async () => {
        const api = await post(gw, 'api/login', { username: persona, password: PASSWORD, rd });
        assert.equal(api.status, 200, api.body);
        assert.deepEqual(api.json(), want);

        // the sign-in page leads to the same step
        const form = await gw.send({
          method: 'POST',
          host: 'portal.test',
          target: '/.portcullis/login',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
          body: new URLSearchParams({ username: persona, password: PASSWORD, rd }).toString(),
        });
        if (want.status === 'authenticated') {
          // rd is on another host: the answer is the single sign-on hand-off to it
          assert.equal(form.status, 200);
          assert.match(form.body, /action="http:\/\/app\.test\/\.portcullis\/sso"/);
          return;
        }
        const next = { mfa_required: 'stepup', enrollment_required: 'enroll' }[want.status];
        assert.equal(form.headers.location, `/.portcullis/${next}?rd=${encodeURIComponent(rd)}`);
        const cookie = cookieFrom(form, gw.cookieName) ?? '';
        const page = (name: string) =>
          gw.send({
            host: 'portal.test',
            target: `/.portcullis/${name}?rd=${encodeURIComponent(rd)}`,
            headers: { cookie, accept: 'text/html' },
          });

        const stepUp = await page('stepup');
        assert.equal(stepUp.status, 200);
        if (want.status === 'mfa_required') {
          assert.deepEqual(sections(stepUp.body), offered(want.methods), 'the step-up page offers the same');
          assert.deepEqual(shown(stepUp.body), want.methods.slice(0, 1), 'one way at a time, the first offered');
          return;
        }
        // nothing to prove: the step-up page leads to enrolling what the API names
        assert.match(stepUp.body, /A second factor is needed/);
        const link =
          want.methods.length === 0
            ? 'can be set up here'
            : `Set up ${want.methods.map((m) => SET_UP[m]).join(' or ')}</a>`;
        assert.ok(stepUp.body.includes(link), `${link} in ${stepUp.body}`);
        // the enrolment page itself (a user holding factors proves one first)
        const enrolment = await page('enroll');
        if (persona !== 'nothing') {
          assert.equal(enrolment.status, 302);
          return;
        }
        assert.equal(enrolment.status, 200);
        assert.deepEqual(sections(enrolment.body), offered(want.methods), 'the enrolment page offers the same');
        if (want.methods.length === 0) assert.match(enrolment.body, /can be set up here/);
      });
    }
  }
});
