import { type EnrolMethod, enrollable, factorNamed, type ProofMethod } from '../../authn/factors/index.ts';
import { esc, layout, type PageText } from '../html.ts';
import { ENGLISH_TEXT } from './english-text.ts';
import { formError, invalidIf } from './form-error.ts';
import { type ProviderLink, providerButton } from './provider-link.ts';
import { sentences } from './sentences.ts';

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
export type ProofMethodName = ProofMethod;

/** The link to the step-up page showing one method (no JavaScript needed). */
const methodHref = (method: ProofMethodName, rd: string | null) =>
  `/.portcullis/stepup?${rd ? `rd=${encodeURIComponent(rd)}&amp;` : ''}method=${method}`;

/**
 * Asks for the second factor only, one way at a time, as the user has them and the rule accepts
 * them (`offered`, not empty), opening with `method`: the part of that factor (factors/index.ts),
 * then links to the other ways (plain links, so the choice works without JavaScript). `trust`:
 * the offer to trust this browser, shown once, in the way shown (null: not offered).
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
    /** sign in again at the identity provider instead (idp/provider-choices.ts reauthChoice) */
    again?: ProviderLink | null;
  },
): string {
  const { t } = text;
  const shown = factorNamed(opts.method).stepUp;
  // one way is shown at a time: an error is about its field
  const part = shown.html(text, {
    rd: opts.rd,
    trust: trustBox(text, opts.trust),
    invalid: invalidIf(opts.error !== undefined),
  });
  const others = opts.offered.filter((m) => m !== opts.method);
  const choices =
    others.length === 0
      ? ''
      : `<nav class="methods" aria-label="${esc(t('factors.stepup.choose'))}"><p>${esc(t('factors.stepup.otherWays'))}</p><ul>${others
          .map((m) => `<li><a href="${methodHref(m, opts.rd)}">${esc(t(factorNamed(m).stepUp.label))}</a></li>`)
          .join('')}</ul></nav>`;
  return layout(
    t('factors.stepup.title'),
    `<h1>${esc(t('factors.stepup.heading'))}</h1>
<p>${signedInAs(text, opts.user)}</p>
${formError(opts.error)}
${part}
${choices}
${againLink(text, opts.again)}
<p class="hint"><a href="/.portcullis/access-code${opts.rd ? `?rd=${esc(encodeURIComponent(opts.rd))}` : ''}">${esc(t('accessCode.link'))}</a></p>`,
    { ...('scripts' in shown ? { scripts: shown.scripts } : {}), locale: text.locale },
  );
}

/** "Sign in with ..." again at the identity provider that signed the session in, when that meets the page's rule. */
function againLink(text: PageText, again: ProviderLink | null | undefined): string {
  return again === null || again === undefined ? '' : `<p>${providerButton(text, again)}</p>`;
}

/** No second factor that the page accepts: the way to enrol one, when one can be (the link names it when it is the only one). */
export function noFactorPage(
  text: PageText,
  opts: {
    user: string;
    rd: string | null;
    enrol: readonly EnrolMethod[];
    again?: ProviderLink | null;
    /** the page wants a recent sign-in (level password with max_age), not a second factor */
    fresh?: boolean;
  },
): string {
  const { t } = text;
  const only = opts.enrol.length === 1 ? factorNamed(opts.enrol[0] as EnrolMethod).enrolment.setUp : undefined;
  const setUp = opts.enrol.length > 1 ? 'factors.setUp.any' : only;
  const next =
    setUp === undefined
      ? `<p>${esc(t('factors.none.askAdmin'))}</p>`
      : `<p><a href="/.portcullis/enroll${opts.rd ? `?rd=${esc(encodeURIComponent(opts.rd))}` : ''}">${esc(t(setUp))}</a></p>`;
  // signing in again at the identity provider is the way: first, a second factor only besides
  if (opts.fresh === true && opts.again) {
    return layout(
      t('factors.again.title'),
      `<h1>${esc(t('factors.again.heading'))}</h1>
<p>${signedInAs(text, opts.user)} ${sentences([t('factors.again.lead')])}</p>
${againLink(text, opts.again)}
${setUp === undefined ? '' : next}`,
      { locale: text.locale },
    );
  }
  return layout(
    t('factors.none.title'),
    `<h1>${esc(t('factors.none.heading'))}</h1>
<p>${signedInAs(text, opts.user)} ${sentences([t('factors.none.lead')])}</p>
${next}
${againLink(text, opts.again)}`,
    { locale: text.locale },
  );
}

/**
 * Enrolment of what the page the user is going to accepts (everything without one): one place
 * per factor that can be enrolled here, in the list's order (a key or passkey first, then an
 * authenticator app), holding its part (`parts`, drawn by the factor) when offered, else what
 * the factor says in its place while others are offered; when none is, the way to ask the
 * administrator.
 */
export function enrollPage(
  text: PageText,
  opts: {
    user: string;
    /** the parts of the factors offered, by method */
    parts: ReadonlyMap<EnrolMethod, string>;
    /** the user holds no second factor yet: say why one is needed */
    first?: boolean;
  },
): string {
  const { t } = text;
  const factors = enrollable();
  const offered = factors.filter((f) => opts.parts.has(f.method));
  const places = factors.map(
    (f) => opts.parts.get(f.method) ?? (offered.length > 0 ? (f.enrolment.notOffered?.(text, offered) ?? '') : ''),
  );
  if (offered.length === 0) places[0] = `<p>${esc(t('factors.enroll.askAdmin'))}</p>`;
  const scripts = [...new Set(offered.flatMap((f) => f.enrolment.scripts ?? []))];
  return layout(
    t('factors.enroll.title'),
    `<h1>${esc(t('factors.enroll.title'))}</h1>
<p>${signedInAs(text, opts.user)}</p>
${opts.first ? `<p class="why">${esc(t('factors.enroll.why'))}</p>` : ''}
${places.join('\n')}`,
    { ...(scripts.length > 0 ? { scripts } : {}), locale: text.locale },
  );
}
