import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOCALES } from '../../src/web/i18n/locales.ts';
import { AREAS } from '../../src/web/i18n/messages.ts';
import { placeholders } from '../../src/web/i18n/translate.ts';

test('every catalogue area has every key in every language, none empty, the same placeholders', () => {
  const seen = new Map<string, string>();
  for (const [name, area] of Object.entries(AREAS)) {
    const catalogues = area as Record<string, Record<string, string>>;
    assert.deepEqual(Object.keys(catalogues).sort(), [...LOCALES].sort(), `${name}: the languages`);
    const keys = Object.keys(catalogues.en ?? {}).sort();
    assert.ok(keys.length > 0, `${name}: no messages`);
    for (const key of keys) {
      assert.ok(key.startsWith(`${name}.`), `${key}: keys of area ${name} start with "${name}."`);
      assert.equal(seen.get(key), undefined, `${key} is in two areas`);
      seen.set(key, name);
    }
    for (const locale of LOCALES) {
      const messages = catalogues[locale] ?? {};
      assert.deepEqual(Object.keys(messages).sort(), keys, `${name}.${locale}: missing or extra keys`);
      for (const key of keys) {
        const text = messages[key] ?? '';
        assert.ok(text.trim().length > 0, `${locale} ${key} is empty`);
        assert.deepEqual(
          placeholders(text),
          placeholders(catalogues.en?.[key] ?? ''),
          `${locale} ${key}: placeholders`,
        );
      }
    }
  }
});

/** Every message of every language, with its area, language and key. */
function allMessages(): { locale: string; key: string; text: string }[] {
  const out: { locale: string; key: string; text: string }[] = [];
  for (const area of Object.values(AREAS)) {
    for (const [locale, messages] of Object.entries(area as Record<string, Record<string, string>>)) {
      for (const [key, text] of Object.entries(messages)) out.push({ locale, key, text });
    }
  }
  return out;
}

test('no message contains markup: a page builds links and emphasis around the text', () => {
  const marked = allMessages().filter((m) => /[<>]/.test(m.text));
  assert.deepEqual(
    marked.map((m) => `${m.locale} ${m.key}`),
    [],
  );
});

test('a plural has both forms: a key ending in .one has its .other, and the reverse', () => {
  const keys = new Set(Object.values(AREAS).flatMap((area) => Object.keys(area.en)));
  const alone = [...keys].filter((key) => {
    const form = /\.(one|other)$/.exec(key)?.[1];
    if (form === undefined) return false;
    return !keys.has(key.replace(/\.(one|other)$/, form === 'one' ? '.other' : '.one'));
  });
  assert.deepEqual(alone, []);
});

test('typography: French spaces before : ? ! ; are non-breaking, Spanish questions open with ¿, no straight double quotes', () => {
  const rules: { what: string; broken: (locale: string, text: string) => boolean }[] = [
    { what: 'fr: U+00A0 before a colon', broken: (l, t) => l === 'fr' && /[^\u00a0]:/.test(t) },
    { what: 'fr: U+202F before ? ! ;', broken: (l, t) => l === 'fr' && /[^\u202f][?!;]/.test(t) },
    { what: 'fr: the apostrophe is ’', broken: (l, t) => l === 'fr' && t.includes("'") },
    {
      what: 'es: as many ¿ as ?',
      broken: (l, t) => l === 'es' && t.split('¿').length !== t.split('?').length,
    },
    { what: 'no straight double quotes', broken: (_l, t) => t.includes('"') },
  ];
  const messages = allMessages();
  for (const rule of rules) {
    const broken = messages.filter((m) => rule.broken(m.locale, m.text)).map((m) => `${m.locale} ${m.key}`);
    assert.deepEqual(broken, [], rule.what);
  }
});
