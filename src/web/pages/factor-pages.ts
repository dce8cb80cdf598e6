import { keyProof, keyRegistration, WEBAUTHN_SCRIPTS } from '../../authn/factors/webauthn/webauthn-parts.ts';
import { esc, layout, type PageText } from '../html.ts';
import { ENGLISH_TEXT, isPageText, localeOf } from './english-text.ts';
import { formError, invalidIf } from './form-error.ts';

export const rdField = (rd: string | null) => (rd ? `<input type="hidden" name="rd" value="${esc(rd)}">` : '');

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * session.remember_device in words of the page's language (common.duration.*): days when it is
 * whole days or two days and more (rounded), else hours (rounded), else minutes. Without the
 * page's text (the older signature): English.
 */
export function trustPeriod(text: PageText, ms: number): string;
export function trustPeriod(ms: number): string;
export function trustPeriod(first: PageText | number, second?: number): string {
  const [text, ms] = typeof first === 'number' ? [ENGLISH_TEXT, first] : [first, second ?? 0];
  const [count, unit] =
    ms >= DAY && (ms % DAY === 0 || ms >= 2 * DAY)
      ? [Math.round(ms / DAY), 'day' as const]
      : ms >= HOUR
        ? [Math.round(ms / HOUR), 'hour' as const]
        : [Math.max(1, Math.round(ms / 60_000)), 'minute' as const];
  const form = new Intl.PluralRules(text.locale).select(count) === 'one' ? 'one' : 'other';
  return text.t(`common.duration.${unit}.${form}`, { count });
}

/**
 * A message with one value in markup (`Signed in as {user}.` with the user in `<strong>`): the
 * translated text split at the placeholder, each piece escaped around the marked-up value.
 */
function withMarkup(text: PageText, key: 'common.signedInAs', name: string, markup: string): string {
  const [before = '', after = ''] = text.t(key, { [name]: '\u0000' }).split('\u0000');
  return `${esc(before)}${markup}${esc(after)}`;
}

export const signedInAs = (text: PageText, user: string) =>
  withMarkup(text, 'common.signedInAs', 'user', `<strong>${esc(user)}</strong>`);

/** Messages that read as one paragraph, each its own element (escaped), a space between them. */
const sentences = (texts: readonly string[]) => texts.map((s) => `<span>${esc(s)}</span>`).join(' ');

/** What trusting this browser would change (device-trust.ts trustEffect), with the period in words. */
export interface TrustOffer {
  readonly period: string;
  readonly effect: 'skips_code' | 'other_pages';
}

/** The "trust this device" box, once per page, saying what it changes; plain HTML, a label around the box. */
function trustBox(text: PageText, offer: TrustOffer | null): string {
  if (offer === null) return '';
  const { t } = text;
  const [label, hint] =
    offer.effect === 'skips_code'
      ? [t('factors.trust.skipsCode', { period: offer.period }), t('factors.trust.skipsCodeHint')]
      : [t('factors.trust.otherPages', { period: offer.period }), t('factors.trust.otherPagesHint')];
  return `<label class="check"><input type="checkbox" name="trust" value="1" aria-describedby="trust-hint" data-trust> ${esc(label)}</label>
<p class="hint" id="trust-hint">${esc(hint)}</p>`;
}

/** Which ways of proving a second factor a page offers, in the order it lists them. */
export type ProofMethodName = 'webauthn' | 'totp' | 'recovery';

/** The name of each way, as the links to it say. */
const METHOD_NAMES = {
  webauthn: 'webauthn.heading',
  totp: 'factors.app',
  recovery: 'factors.recovery.label',
} as const;

/** The link to the step-up page showing one method (no JavaScript needed). */
const methodHref = (method: ProofMethodName, rd: string | null) =>
  `/.portcullis/stepup?${rd ? `rd=${encodeURIComponent(rd)}&amp;` : ''}method=${method}`;

/**
 * Asks for the second factor only, one way at a time: a security key or passkey, a code from
 * the authenticator app, or a recovery code, as the user has them and the rule accepts them
 * (`offered`, not empty), opening with `method`; links to the other ways (plain links, so the
 * choice works without JavaScript). `trust`: the offer to trust this browser, shown once, in the
 * way shown (null: not offered).
 */
export function stepUpPage(
  text: PageText,
  opts: {
    user: string;
    rd: string | null;
    error?: string;
    trust: TrustOffer | null;
    offered: readonly ProofMethodName[];
    method: ProofMethodName;
  },
): string {
  const { t } = text;
  // one way is shown at a time: an error is about its field
  const invalid = invalidIf(opts.error !== undefined);
  const trust = trustBox(text, opts.trust);
  const others = opts.offered.filter((m) => m !== opts.method);
  const sections: Record<ProofMethodName, () => string> = {
    webauthn: () => keyProof(text, opts.rd, trust),
    totp: () => `<section aria-labelledby="method-heading">
<h2 id="method-heading">${esc(t('factors.app'))}</h2>
<p>${esc(t('factors.stepup.totpLead'))}</p>
<form method="post" action="/.portcullis/stepup">
<label for="code">${esc(t('factors.code'))}</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="8" required autofocus${invalid}>
${trust}
${rdField(opts.rd)}
<button type="submit">${esc(t('factors.verify'))}</button>
</form>
</section>`,
    recovery: () => `<section aria-labelledby="method-heading">
<h2 id="method-heading">${esc(t('factors.recovery.heading'))}</h2>
<p>${esc(t('factors.recovery.lead'))}</p>
<form method="post" action="/.portcullis/recovery">
<label for="recovery">${esc(t('factors.recovery.label'))}</label>
<input id="recovery" name="code" autocomplete="off" autocapitalize="none" spellcheck="false" required autofocus${invalid}>
${trust}
${rdField(opts.rd)}
<button type="submit">${esc(t('factors.recovery.submit'))}</button>
</form>
</section>`,
  };
  const choices =
    others.length === 0
      ? ''
      : `<nav class="methods" aria-label="${esc(t('factors.stepup.choose'))}"><p>${esc(t('factors.stepup.otherWays'))}</p><ul>${others
          .map((m) => `<li><a href="${methodHref(m, opts.rd)}">${esc(t(METHOD_NAMES[m]))}</a></li>`)
          .join('')}</ul></nav>`;
  return layout(
    t('factors.stepup.title'),
    `<h1>${esc(t('factors.stepup.heading'))}</h1>
<p>${signedInAs(text, opts.user)}</p>
${formError(opts.error)}
${sections[opts.method]()}
${choices}
<p class="hint"><a href="/.portcullis/access-code${opts.rd ? `?rd=${esc(encodeURIComponent(opts.rd))}` : ''}">${esc(t('accessCode.link'))}</a></p>`,
    { ...(opts.method === 'webauthn' ? { scripts: WEBAUTHN_SCRIPTS } : {}), locale: text.locale },
  );
}

/** The link to set up what can be set up: one message per case (a key always comes first). */
const SET_UP = {
  webauthn: 'factors.setUp.webauthn',
  totp: 'factors.setUp.totp',
  both: 'factors.setUp.any',
} as const;

/** No second factor that the page accepts: the way to enrol one, when one can be. */
export function noFactorPage(
  text: PageText,
  opts: { user: string; rd: string | null; enrol: readonly ('webauthn' | 'totp')[] },
): string {
  const { t } = text;
  const which = opts.enrol.length > 1 ? 'both' : opts.enrol[0];
  const next =
    which === undefined
      ? `<p>${esc(t('factors.none.askAdmin'))}</p>`
      : `<p><a href="/.portcullis/enroll${opts.rd ? `?rd=${esc(encodeURIComponent(opts.rd))}` : ''}">${esc(t(SET_UP[which]))}</a></p>`;
  return layout(
    t('factors.none.title'),
    `<h1>${esc(t('factors.none.heading'))}</h1>
<p>${signedInAs(text, opts.user)} ${sentences([t('factors.none.lead')])}</p>
${next}`,
    { locale: text.locale },
  );
}

/**
 * Enrolment of what the page the user is going to accepts (everything without one): a security
 * key or passkey (`key`, with JavaScript), and an authenticator app (`totp`: the QR code as
 * inline SVG, the secret for typing, the confirming code).
 */
export function enrollPage(
  text: PageText,
  opts: {
    user: string;
    rd: string | null;
    error?: string;
    key: boolean;
    totp: { qrSvg: string; secret: string } | null;
    /** the user holds no second factor yet: say why one is needed */
    first?: boolean;
  },
): string {
  const { t } = text;
  const app = opts.totp
    ? `<section data-webauthn-hide aria-labelledby="app-heading">
<h2 id="app-heading">${esc(t('factors.app'))}</h2>
<p>${esc(t('factors.enroll.scan'))}</p>
<figure class="qr" aria-label="${esc(t('factors.enroll.qr'))}">${opts.totp.qrSvg}</figure>
<p>${esc(t('factors.enroll.typeKey'))} <code class="secret">${esc(opts.totp.secret.replace(/(.{4})/g, '$1 ').trim())}</code></p>
${formError(opts.error)}
<form method="post" action="/.portcullis/enroll">
<label for="code">${esc(t('factors.enroll.code'))}</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="8" required${opts.error ? `${invalidIf(true)} autofocus` : ''}>
${rdField(opts.rd)}
<button type="submit">${esc(t('factors.enroll.confirm'))}</button>
</form>
</section>`
    : opts.key
      ? `<p data-webauthn-hide>${esc(t('factors.enroll.keyOnly'))}</p>`
      : '';
  const key = opts.key
    ? keyRegistration(text, opts.rd)
    : opts.totp
      ? ''
      : `<p>${esc(t('factors.enroll.askAdmin'))}</p>`;
  return layout(
    t('factors.enroll.title'),
    `<h1>${esc(t('factors.enroll.title'))}</h1>
<p>${signedInAs(text, opts.user)}</p>
${opts.first ? `<p class="why">${esc(t('factors.enroll.why'))}</p>` : ''}
${key}
${app}`,
    { ...(opts.key ? { scripts: WEBAUTHN_SCRIPTS } : {}), locale: text.locale },
  );
}

type CodesOptions = {
  codes: readonly string[];
  next: string;
  heading: string;
  /** a paragraph: one text, or messages that read as one paragraph */
  note?: string | readonly string[];
};

/**
 * Shown once: the recovery codes, then on to where the user was going. `heading` and `note` are
 * the caller's, in the page's language. Without the page's text (the older signature): English,
 * no language switcher.
 */
export function recoveryCodesPage(text: PageText, opts: CodesOptions): string;
export function recoveryCodesPage(opts: CodesOptions): string;
export function recoveryCodesPage(first: PageText | CodesOptions, second?: CodesOptions): string {
  const [text, opts] = isPageText(first) ? [first, second as CodesOptions] : [ENGLISH_TEXT, first];
  const { t } = text;
  return layout(
    opts.heading,
    `<h1>${esc(opts.heading)}</h1>
${opts.note === undefined ? '' : `<p>${typeof opts.note === 'string' ? esc(opts.note) : sentences(opts.note)}</p>`}
${
  opts.codes.length > 0
    ? `<p>${esc(t('factors.codes.keep'))}</p>
<ul class="codes">${opts.codes.map((c) => `<li><code>${esc(c)}</code></li>`).join('')}</ul>`
    : ''
}
<p><a class="button" href="${esc(opts.next)}">${esc(t('common.continue'))}</a></p>`,
    localeOf(text),
  );
}
