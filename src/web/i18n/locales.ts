/**
 * The languages of the portal pages and how one is chosen for a request: the person's own choice
 * (the switcher's cookie), else the operator's `branding.language`, else the browser's
 * Accept-Language, else English.
 */
export const LOCALES = ['en', 'de', 'fr', 'es', 'nl'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each language as its speakers name it (the switcher shows these). */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
  nl: 'Nederlands',
};

const KNOWN: ReadonlySet<string> = new Set(LOCALES);

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && KNOWN.has(value);
}

/** Only this much of an Accept-Language header is read, and this many of its entries. */
const MAX_HEADER = 512;
const MAX_ENTRIES = 20;
const ENTRY = /^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*)?$/;

/**
 * The supported language an Accept-Language header prefers (RFC 9110 12.5.4, basic filtering on
 * the primary subtag: `de-AT` is German), or null. Malformed entries are skipped; `q=0` refuses.
 */
export function fromAcceptLanguage(header: string | undefined): Locale | null {
  if (typeof header !== 'string' || header.length === 0) return null;
  const wanted: { locale: Locale | '*'; q: number; order: number }[] = [];
  const refused = new Set<string>();
  const entries = header.slice(0, MAX_HEADER).split(',').slice(0, MAX_ENTRIES);
  entries.forEach((entry, order) => {
    const match = ENTRY.exec(entry);
    if (match === null) return;
    const tag = (match[1] as string).toLowerCase();
    const q = match[2] === undefined ? 1 : Number(match[2]);
    const primary = tag === '*' ? '*' : (tag.split('-')[0] as string);
    if (q === 0) {
      refused.add(primary);
      return;
    }
    if (primary === '*' || isLocale(primary)) wanted.push({ locale: primary as Locale | '*', q, order });
  });
  wanted.sort((a, b) => b.q - a.q || a.order - b.order);
  for (const w of wanted) {
    if (w.locale !== '*') {
      if (!refused.has(w.locale)) return w.locale;
      continue;
    }
    const any = LOCALES.find((l) => !refused.has(l) && !wanted.some((x) => x.locale === l));
    if (any !== undefined) return any;
  }
  return null;
}

/** The language of a page: the person's choice, the operator's, the browser's, English. */
export function chooseLocale(opts: { chosen?: unknown; fixed?: Locale | null; acceptLanguage?: string }): Locale {
  if (isLocale(opts.chosen)) return opts.chosen;
  if (opts.fixed) return opts.fixed;
  return fromAcceptLanguage(opts.acceptLanguage) ?? DEFAULT_LOCALE;
}
