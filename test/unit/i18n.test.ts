import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDateTime, isTimeZone } from '../../src/web/i18n/format-time.ts';
import { chooseLocale, fromAcceptLanguage } from '../../src/web/i18n/locales.ts';
import { format, placeholders, translator } from '../../src/web/i18n/translate.ts';

describe('the language of a page', () => {
  it('Accept-Language: quality, order, regions, wildcards, refusals and hostile input', () => {
    const rows: [header: string | undefined, expected: string | null][] = [
      [undefined, null],
      ['', null],
      ['de', 'de'],
      ['de-AT', 'de'],
      ['DE-at', 'de'],
      ['fr-CA, en;q=0.8', 'fr'],
      ['en;q=0.5, nl;q=0.9', 'nl'],
      ['nl;q=0.9, es;q=0.9', 'nl'],
      ['ja, zh-CN;q=0.9, es;q=0.1', 'es'],
      ['ja, zh', null],
      ['*', 'en'],
      ['en;q=0, *', 'de'],
      ['de;q=0, de-AT', null],
      ['ja, *;q=0.5, fr;q=0.4', 'en'],
      ['de;q=1.5', null],
      ['de;q=abc, fr', 'fr'],
      ['<script>, es', 'es'],
      [`${'x,'.repeat(600)}de`, null],
      [`${'ja,'.repeat(30)}fr`, null],
      ['  es  ;  q = 0.7 , nl ; q=0.6', 'es'],
    ];
    for (const [header, expected] of rows) assert.equal(fromAcceptLanguage(header), expected, String(header));
  });

  it("the person's choice, then the operator's, then the browser's, then English", () => {
    assert.equal(chooseLocale({ chosen: 'nl', fixed: 'de', acceptLanguage: 'fr' }), 'nl');
    assert.equal(chooseLocale({ chosen: 'xx', fixed: 'de', acceptLanguage: 'fr' }), 'de');
    assert.equal(chooseLocale({ fixed: null, acceptLanguage: 'fr' }), 'fr');
    assert.equal(chooseLocale({ acceptLanguage: 'ja' }), 'en');
    assert.equal(chooseLocale({}), 'en');
  });
});

describe('messages', () => {
  it('placeholders are filled; a missing value is a programming mistake', () => {
    assert.equal(format('Signed in as {user}.', { user: 'alice' }), 'Signed in as alice.');
    assert.equal(format('{n} of {total}', { n: 3, total: 10 }), '3 of 10');
    assert.throws(() => format('Hello {name}'), /\{name\} has no value/);
    assert.deepEqual(placeholders('{b} {a} {b}'), ['a', 'b']);
  });

  it('a translator reads its language; an unknown key throws', () => {
    const catalogues = {
      en: { hi: 'Hello {name}' },
      de: { hi: 'Hallo {name}' },
      fr: { hi: 'Bonjour {name}' },
      es: { hi: 'Hola {name}' },
      nl: { hi: 'Hallo {name}' },
    };
    assert.equal(translator(catalogues, 'fr')('hi', { name: 'Zoé' }), 'Bonjour Zoé');
    assert.throws(() => translator(catalogues, 'de')('bye' as 'hi'), /no message "bye" in de/);
  });
});

describe('dates and times', () => {
  const when = Date.UTC(2026, 11, 7, 13, 5);
  it("in the person's language and the tenant's time zone, the zone named", () => {
    assert.equal(formatDateTime(when, 'de', 'Europe/Berlin'), '07.12.2026, 14:05 MEZ');
    assert.equal(formatDateTime(when, 'es', 'Europe/Madrid'), '7 dic 2026, 14:05 CET');
    assert.equal(formatDateTime(when, 'en'), 'Dec 7, 2026, 1:05 PM UTC');
    assert.match(formatDateTime(when, 'fr', 'America/Montreal'), /^7 déc\. 2026, 08:05 UTC−5$/);
  });
  it('time zone names are checked', () => {
    assert.equal(isTimeZone('Europe/Amsterdam'), true);
    assert.equal(isTimeZone('Mars/Olympus'), false);
  });
});
