/**
 * Which language a page speaks: the switcher's cookie wins, then `branding.language` (a brand
 * that fixes one), then Accept-Language, then English; per brand, so a client tenant can fix its
 * own. The same choice for the pages and the `message` of JSON refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway({
    gateway: { branding: { language: 'de', tenants: { acme: { name: 'Acme Corp', language: 'nl' } } } },
  });
});
after(() => gw.close());

type Row = [what: string, host: string, acceptLanguage: string | null, cookie: string | null, expected: string];
const ROWS: Row[] = [
  ['branding.language over Accept-Language', 'portal.test', 'fr', null, 'de'],
  ['branding.language without Accept-Language', 'portal.test', null, null, 'de'],
  ['the switcher’s cookie over both', 'portal.test', 'fr', 'es', 'es'],
  ['the switcher’s cookie alone', 'portal.test', null, 'en', 'en'],
  ['a tenant’s own language on its host', 'acme.test', 'fr', null, 'nl'],
  ['the switcher’s cookie over the tenant’s', 'acme.test', 'fr', 'fr', 'fr'],
  ['a cookie that names no language is ignored', 'portal.test', 'fr', 'xx', 'de'],
];

const headers = (acceptLanguage: string | null, cookie: string | null, accept: string) => ({
  accept,
  ...(acceptLanguage ? { 'accept-language': acceptLanguage } : {}),
  ...(cookie ? { cookie: `portcullis_lang=${cookie}` } : {}),
});

describe('branding.language vs Accept-Language vs the switcher’s cookie', () => {
  it('the sign-in page', async () => {
    for (const [what, host, acceptLanguage, cookie, expected] of ROWS) {
      const page = await gw.send({
        host,
        target: '/.portcullis/login',
        headers: headers(acceptLanguage, cookie, 'text/html'),
      });
      assert.equal(page.status, 200, what);
      assert.match(page.body, new RegExp(`<html lang="${expected}">`), what);
      assert.match(page.body, new RegExp(`<a lang="${expected}" aria-current="true">`), what);
    }
  });

  it('a refusal, as a page and as JSON', async () => {
    const notFound = { de: 'Hier gibt es nichts.', es: 'Aquí no hay nada.', en: 'There is nothing here.' };
    for (const [what, host, acceptLanguage, cookie, expected] of ROWS.filter(([, h]) => h === 'portal.test')) {
      const words = notFound[expected as keyof typeof notFound];
      const page = await gw.send({
        host,
        target: '/.portcullis/none',
        headers: headers(acceptLanguage, cookie, 'text/html'),
      });
      assert.equal(page.status, 404, what);
      assert.match(page.body, new RegExp(`<p>${words}</p>`), what);
      const json = await gw.send({
        host,
        target: '/.portcullis/none',
        headers: headers(acceptLanguage, cookie, 'application/json'),
      });
      assert.equal(json.json().error, 'not_found', what);
      assert.equal(json.json().message, words, what);
    }
  });

  it('the portal’s own refusals: a cross-site form, a hand-off code that is not valid', async () => {
    const rows: [string, Record<string, string>, number, string, string][] = [
      [
        'a form from elsewhere',
        { origin: 'http://evil.example' },
        403,
        'csrf',
        'Websiteübergreifende oder fehlerhafte Anfrage abgelehnt.',
      ],
      [
        'an unknown code',
        { origin: 'http://portal.test' },
        403,
        'invalid_handoff',
        'Dieser Anmeldelink ist nicht mehr gültig. Öffnen Sie die Seite erneut.',
      ],
    ];
    for (const [what, extra, status, error, message] of rows) {
      const answer = await gw.send({
        method: 'POST',
        host: 'app.test',
        target: '/.portcullis/sso',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'fr', ...extra },
        body: new URLSearchParams({ code: 'A'.repeat(43), rd: 'http://app.test/' }).toString(),
      });
      assert.equal(answer.status, status, what);
      assert.deepEqual(answer.json(), { error, message }, what);
    }
  });

  it('without branding.language, Accept-Language chooses; without it, English', async () => {
    const plain = await startTestGateway();
    try {
      const rows: [string | null, string][] = [
        ['fr-CH, de;q=0.5', 'fr'],
        ['pt-BR', 'en'],
        [null, 'en'],
      ];
      for (const [acceptLanguage, expected] of rows) {
        const page = await plain.send({
          host: 'portal.test',
          target: '/.portcullis/login',
          headers: headers(acceptLanguage, null, 'text/html'),
        });
        assert.match(page.body, new RegExp(`<html lang="${expected}">`), String(acceptLanguage));
      }
    } finally {
      await plain.close();
    }
  });
});
