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
