import { esc, layout } from '../html.ts';
import { formError, invalidIf } from './form-error.ts';
import { keyProof, keyRegistration, WEBAUTHN_SCRIPTS } from './webauthn-parts.ts';

const rdField = (rd: string | null) => (rd ? `<input type="hidden" name="rd" value="${esc(rd)}">` : '');

/** The enrolment page's words for someone setting up a first second factor. */
const ENROL_TEXT = {
  why: 'A second factor keeps your account safe even when someone learns your password: signing in also needs something only you have, such as your phone or a security key. It takes a minute.',
} as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * session.remember_device in words: days when it is whole days or two days and more (rounded),
 * else hours (rounded), else minutes.
 */
export function trustPeriod(ms: number): string {
  const [n, unit] =
    ms >= DAY && (ms % DAY === 0 || ms >= 2 * DAY)
      ? [Math.round(ms / DAY), 'day']
      : ms >= HOUR
        ? [Math.round(ms / HOUR), 'hour']
        : [Math.max(1, Math.round(ms / 60_000)), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** The step-up page's strings (one place, for the catalogues to come). */
const STEP_UP_TEXT = {
  title: 'Second factor',
  heading: 'Confirm it is you',
  signedInAs: 'Signed in as {user}.',
  choose: 'Ways to confirm',
  otherWays: 'Or use another way:',
  method: {
    webauthn: 'Security key or passkey',
    totp: 'Authenticator app',
    recovery: 'Recovery code',
  },
  totpIntro: 'Enter the 6-digit code from your authenticator app.',
  code: 'Code',
  verify: 'Verify',
  recoveryHeading: 'Use a recovery code',
  recoveryIntro: 'Lost your device? Enter one of the recovery codes you saved. Each works once.',
  recoveryCode: 'Recovery code',
  useRecovery: 'Use recovery code',
  trustSkipsCode: "Don't ask for a code on this browser for {period}",
  trustSkipsCodeHint:
    'This page will then let this browser in with your password alone. Do not tick this on a shared computer.',
  trustOtherPages: 'Trust this browser for {period}',
  trustOtherPagesHint:
    'Some pages ask for less on a trusted browser; this one will still ask for a code. Do not tick this on a shared computer.',
} as const;

const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');

/** What trusting this browser would change (device-trust.ts trustEffect), with the period in words. */
export interface TrustOffer {
  readonly period: string;
  readonly effect: 'skips_code' | 'other_pages';
}

/** The "trust this device" box, once per page, saying what it changes; plain HTML, a label around the box. */
function trustBox(offer: TrustOffer | null): string {
  if (offer === null) return '';
  const [label, hint] =
    offer.effect === 'skips_code'
      ? [STEP_UP_TEXT.trustSkipsCode, STEP_UP_TEXT.trustSkipsCodeHint]
      : [STEP_UP_TEXT.trustOtherPages, STEP_UP_TEXT.trustOtherPagesHint];
  return `<label class="check"><input type="checkbox" name="trust" value="1" aria-describedby="trust-hint" data-trust> ${esc(fill(label, { period: offer.period }))}</label>
<p class="hint" id="trust-hint">${esc(hint)}</p>`;
}

/** Which ways of proving a second factor a page offers, in the order it lists them. */
export type ProofMethodName = 'webauthn' | 'totp' | 'recovery';

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
export function stepUpPage(opts: {
  user: string;
  rd: string | null;
  error?: string;
  trust: TrustOffer | null;
  offered: readonly ProofMethodName[];
  method: ProofMethodName;
}): string {
  const t = STEP_UP_TEXT;
  // one way is shown at a time: an error is about its field
  const invalid = invalidIf(opts.error !== undefined);
  const trust = trustBox(opts.trust);
  const others = opts.offered.filter((m) => m !== opts.method);
  const sections: Record<ProofMethodName, () => string> = {
    webauthn: () => keyProof(opts.rd, trust),
    totp: () => `<section aria-labelledby="method-heading">
<h2 id="method-heading">${esc(t.method.totp)}</h2>
<p>${esc(t.totpIntro)}</p>
<form method="post" action="/.portcullis/stepup">
<label for="code">${esc(t.code)}</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="8" required autofocus${invalid}>
${trust}
${rdField(opts.rd)}
<button type="submit">${esc(t.verify)}</button>
</form>
</section>`,
    recovery: () => `<section aria-labelledby="method-heading">
<h2 id="method-heading">${esc(t.recoveryHeading)}</h2>
<p>${esc(t.recoveryIntro)}</p>
<form method="post" action="/.portcullis/recovery">
<label for="recovery">${esc(t.recoveryCode)}</label>
<input id="recovery" name="code" autocomplete="off" autocapitalize="none" spellcheck="false" required autofocus${invalid}>
${trust}
${rdField(opts.rd)}
<button type="submit">${esc(t.useRecovery)}</button>
</form>
</section>`,
  };
  const choices =
    others.length === 0
      ? ''
      : `<nav class="methods" aria-label="${esc(t.choose)}"><p>${esc(t.otherWays)}</p><ul>${others
          .map((m) => `<li><a href="${methodHref(m, opts.rd)}">${esc(t.method[m])}</a></li>`)
          .join('')}</ul></nav>`;
  return layout(
    t.title,
    `<h1>${esc(t.heading)}</h1>
<p>${fill(esc(t.signedInAs), { user: `<strong>${esc(opts.user)}</strong>` })}</p>
${formError(opts.error)}
${sections[opts.method]()}
${choices}`,
    opts.method === 'webauthn' ? { scripts: WEBAUTHN_SCRIPTS } : {},
  );
}

/** What can be set up, in words, for a link. */
const SET_UP: Record<'webauthn' | 'totp', string> = {
  webauthn: 'a security key or a passkey',
  totp: 'an authenticator app',
};

/** No second factor that the page accepts: the way to enrol one, when one can be. */
export function noFactorPage(opts: {
  user: string;
  rd: string | null;
  enrol: readonly ('webauthn' | 'totp')[];
}): string {
  const next =
    opts.enrol.length === 0
      ? `<p>None of the second factors this page accepts can be set up here. Ask your administrator.</p>`
      : `<p><a href="/.portcullis/enroll${opts.rd ? `?rd=${esc(encodeURIComponent(opts.rd))}` : ''}">Set up ${opts.enrol.map((m) => SET_UP[m]).join(' or ')}</a></p>`;
  return layout(
    'Second factor needed',
    `<h1>A second factor is needed</h1>
<p>Signed in as <strong>${esc(opts.user)}</strong>. This page needs a second factor that your account does not have yet.</p>
${next}`,
  );
}

/**
 * Enrolment of what the page the user is going to accepts (everything without one): a security
 * key or passkey (`key`, with JavaScript), and an authenticator app (`totp`: the QR code as
 * inline SVG, the secret for typing, the confirming code).
 */
export function enrollPage(opts: {
  user: string;
  rd: string | null;
  error?: string;
  key: boolean;
  totp: { qrSvg: string; secret: string } | null;
  /** the user holds no second factor yet: say why one is needed */
  first?: boolean;
}): string {
  const app = opts.totp
    ? `<section data-webauthn-hide aria-labelledby="app-heading">
<h2 id="app-heading">Authenticator app</h2>
<p>Scan this code with an authenticator app (for example Microsoft Authenticator, Google Authenticator, 1Password or Bitwarden), then enter the 6-digit code it shows.</p>
<figure class="qr" aria-label="QR code of the secret">${opts.totp.qrSvg}</figure>
<p>Or type this key: <code class="secret">${esc(opts.totp.secret.replace(/(.{4})/g, '$1 ').trim())}</code></p>
${formError(opts.error)}
<form method="post" action="/.portcullis/enroll">
<label for="code">Code from the app</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="8" required${opts.error ? `${invalidIf(true)} autofocus` : ''}>
${rdField(opts.rd)}
<button type="submit">Confirm</button>
</form>
</section>`
    : opts.key
      ? `<p data-webauthn-hide>The page you are going to needs a security key or passkey: an authenticator app is not enough there.</p>`
      : '';
  const key = opts.key
    ? keyRegistration(opts.rd)
    : opts.totp
      ? ''
      : `<p>None of the second factors the page you are going to accepts can be set up here. Ask your administrator.</p>`;
  return layout(
    'Set up a second factor',
    `<h1>Set up a second factor</h1>
<p>Signed in as <strong>${esc(opts.user)}</strong>.</p>
${opts.first ? `<p class="why">${esc(ENROL_TEXT.why)}</p>` : ''}
${key}
${app}`,
    opts.key ? { scripts: WEBAUTHN_SCRIPTS } : {},
  );
}

/** Shown once: the recovery codes, then on to where the user was going. */
export function recoveryCodesPage(opts: {
  codes: readonly string[];
  next: string;
  heading: string;
  note?: string;
}): string {
  return layout(
    opts.heading,
    `<h1>${esc(opts.heading)}</h1>
${opts.note ? `<p>${esc(opts.note)}</p>` : ''}
${
  opts.codes.length > 0
    ? `<p>Keep these recovery codes somewhere safe. Each one works once, when you cannot use your authenticator. They are shown only now.</p>
<ul class="codes">${opts.codes.map((c) => `<li><code>${esc(c)}</code></li>`).join('')}</ul>`
    : ''
}
<p><a class="button" href="${esc(opts.next)}">Continue</a></p>`,
  );
}
