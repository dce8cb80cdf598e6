/**
 * What a person reads on a page, and whether all of it comes from the message catalogues: the
 * check behind "a page contains no string outside the catalogues".
 */
import { LOCALE_NAMES, type Locale } from '../../src/web/i18n/locales.ts';
import { MESSAGES } from '../../src/web/i18n/messages.ts';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: '\u00a0' };
const decode = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#39|nbsp|#x[0-9a-f]+|#[0-9]+);/gi, (all, name: string) => {
    const lower = name.toLowerCase();
    if (ENTITIES[lower] !== undefined) return ENTITIES[lower];
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return all;
  });
const clean = (s: string) => decode(s).replace(/\s+/g, ' ').trim();

/** The texts of a page: its text nodes and the attributes people read (placeholder, aria-label, title, alt, button values). */
export function pageTexts(html: string): string[] {
  const body = html.replace(/<script\b[\s\S]*?<\/script>/gi, '').replace(/<style\b[\s\S]*?<\/style>/gi, '');
  const texts: string[] = [];
  const title = /<title>([\s\S]*?)<\/title>/i.exec(body)?.[1];
  if (title !== undefined) texts.push(...clean(title).split(' · '));
  const inBody = body.replace(/<head>[\s\S]*?<\/head>/i, '');
  for (const part of inBody.split(/<[^>]*>/)) {
    const text = clean(part);
    if (text) texts.push(text);
  }
  for (const m of inBody.matchAll(/\s(placeholder|aria-label|title|alt)="([^"]*)"/gi)) {
    const text = clean(m[2] as string);
    if (text) texts.push(text);
  }
  for (const m of inBody.matchAll(/<input\b[^>]*\btype="(?:submit|button)"[^>]*>/gi)) {
    const value = /\svalue="([^"]*)"/i.exec(m[0])?.[1];
    if (value) texts.push(clean(value));
  }
  return texts;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Each message as a whole (placeholders match anything) and its literal pieces between placeholders. */
function patterns(locale: Locale): { whole: RegExp[]; pieces: Set<string> } {
  const whole: RegExp[] = [];
  const pieces = new Set<string>();
  for (const message of Object.values(MESSAGES[locale]) as string[]) {
    const parts = message.split(/\{[a-z][a-zA-Z0-9_]*\}/);
    whole.push(new RegExp(`^${parts.map((p) => escapeRe(clean(p))).join('.+?')}$`, 's'));
    for (const p of parts) if (clean(p)) pieces.add(clean(p));
  }
  return { whole, pieces };
}

/**
 * The texts of a page that are not from the catalogue of `locale`: not a message (with any values
 * in its placeholders), not a piece of one between placeholders, not one of the `values` the test
 * put in (user names, the brand, codes), not a language's name in itself (the switcher's links),
 * and not made of digits, punctuation and spaces only.
 */
export function textsOutsideCatalogues(html: string, locale: Locale, values: readonly string[] = []): string[] {
  const { whole, pieces } = patterns(locale);
  const known = new Set(values.map(clean));
  const languages = new Set<string>(Object.values(LOCALE_NAMES));
  return pageTexts(html).filter((text) => {
    if (known.has(text) || languages.has(text) || pieces.has(text) || !/\p{L}/u.test(text)) return false;
    let rest = text;
    for (const v of known) if (v) rest = rest.split(v).join('');
    if (!/\p{L}/u.test(rest)) return false;
    return !whole.some((re) => re.test(text));
  });
}
