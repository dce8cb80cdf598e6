/**
 * The entry pages in the person's language: sign-in (with its errors, the session that ended and
 * the hand-off), sign-out, the first administrator's set-up, the invitation pages and the
 * refusal pages. Each is asked for with Accept-Language in every language but English and must
 * say so (`lang`), offer the switcher, and hold no text outside that language's catalogue but the
 * values the test put in (names, the app, the request id, the brand). English stays the default.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runUserInvite } from '../../src/cli/invite.ts';
import { ManualClock } from '../../src/clock.ts';
import type { Locale } from '../../src/web/i18n/locales.ts';
import { captureIo } from '../cli/fixtures.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import type { Answer } from '../helpers/http.ts';
import { textsOutsideCatalogues } from '../helpers/page-text.ts';

const LANGUAGES: readonly Locale[] = ['de', 'fr', 'es', 'nl'];
const FORM = 'application/x-www-form-urlencoded';
/** What the tests put on the pages: the brand, people's names, apps, the short password tried. */
const VALUES = ['Portcullis', 'bob', 'Bob Tech', 'app', 'root.admin', 'newbie', 'Nina New', 'ab'];

/**
 * A page in `locale`: its lang, nothing outside the catalogue, and the switcher with that
 * language current on the portal's pages (an app's refused page cannot read the switcher's
 * cookie, which is the portal path's: it has none).
 */
function assertInLanguage(answer: Answer, locale: Locale, what: string, values: readonly string[] = []): void {
  assert.match(answer.body, new RegExp(`<html lang="${locale}">`), `${what}: lang`);
  const switcher = new RegExp(`<nav class="languages" [^>]*>[\\s\\S]*<a lang="${locale}" aria-current="true">`);
  if (what.startsWith('app: ')) assert.doesNotMatch(answer.body, /class="languages"/, `${what}: no switcher`);
  else assert.match(answer.body, switcher, `${what}: the switcher`);
  const reference = /<p class="reference">[^<]*?([a-km-np-z2-9]{10})<\/p>/.exec(answer.body)?.[1];
  assert.deepEqual(
    textsOutsideCatalogues(answer.body, locale, [...VALUES, ...values, ...(reference ? [reference] : [])]),
    [],
    `${what} in ${locale}`,
  );
}

let gw: TestGateway;
let bobPortal: string;
let bobApp: string;
before(async () => {
  gw = await startTestGateway({
    clock: new ManualClock(Date.now()),
    users: { bob: { groups: ['techs'], name: 'Bob Tech' }, newbie: { password: null, name: 'Nina New' } },
  });
  bobPortal = await gw.login('bob');
  bobApp = await gw.cookieFor(bobPortal, 'app.test');
});
after(() => gw.close());

const get = (target: string, lang: Locale, opts: { host?: string; cookie?: string } = {}) =>
  gw.send({
    host: opts.host ?? 'portal.test',
    target,
    headers: {
      accept: 'text/html',
      'accept-language': `${lang},en;q=0.5`,
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
    },
  });
const post = (target: string, lang: Locale, fields: Record<string, string>, cookie?: string) =>
  gw.send({
    method: 'POST',
    host: 'portal.test',
    target,
    headers: {
      accept: 'text/html',
      'accept-language': lang,
      'content-type': FORM,
      origin: 'http://portal.test',
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });

async function inviteToken(): Promise<string> {
  const io = captureIo();
  const code = await runUserInvite(['newbie', '--config', join(gw.dir, 'config/gateway.yaml')], io);
  assert.equal(code, 0, io.stderr.text);
  const token = /#([A-Za-z0-9_-]{43})$/m.exec(io.stdout.text)?.[1];
  assert.ok(token);
  return token;
}

describe('the entry pages speak the language the browser asks for', () => {
  it('sign-in, a refused password, a session that ended, sign-out and the hand-off', async () => {
    for (const lang of LANGUAGES) {
      const pages: [string, Answer, number][] = [
        ['sign-in', await get('/.portcullis/login?rd=http%3A%2F%2Fapp.test%2F', lang), 200],
        ['a wrong password', await post('/.portcullis/login', lang, { username: 'bob', password: 'wrong' }), 401],
        [
          'a code form after the session ended',
          await post('/.portcullis/stepup', lang, { code: '123456' }, 'portcullis_session=gone'),
          401,
        ],
        ['sign-out', await get('/.portcullis/logout', lang, { cookie: bobPortal }), 200],
        ['signed out', await get('/.portcullis/logout', lang), 200],
        ['the hand-off', await get('/.portcullis/login?rd=http%3A%2F%2Fapp.test%2F', lang, { cookie: bobPortal }), 200],
      ];
      for (const [what, answer, status] of pages) {
        assert.equal(answer.status, status, `${what} in ${lang}`);
        assertInLanguage(answer, lang, what);
      }
    }
  });

  it('the refusal pages: access denied (who, the app), not found, an unknown host', async () => {
    for (const lang of LANGUAGES) {
      const pages: [string, Answer, number][] = [
        ['app: access denied', await get('/blocked/x', lang, { host: 'app.test', cookie: bobApp }), 403],
        ['app: access denied, signed out', await get('/blocked/x', lang, { host: 'app.test' }), 403],
        ['not found', await get('/.portcullis/nothing', lang), 404],
        ['app: unknown host', await get('/', lang, { host: 'nowhere.test' }), 404],
      ];
      for (const [what, answer, status] of pages) {
        assert.equal(answer.status, status, `${what} in ${lang}`);
        assertInLanguage(answer, lang, what);
      }
    }
  });

  it('the invitation pages: the link, the password with its rules and meter, a link that does not work', async () => {
    const token = await inviteToken();
    for (const lang of LANGUAGES) {
      const pages: [string, Answer, number][] = [
        ['the link', await get('/.portcullis/invite', lang), 200],
        ['the password', await post('/.portcullis/invite', lang, { token }), 200],
        [
          'two passwords',
          await post('/.portcullis/invite/password', lang, {
            token,
            password: 'a meadow of quiet violins',
            confirm: 'other',
          }),
          400,
        ],
        [
          'a short password',
          await post('/.portcullis/invite/password', lang, { token, password: 'ab', confirm: 'ab' }),
          400,
        ],
        [
          'a common password',
          await post('/.portcullis/invite/password', lang, {
            token,
            password: 'password1234',
            confirm: 'password1234',
          }),
          400,
        ],
        ['a wrong link', await post('/.portcullis/invite', lang, { token: 'A'.repeat(43) }), 404],
      ];
      for (const [what, answer, status] of pages) {
        assert.equal(answer.status, status, `${what} in ${lang}`);
        assertInLanguage(answer, lang, what);
      }
      const meter = /<meter id="strength"[^>]*>/.exec(pages[1]?.[1].body ?? '')?.[0] ?? '';
      for (const attr of ['empty', 'short-one', 'short-other', 'hasname', 'weak', 'fair', 'good', 'strong'])
        assert.match(meter, new RegExp(` data-${attr}="[^"]+"`), `${lang}: the meter's ${attr}`);
    }
  });
});

describe('the set-up page speaks the language the browser asks for', () => {
  let setup: TestGateway;
  let token: string;
  before(async () => {
    setup = await startTestGateway({ users: {} });
    token = setup.runtime.setup.issue();
  });
  after(() => setup.close());

  it('the form and its errors (token, user name, two passwords, a password rule)', async () => {
    const send = (lang: Locale, fields?: Record<string, string>) =>
      setup.send({
        method: fields ? 'POST' : 'GET',
        host: 'portal.test',
        target: '/.portcullis/setup',
        headers: {
          accept: 'text/html',
          'accept-language': lang,
          ...(fields ? { 'content-type': FORM, origin: 'http://portal.test' } : {}),
        },
        ...(fields ? { body: new URLSearchParams(fields).toString() } : {}),
      });
    const good = {
      token,
      username: 'root.admin',
      password: 'a long enough passphrase',
      confirm: 'a long enough passphrase',
    };
    for (const lang of LANGUAGES) {
      const pages: [string, Answer, number][] = [
        ['the form', await send(lang), 200],
        ['a wrong token', await send(lang, { ...good, token: 'wrong' }), 403],
        ['a bad user name', await send(lang, { ...good, username: 'no spaces allowed' }), 400],
        ['two passwords', await send(lang, { ...good, confirm: 'something else entirely' }), 400],
        [
          'a repeated character',
          await send(lang, { ...good, password: 'aaaaaaaaaaaaa', confirm: 'aaaaaaaaaaaaa' }),
          400,
        ],
        [
          'the user name in the password',
          await send(lang, { ...good, password: 'root.admin is me', confirm: 'root.admin is me' }),
          400,
        ],
      ];
      for (const [what, answer, status] of pages) {
        assert.equal(answer.status, status, `${what} in ${lang}`);
        assertInLanguage(answer, lang, what, ['no spaces allowed']);
      }
    }
  });
});

describe('without Accept-Language the entry pages stay English', () => {
  it('English, no switcher needed to read them, the switcher still offered', async () => {
    const page = await gw.send({ host: 'portal.test', target: '/.portcullis/login', headers: { accept: 'text/html' } });
    assert.match(page.body, /<html lang="en">/);
    assert.match(page.body, /<h1>Sign in<\/h1>/);
    assert.deepEqual(textsOutsideCatalogues(page.body, 'en', VALUES), []);
  });
});
