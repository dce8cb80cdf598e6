/**
 * The account page in the person's language: every text from the catalogues (profile, second
 * factors, default way, recovery codes, devices, password, recent sign-ins), `lang` and the
 * switcher, dates and times in that language and the brand's time zone; the notices and errors
 * of its forms and the JSON `message` of the account API in the same language.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDateTime } from '../../src/web/i18n/format-time.ts';
import { LOCALE_NAMES, type Locale } from '../../src/web/i18n/locales.ts';
import { MESSAGES, messagesFor } from '../../src/web/i18n/messages.ts';
import { deviceNameText, periodText, plural } from '../../src/web/pages/account-text.ts';
import { enrolTotp, nextTotpCode, PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';
import { textsOutsideCatalogues } from '../helpers/page-text.ts';

const ORIGIN = { origin: 'http://portal.test' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded', ...ORIGIN };
const JSON_H = { 'content-type': 'application/json', ...ORIGIN };
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const ZONE = 'Europe/Berlin';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Alice with an authenticator app, signed in from Firefox with a code just now: session and device cookies. */
async function scene(t: { after(fn: () => unknown): void }, branding: Record<string, unknown> = { time_zone: ZONE }) {
  const gw = await startTestGateway({ gateway: { branding } });
  t.after(() => gw.close());
  const { secret } = await enrolTotp(gw, 'alice');
  const login = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/login',
    headers: { ...JSON_H, 'user-agent': FIREFOX },
    body: JSON.stringify({ username: 'alice', password: PASSWORD }),
  });
  const device = cookieFrom(login, gw.runtime.state().session.deviceCookieName);
  const proved = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/mfa/totp',
    headers: { ...JSON_H, cookie: `${cookieFrom(login, gw.cookieName)}; ${device}`, 'user-agent': FIREFOX },
    body: JSON.stringify({ code: await nextTotpCode(gw, secret) }),
  });
  assert.equal(proved.status, 200, proved.body);
  return { gw, cookie: `${cookieFrom(proved, gw.cookieName)}; ${device}` };
}

const accountPage = (gw: TestGateway, cookie: string, language: string) =>
  gw.send({ host: 'portal.test', target: '/.portcullis/', headers: { cookie, 'accept-language': language } });

/**
 * What the test put on the page: the user, the brand, the device and factor names, the address,
 * the language names (each in itself), and the moments of its records as `locale` writes them.
 */
async function values(gw: TestGateway, locale: Locale, zone: string): Promise<string[]> {
  const { durable } = gw.runtime;
  const [factors, devices, signIns] = await Promise.all([
    durable.listFactors('alice'),
    durable.listDevices('alice'),
    durable.listSignIns('alice', 0, 10),
  ]);
  const moments = [
    ...factors.flatMap((f) => [f.createdAt, f.lastUsedAt]),
    ...devices.map((d) => d.lastSeenAt),
    ...signIns.map((r) => r.time),
  ].filter((ms): ms is number => ms !== null);
  return [
    'alice',
    'Alice Admin',
    'msp-admins',
    'Portcullis',
    '127.0.0.1',
    ...factors.map((f) => f.name),
    ...devices.map((d) => d.name),
    ...Object.values(LOCALE_NAMES),
    ...moments.map((ms) => formatDateTime(ms, locale, zone)),
  ];
}

test('the account page in German, French, Spanish and Dutch: every text from the catalogue, times in the brand’s zone', async (t) => {
  const { gw, cookie } = await scene(t);
  const [signIn] = await gw.runtime.durable.listSignIns('alice', 0, 1);
  assert.ok(signIn);
  const rows: { language: string; locale: Locale }[] = [
    { language: 'de-DE,de;q=0.9,en;q=0.5', locale: 'de' },
    { language: 'fr-CH, fr;q=0.9', locale: 'fr' },
    { language: 'es', locale: 'es' },
    { language: 'nl-BE', locale: 'nl' },
  ];
  for (const { language, locale } of rows) {
    const page = await accountPage(gw, cookie, language);
    const t = messagesFor(locale);
    assert.equal(page.status, 200, locale);
    assert.match(page.body, new RegExp(`<html lang="${locale}">`), locale);
    assert.match(page.body, /<nav class="languages"/, `${locale}: the switcher`);
    assert.match(page.body, new RegExp(`<h1>${t('account.title')}</h1>`), locale);
    assert.ok(page.body.includes(`<strong>${formatDateTime(signIn.time, locale, ZONE)}</strong>`), locale);
    assert.deepEqual(
      textsOutsideCatalogues(page.body, locale, await values(gw, locale, ZONE)),
      [],
      `${locale}: texts outside the catalogue`,
    );
  }
});

test('with no Accept-Language the account page stays English, times in UTC without a brand time zone', async (t) => {
  const { gw, cookie } = await scene(t, {});
  const [signIn] = await gw.runtime.durable.listSignIns('alice', 0, 1);
  assert.ok(signIn);
  const page = await gw.send({ host: 'portal.test', target: '/.portcullis/', headers: { cookie } });
  assert.match(page.body, /<html lang="en">/);
  assert.ok(page.body.includes(`<strong>${formatDateTime(signIn.time, 'en', 'UTC')}</strong>`));
  assert.deepEqual(textsOutsideCatalogues(page.body, 'en', await values(gw, 'en', 'UTC')), []);
});

test('branding.language fixes the account page’s language over Accept-Language; the switcher’s cookie wins over both', async (t) => {
  const { gw, cookie } = await scene(t, { language: 'de' });
  const rows: { cookie: string; lang: Locale }[] = [
    { cookie, lang: 'de' },
    { cookie: `${cookie}; portcullis_lang=es`, lang: 'es' },
  ];
  for (const row of rows) {
    const page = await accountPage(gw, row.cookie, 'fr');
    assert.match(page.body, new RegExp(`<html lang="${row.lang}">`), row.lang);
    assert.match(page.body, new RegExp(`<h1>${MESSAGES[row.lang]['account.title']}</h1>`), row.lang);
  }
});

test('the account forms answer in the page’s language: notices, errors, the password rules', async (t) => {
  const { gw, cookie } = await scene(t);
  const post = (target: string, body: Record<string, string>, language: string) =>
    gw.send({
      method: 'POST',
      host: 'portal.test',
      target: `/.portcullis/account/${target}`,
      headers: { ...FORM, cookie, 'accept-language': language },
      body: new URLSearchParams(body).toString(),
    });
  const rows: { what: string; target: string; body: Record<string, string>; status: number; says: string }[] = [
    {
      what: 'a default the user does not hold',
      target: 'method/default',
      body: { method: 'webauthn' },
      status: 400,
      says: MESSAGES.de['account.default.refused'],
    },
    {
      what: 'the two new passwords differ',
      target: 'password',
      body: { current: PASSWORD, password: 'one new passphrase', confirm: 'another new passphrase' },
      status: 400,
      says: MESSAGES.de['account.password.differ'],
    },
    {
      what: 'a wrong current password',
      target: 'password',
      body: { current: 'not the password', password: 'one new passphrase', confirm: 'one new passphrase' },
      status: 400,
      says: MESSAGES.de['account.password.wrongCurrent'],
    },
    {
      what: 'a sign-in that is not hers',
      target: 'signin/report',
      body: { time: '12345' },
      status: 404,
      says: MESSAGES.de['account.signIns.notFound'],
    },
    {
      what: 'the default saved',
      target: 'method/default',
      body: { method: 'totp' },
      status: 200,
      says: MESSAGES.de['account.default.saved'],
    },
  ];
  for (const row of rows) {
    const answer = await post(row.target, row.body, 'de');
    assert.equal(answer.status, row.status, `${row.what}: ${answer.body.slice(0, 200)}`);
    assert.match(answer.body, /<html lang="de">/, row.what);
    assert.ok(answer.body.includes(`>${row.says.replace(/'/g, '&#39;')}</p>`), row.what);
  }
});

test('the account API’s messages are in the request’s language; its error codes stay the same', async (t) => {
  const { gw, cookie } = await scene(t);
  const post = (target: string, body: object, language: string) =>
    gw.send({
      method: 'POST',
      host: 'portal.test',
      target: `/.portcullis/api/account/${target}`,
      headers: { ...JSON_H, cookie, 'accept-language': language },
      body: JSON.stringify(body),
    });
  const rows: { target: string; body: object; language: Locale; status: number; error: string; message: string }[] = [
    {
      target: 'sign-ins/report',
      body: { time: 12345 },
      language: 'fr',
      status: 404,
      error: 'not_found',
      message: MESSAGES.fr['account.signIns.notFound'],
    },
    {
      target: 'default-method',
      body: { method: 'webauthn' },
      language: 'nl',
      status: 400,
      error: 'bad_request',
      message: MESSAGES.nl['account.default.notYours'],
    },
    {
      target: 'password',
      body: { current: PASSWORD, password: PASSWORD },
      language: 'es',
      status: 400,
      error: 'password_rejected',
      message: MESSAGES.es['account.password.same'],
    },
  ];
  for (const row of rows) {
    const answer = await post(row.target, row.body, row.language);
    assert.equal(answer.status, row.status, answer.body);
    assert.deepEqual(
      { error: answer.json<{ error: string }>().error, message: answer.json<{ message: string }>().message },
      { error: row.error, message: row.message },
      row.target,
    );
  }
});

test('periods and counts in words: the unit of the trust box, the plural form of the language', () => {
  const text = (locale: Locale) => ({ locale, t: messagesFor(locale), when: (ms: number) => String(ms) });
  const periods: [Locale, number, string][] = [
    ['en', 30 * DAY, '30 days'],
    ['de', DAY, '1 Tag'],
    ['fr', 36 * HOUR, '36 heures'],
    ['es', HOUR, '1 hora'],
    ['nl', 90_000, '2 minuten'],
    ['de', 1000, '1 Minute'],
  ];
  for (const [locale, ms, expected] of periods) assert.equal(periodText(text(locale), ms), expected, `${locale} ${ms}`);
  const counts: [Locale, number, string][] = [
    ['en', 1, '1 other session was signed out.'],
    ['en', 2, '2 other sessions were signed out.'],
    ['fr', 0, '0 autre session a été déconnectée.'],
    ['de', 3, '3 andere Sitzungen wurden abgemeldet.'],
  ];
  for (const [locale, n, expected] of counts)
    assert.equal(plural(text(locale), 'account.password.othersEnded', n), expected, `${locale} ${n}`);
  const devices: [Locale, string, string][] = [
    ['en', 'Chrome on Linux', 'Chrome on Linux'],
    ['de', 'Chrome on Linux', 'Chrome unter Linux'],
    ['fr', 'Safari on iOS', 'Safari sur iOS'],
    ['es', 'Linux device', 'Dispositivo Linux'],
    ['nl', 'Unknown device', 'Onbekend apparaat'],
    ['de', 'Firefox', 'Firefox'],
  ];
  for (const [locale, name, expected] of devices) assert.equal(deviceNameText(text(locale), name), expected, name);
});
