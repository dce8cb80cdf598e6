/**
 * The second-factor pages in the person's language: step-up (each way, the trust box, the other
 * ways), the page for an account without a factor the page accepts, enrolment (with the key's
 * part and the texts its script shows), the recovery codes, the answer to a recovery code, the
 * errors of the forms, and the JSON messages the pages' scripts show. Each page, asked for in
 * each language, says so (`lang`), offers the switcher, and has no text outside the catalogues.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { esc, type PageText } from '../../src/web/html.ts';
import { formatDateTime } from '../../src/web/i18n/format-time.ts';
import { LOCALE_NAMES, LOCALES, type Locale } from '../../src/web/i18n/locales.ts';
import { messagesFor } from '../../src/web/i18n/messages.ts';
import { stepUpPage, trustPeriod } from '../../src/web/pages/factor-pages.ts';
import { DEFAULT_POLICY, enrolTotp, nextTotpCode, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import type { Answer } from '../helpers/http.ts';
import { textsOutsideCatalogues } from '../helpers/page-text.ts';

const ADMIN = 'http://app.test/admin/users';
const PUSH_ONLY = 'http://app.test/push/x';
const DAY = 86_400_000;
const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://portal.test' };
const JSON_H = { 'content-type': 'application/json', origin: 'http://portal.test' };

/** The default policy, a page only push would open (nothing to set up here), and a rule that looks at trusted devices. */
const POLICY = {
  rules: [
    {
      name: 'push-only',
      hosts: ['app.test'],
      paths: ['/push/**'],
      action: 'authenticate',
      require: { level: 'mfa', methods: ['push'] },
    },
    {
      name: 'trusted-only',
      hosts: ['app.test'],
      paths: ['/trusted/**'],
      when: { trusted_device: false },
      action: 'deny',
    },
    ...DEFAULT_POLICY.rules,
  ],
};

/** Per language: one person with an authenticator app, one with nothing yet. */
const holder = (l: Locale) => `holder-${l}`;
const newcomer = (l: Locale) => `newcomer-${l}`;
const USERS = Object.fromEntries(
  LOCALES.flatMap((l) => [
    [holder(l), { groups: ['msp-admins'] }],
    [newcomer(l), { groups: ['msp-admins'] }],
  ]),
);

/** What every translated page shows besides its messages: the brand and the switcher's language names. */
const FRAME = ['Portcullis', ...Object.values(LOCALE_NAMES)];

function assertTranslated(answer: Answer, locale: Locale, what: string, values: readonly string[] = []) {
  assert.ok(answer.body.includes(`<html lang="${locale}">`), `${what}: lang`);
  assert.match(answer.body, /<nav class="languages" aria-label="[^"]+">/, `${what}: the switcher`);
  assert.deepEqual(textsOutsideCatalogues(answer.body, locale, [...FRAME, ...values]), [], what);
}

describe('the second-factor pages in five languages', () => {
  let gw: TestGateway;
  const secrets = new Map<string, { secret: string; recoveryCodes: string[] }>();
  before(async () => {
    gw = await startTestGateway({ users: USERS, policies: { '00-msp.yaml': POLICY } });
    for (const l of LOCALES) secrets.set(holder(l), await enrolTotp(gw, holder(l)));
  });
  after(() => gw.close());

  const get = (target: string, cookie: string, locale: Locale) =>
    gw.send({ host: 'portal.test', target, headers: { cookie, accept: 'text/html', 'accept-language': locale } });
  const post = (path: string, fields: Record<string, string>, cookie: string, locale: Locale) =>
    gw.send({
      method: 'POST',
      host: 'portal.test',
      target: `/.portcullis/${path}`,
      headers: { ...FORM, cookie, 'accept-language': locale },
      body: new URLSearchParams(fields).toString(),
    });
  const api = (path: string, cookie: string, locale: Locale) =>
    gw.send({
      method: 'POST',
      host: 'portal.test',
      target: `/.portcullis/api/${path}`,
      headers: { ...JSON_H, cookie, 'accept-language': locale },
      body: '{}',
    });
  const rdQuery = `rd=${encodeURIComponent(ADMIN)}`;

  for (const locale of LOCALES) {
    const t = messagesFor(locale);
    const user = holder(locale);

    it(`${locale}: the step-up page, each way, its errors, the trust box and the answer to a recovery code`, async () => {
      const cookie = await gw.login(user);
      const totp = await get(`/.portcullis/stepup?${rdQuery}`, cookie, locale);
      assert.equal(totp.status, 200, totp.body);
      assertTranslated(totp, locale, 'step-up, app code', [user]);
      assert.ok(
        totp.body.includes(
          esc(t('factors.trust.otherPages', { period: t('common.duration.day.other', { count: 30 }) })),
        ),
      );
      assert.ok(totp.body.includes(`method=recovery">${esc(t('factors.recovery.label'))}</a>`), 'the other way');

      const recovery = await get(`/.portcullis/stepup?${rdQuery}&method=recovery`, cookie, locale);
      assertTranslated(recovery, locale, 'step-up, recovery code', [user]);
      assert.ok(recovery.body.includes(esc(t('factors.recovery.heading'))));

      const wrongCode = await post('stepup', { code: '000000', rd: ADMIN }, cookie, locale);
      assert.equal(wrongCode.status, 401);
      assertTranslated(wrongCode, locale, 'step-up, wrong code', [user]);
      assert.ok(wrongCode.body.includes(esc(t('factors.error.code'))));
      const wrongRecovery = await post('recovery', { code: 'nope-nope', rd: ADMIN }, cookie, locale);
      assert.equal(wrongRecovery.status, 401);
      assertTranslated(wrongRecovery, locale, 'step-up, wrong recovery code', [user]);
      assert.ok(wrongRecovery.body.includes(esc(t('factors.error.recovery'))));

      const code = secrets.get(user)?.recoveryCodes[0] ?? '';
      const accepted = await post('recovery', { code, rd: ADMIN, trust: '1' }, cookie, locale);
      assert.equal(accepted.status, 200, accepted.body);
      assertTranslated(accepted, locale, 'recovery code accepted', [user]);
      const until = formatDateTime(gw.clock.now() + 30 * DAY, locale, 'UTC');
      const note = [
        t('factors.recovery.accepted'),
        t('factors.recovery.remaining.other', { count: 9 }),
        t('factors.recovery.newAuthenticator'),
        t('factors.trustedUntil', { date: until }),
      ];
      assert.ok(accepted.body.includes(`<p>${note.map((s) => `<span>${esc(s)}</span>`).join(' ')}</p>`), accepted.body);
    });

    it(`${locale}: the JSON messages the pages' scripts show`, async () => {
      const cookie = await gw.login(user);
      const rows: [path: string, status: number, error: string, message: string][] = [
        ['webauthn/login/options', 409, 'webauthn_failed', t('webauthn.error.noCredentials')],
        ['webauthn/register/options', 403, 'step_up_required', t('errors.stepUpRequired')],
        ['enroll/totp/start', 403, 'step_up_required', t('errors.stepUpRequired')],
        ['device/trust', 403, 'step_up_required', t('errors.trust.stepUp')],
      ];
      for (const [path, status, error, message] of rows) {
        const answer = await api(path, cookie, locale);
        assert.equal(answer.status, status, `${path}: ${answer.body}`);
        assert.equal(answer.json<{ error: string }>().error, error, path);
        assert.equal(answer.json<{ message: string }>().message, message, path);
      }
    });

    it(`${locale}: no factor yet, enrolment with the key's texts for its script, and the recovery codes`, async () => {
      const name = newcomer(locale);
      const cookie = await gw.login(name);
      const none = await get(`/.portcullis/stepup?${rdQuery}`, cookie, locale);
      assertTranslated(none, locale, 'no factor', [name]);
      assert.ok(none.body.includes(esc(t('factors.setUp.any'))));
      const nothingHere = await get(`/.portcullis/stepup?rd=${encodeURIComponent(PUSH_ONLY)}`, cookie, locale);
      assertTranslated(nothingHere, locale, 'no factor, none to set up', [name]);
      assert.ok(nothingHere.body.includes(esc(t('factors.none.askAdmin'))));

      const enrol = await get(`/.portcullis/enroll?${rdQuery}`, cookie, locale);
      const secret = /<code class="secret">([A-Z2-7 ]+)<\/code>/.exec(enrol.body)?.[1] ?? '';
      assertTranslated(enrol, locale, 'enrolment', [name, secret]);
      assert.ok(enrol.body.includes(esc(t('factors.enroll.why'))), 'why, for a first factor');
      for (const [attr, key] of [
        ['cancelled', 'webauthn.error.cancelled'],
        ['unavailable', 'webauthn.error.registrationUnavailable'],
        ['default-name', 'webauthn.register.defaultName'],
      ] as const)
        assert.ok(enrol.body.includes(` data-msg-${attr}="${esc(t(key))}"`), attr);

      const wrong = await post('enroll', { code: '000000', rd: ADMIN }, cookie, locale);
      assert.equal(wrong.status, 401);
      const again = /<code class="secret">([A-Z2-7 ]+)<\/code>/.exec(wrong.body)?.[1] ?? '';
      assertTranslated(wrong, locale, 'enrolment, wrong code', [name, again]);
      assert.ok(wrong.body.includes(esc(t('factors.error.enroll'))));

      const done = await post(
        'enroll',
        { code: await nextTotpCode(gw, again.replaceAll(' ', '')), rd: ADMIN },
        cookie,
        locale,
      );
      assert.equal(done.status, 200, done.body);
      const codes = [...done.body.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1] as string);
      assert.equal(codes.length, 10);
      assertTranslated(done, locale, 'recovery codes', codes);
      assert.ok(done.body.includes(`<h1>${esc(t('factors.codes.added'))}</h1>`));
    });
  }
});

/** A page's text as pageText gives it for a request in `locale` (the brand's time zone: UTC). */
const textIn = (locale: Locale): PageText => ({
  locale,
  t: messagesFor(locale),
  when: (ms) => formatDateTime(ms, locale, 'UTC'),
});

test("the key's way on the step-up page, and the trust box that skips the code, in each language", () => {
  for (const locale of LOCALES) {
    const text = textIn(locale);
    const html = stepUpPage(text, {
      user: 'alice',
      rd: ADMIN,
      trust: { period: trustPeriod(text, 30 * DAY), effect: 'skips_code' },
      offered: ['webauthn', 'totp', 'recovery'],
      method: 'webauthn',
    });
    assert.ok(html.includes(`<html lang="${locale}">`), locale);
    assert.ok(html.includes(`<!--languages:${locale}-->`), `${locale}: the switcher's place`);
    assert.deepEqual(textsOutsideCatalogues(html, locale, ['alice', 'Portcullis']), [], locale);
    const t = text.t;
    assert.ok(
      html.includes(esc(t('factors.trust.skipsCode', { period: t('common.duration.day.other', { count: 30 }) }))),
    );
    for (const [attr, key] of [
      ['cancelled', 'webauthn.error.cancelled'],
      ['already-registered', 'webauthn.error.alreadyRegistered'],
      ['browser', 'webauthn.error.browser'],
      ['unsupported', 'webauthn.error.unsupported'],
      ['unavailable', 'webauthn.error.signInUnavailable'],
      ['failed', 'webauthn.error.failed'],
      ['unexpected', 'webauthn.error.unexpected'],
    ] as const)
      assert.ok(html.includes(` data-msg-${attr}="${esc(t(key))}"`), `${locale}: ${attr}`);
  }
});

test('how long a device is trusted, in words of the language (the unit as before, the plural of the language)', () => {
  const rows: [locale: Locale, ms: number, words: string][] = [
    ['en', 30 * DAY, '30 days'],
    ['de', 30 * DAY, '30 Tage'],
    ['de', DAY, '1 Tag'],
    ['fr', 2.4 * DAY, '2 jours'],
    ['fr', 3_600_000, '1 heure'],
    ['es', 36 * 3_600_000, '36 horas'],
    ['nl', 12 * 3_600_000, '12 uur'],
    ['nl', 45 * 60_000, '45 minuten'],
    ['nl', 1_000, '1 minuut'],
  ];
  for (const [locale, ms, words] of rows) assert.equal(trustPeriod(textIn(locale), ms), words, `${locale} ${ms}`);
});

test("branding.language fixes the step-up page's language over Accept-Language; the switcher's choice wins over both", async (t) => {
  const gw = await startTestGateway({ gateway: { branding: { language: 'de' } } });
  t.after(() => gw.close());
  await enrolTotp(gw, 'alice');
  const cookie = await gw.login('alice');
  const target = `/.portcullis/stepup?rd=${encodeURIComponent(ADMIN)}`;
  const rows: [cookie: string, expected: Locale][] = [
    [cookie, 'de'],
    [`${cookie}; portcullis_lang=es`, 'es'],
  ];
  for (const [cookies, expected] of rows) {
    const answer = await gw.send({
      host: 'portal.test',
      target,
      headers: { cookie: cookies, accept: 'text/html', 'accept-language': 'fr' },
    });
    assert.equal(answer.status, 200, answer.body);
    assertTranslated(answer, expected, expected, ['alice']);
    assert.ok(answer.body.includes(esc(messagesFor(expected)('factors.stepup.heading'))), expected);
    const refused = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/enroll/totp/start',
      headers: { ...JSON_H, cookie: cookies, 'accept-language': 'fr' },
      body: '{}',
    });
    assert.equal(refused.json<{ message: string }>().message, messagesFor(expected)('errors.stepUpRequired'));
  }
});
