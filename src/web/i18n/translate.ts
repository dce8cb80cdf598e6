import type { Locale } from './locales.ts';

/** A catalogue: message key -> text, with `{name}` placeholders for values. */
export type Messages = Readonly<Record<string, string>>;

export type Params = Readonly<Record<string, string | number>>;

const PLACEHOLDER = /\{([a-z][a-zA-Z0-9_]*)\}/g;

/** The placeholders a message uses, sorted (catalogues must agree on them across languages). */
export function placeholders(message: string): string[] {
  return [...new Set([...message.matchAll(PLACEHOLDER)].map((m) => m[1] as string))].sort();
}

/**
 * Fills a message's placeholders. A placeholder without a value is a programming mistake: it
 * throws (a page must never show `{name}`). Values are inserted as given: the page escapes the
 * result like any other text.
 */
export function format(message: string, params: Params = {}): string {
  return message.replace(PLACEHOLDER, (_all, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`message placeholder {${name}} has no value`);
    return String(value);
  });
}

/** `t(key, params)` for one language: its catalogue first, English for nothing (catalogues are complete). */
export type Translate<K extends string> = (key: K, params?: Params) => string;

export function translator<K extends string>(
  catalogues: Readonly<Record<Locale, Readonly<Record<K, string>>>>,
  locale: Locale,
): Translate<K> {
  const messages = catalogues[locale];
  return (key, params) => {
    const message = messages[key];
    if (message === undefined) throw new TypeError(`no message ${JSON.stringify(key)} in ${locale}`);
    return format(message, params);
  };
}
