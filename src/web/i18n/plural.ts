import type { Locale } from './locales.ts';

/**
 * The catalogue form of a count: `one` where the language's Intl.PluralRules says "one",
 * `other` for every other category (French "many" for a million and more included).
 */
export function pluralForm(locale: Locale, count: number): 'one' | 'other' {
  return new Intl.PluralRules(locale).select(count) === 'one' ? 'one' : 'other';
}
