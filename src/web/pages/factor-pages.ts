import { esc, layout } from '../html.ts';
import { formError, invalidIf } from './form-error.ts';
import { keyProof, keyRegistration, WEBAUTHN_SCRIPTS } from './webauthn-parts.ts';

const TEXT = {
  trust: 'Trust this device for {period}',
  trustHint:
    'Until then, pages that allow trusted devices ask this browser for no second factor. Leave it unticked on a shared or public computer.',
} as const;

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

/** The "trust this device" box of a code form, with what it changes; plain HTML, a label around the box. */
const trustBox = (period: string | null) =>
  period === null
    ? ''
    : `<label class="check"><input type="checkbox" name="trust" value="1" aria-describedby="trust-hint"> ${esc(TEXT.trust.replace('{period}', period))}</label>
<p class="hint" id="trust-hint">${esc(TEXT.trustHint)}</p>`;

/** Which ways of proving a second factor a page offers. */
export interface ProofChoices {
  /** a registered security key or passkey */
  readonly webauthn: boolean;
  /** an authenticator app */
  readonly totp: boolean;
  /** recovery codes (not where the rule names the factors or needs a key) */
  readonly recovery: boolean;
}

/**
 * Asks for the second factor only: a security key or passkey, a code from the authenticator
 * app, or a recovery code, as the user has them and the rule accepts them. `trustFor`: the offer
 * to trust this device, in words (null: not offered), once per page: in the code form, else in the
 * recovery form; a key proof offers it on the account page.
 * `errorIn`: the form whose code the error is about (its field is marked and has the focus; the
 * recovery form is open then).
 */
export function stepUpPage(opts: {
  user: string;
  rd: string | null;
  error?: string;
  errorIn?: 'totp' | 'recovery';
  trustFor?: string | null;
  choices?: ProofChoices;
}): string {
  const c = opts.choices ?? { webauthn: false, totp: true, recovery: true };
  const box = trustBox(opts.trustFor ?? null);
  const inError = (form: 'totp' | 'recovery') => opts.error !== undefined && opts.errorIn === form;
  const focusCode = inError('totp') || (!c.webauthn && !inError('recovery'));
  const totp = c.totp
    ? `${c.webauthn ? '<h2>Authenticator app</h2>' : ''}<p>Enter the 6-digit code from your authenticator app.</p>
<form method="post" action="/.portcullis/stepup">
<label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="8" required${invalidIf(inError('totp'))}${focusCode ? ' autofocus' : ''}>
${box}
${rdField(opts.rd)}
<button type="submit">Verify</button>
</form>`
    : '';
  const recovery = c.recovery
    ? `<details${inError('recovery') ? ' open' : ''}><summary>Lost your device? Use a recovery code</summary>
<form method="post" action="/.portcullis/recovery">
<label for="recovery">Recovery code</label>
<input id="recovery" name="code" autocomplete="off" autocapitalize="none" spellcheck="false" required${inError('recovery') ? `${invalidIf(true)} autofocus` : ''}>
${c.totp ? '' : box}
${rdField(opts.rd)}
<button type="submit" class="secondary">Use recovery code</button>
</form></details>`
    : '';
  return layout(
    'Second factor',
    `<h1>Confirm it is you</h1>
<p>Signed in as <strong>${esc(opts.user)}</strong>.</p>
${formError(opts.error)}
${c.webauthn ? keyProof(opts.rd) : ''}
${totp}
${recovery}`,
    c.webauthn ? { scripts: WEBAUTHN_SCRIPTS } : {},
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
