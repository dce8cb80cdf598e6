import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Brand } from '../state.ts';
import { brandFor } from './brand.ts';
import { formatDateTime } from './i18n/format-time.ts';
import { LOCALE_NAMES, LOCALES, type Locale } from './i18n/locales.ts';
import { type MessageKey, messagesFor } from './i18n/messages.ts';
import { LANGUAGE_PATH as PORTAL_PATH, pageLocale } from './i18n/page-locale.ts';

export { brandFor };

/** The brand line every page starts with; sendPage puts the request's brand in its place. */
const BRAND_SLOT = '<p class="brand">Portcullis</p>';

/** Escapes text for HTML element content and double-quoted attributes. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Headers every portal page carries: strict CSP (no inline script or style, no CDN; the page's
 * scripts may call the portal's own API), no framing. The referrer is the origin at most:
 * browsers send `Origin: null` on the POSTs of a `no-referrer` page, and the CSRF check (forms,
 * the JSON API, the single sign-on hand-off) needs the real origin.
 */
export function pageSecurityHeaders(formAction = "'self'"): Record<string, string> {
  return {
    'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin',
    'cache-control': 'no-store',
  };
}

function brandLine(brand: Brand): string {
  const logo = brand.logo ? `<img src="/.portcullis/brand/${esc(brand.logo.key)}" alt="" class="logo">` : '';
  return `<p class="brand">${logo}${esc(brand.name)}</p>`;
}

/** Where a translated page wants the language switcher (layout writes it with the page's language). */
const LANGUAGES_SLOT = /<!--languages:([a-z]{2})-->/;

/** The page a form answers from, for the forms whose address has no page of its own. */
const PAGE_OF_FORM: readonly (readonly [RegExp, string])[] = [
  [/^\/\.portcullis\/invite\/password$/, '/.portcullis/invite'],
  [/^\/\.portcullis\/recovery$/, '/.portcullis/stepup'],
  [/^\/\.portcullis\/account\/.+$/, PORTAL_PATH],
];
/** The switcher route's limit on its `back`. */
const MAX_BACK = 4096;

/**
 * Where the switcher comes back to: a GET's own address; after a form, the page of that form,
 * with the form's `rd` when it had one, so that the person stays on their way; the path alone when
 * that is longer than the switcher takes.
 */
export function switcherBack(request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? PORTAL_PATH;
  if (request.method === 'GET') return request.url.length <= MAX_BACK ? request.url : path;
  const page = PAGE_OF_FORM.find(([form]) => form.test(path))?.[1] ?? path;
  const rd = (request.body as { rd?: unknown } | undefined)?.rd;
  const withRd = typeof rd === 'string' && rd !== '' ? `${page}?rd=${encodeURIComponent(rd)}` : page;
  return withRd.length <= MAX_BACK ? withRd : page;
}

/**
 * The language switcher: each language named in itself, the page's marked; a link to the
 * switcher's route that comes back to this page (switcherBack).
 */
function languageSwitcher(request: FastifyRequest, current: Locale): string {
  const back = switcherBack(request);
  const links = LOCALES.map((l) =>
    l === current
      ? `<a lang="${l}" aria-current="true">${esc(LOCALE_NAMES[l])}</a>`
      : `<a lang="${l}" hreflang="${l}" href="/.portcullis/language?set=${l}&amp;back=${esc(encodeURIComponent(back))}">${esc(LOCALE_NAMES[l])}</a>`,
  );
  return `<nav class="languages" aria-label="${esc(messagesFor(current)('common.language'))}">${links.join(' ')}</nav>`;
}

/**
 * What a page needs to speak the person's language: the language (pageLocale), its messages, and
 * dates and times in that language and the time zone of the brand (the client's or the MSP's).
 */
export interface PageText {
  readonly locale: Locale;
  readonly t: ReturnType<typeof messagesFor>;
  /** a moment as people of the page's language write it, in the brand's time zone, zone named */
  readonly when: (ms: number) => string;
}

/**
 * A message with one placeholder wrapped in markup (`Signed in as <strong>{user}</strong>.`): the
 * translated text split at the placeholder, each side escaped, `inner` (markup) in its place.
 */
export function around(text: PageText, key: MessageKey, name: string, inner: string): string {
  const [before = '', after = ''] = text.t(key, { [name]: '\u0000' }).split('\u0000');
  return `${esc(before)}${inner}${esc(after)}`;
}

export function pageText(request: FastifyRequest): PageText {
  const locale = pageLocale(request);
  const timeZone = brandFor(request).timeZone;
  return { locale, t: messagesFor(locale), when: (ms) => formatDateTime(ms, locale, timeZone) };
}

/**
 * Sends a portal page with the security headers, the request's brand and, for a translated page
 * served under the portal's path, its language switcher. A page elsewhere (a refusal of an app's
 * page) has none: the switcher's cookie is the portal path's, so that page could not read it.
 */
export function sendPage(reply: FastifyReply, body: string, status = 200, formAction?: string): FastifyReply {
  const request = reply.request;
  const switcher = request.url.startsWith(PORTAL_PATH);
  const branded = body
    .replace(BRAND_SLOT, brandLine(brandFor(request)))
    .replace(LANGUAGES_SLOT, (_all, locale: string) => (switcher ? languageSwitcher(request, locale as Locale) : ''));
  return reply.code(status).headers(pageSecurityHeaders(formAction)).type('text/html; charset=utf-8').send(branded);
}

/**
 * The page frame shared by every portal page; `wide`: a wider card on large screens (tables).
 * `locale`: the language the page is written in (its `lang`, and the switcher to the others);
 * without it, the page is English and has no switcher.
 */
/** The installable web app's head: its manifest, and the icon iOS puts on the Home Screen. */
const APP_HEAD = `<link rel="manifest" href="/.portcullis/manifest.webmanifest">
<link rel="apple-touch-icon" href="/.portcullis/static/push-icon-180.png">
<meta name="apple-mobile-web-app-capable" content="yes">
<meta name="theme-color" content="#1f3a5f">
`;

export function layout(
  title: string,
  body: string,
  opts: { script?: string; scripts?: readonly string[]; wide?: boolean; locale?: Locale; manifest?: boolean } = {},
): string {
  const scripts = [...(opts.scripts ?? []), ...(opts.script ? [opts.script] : [])];
  return `<!doctype html>
<html lang="${opts.locale ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(title)} · Portcullis</title>
<link rel="stylesheet" href="/.portcullis/static/portal.css">
${opts.manifest ? APP_HEAD : ''}${scripts.map((s) => `<script src="/.portcullis/static/${esc(s)}" defer></script>`).join('\n')}
</head>
<body>
<main class="card${opts.wide ? ' wide' : ''}">
${BRAND_SLOT}
${body}
${opts.locale ? `<!--languages:${opts.locale}-->` : ''}
</main>
</body>
</html>
`;
}
