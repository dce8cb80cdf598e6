import { esc, type PageText } from '../../../web/html.ts';
import { ENGLISH_TEXT, isPageText } from '../../../web/pages/english-text.ts';

/**
 * The parts of the pages that use security keys and passkeys. They need JavaScript
 * (static/webauthn.js on @simplewebauthn/browser), so they start hidden and the script shows
 * them when the browser can use WebAuthn; everything else on the pages works without it. The
 * script cannot read the catalogues: each part hands it its texts in `data-msg-*` attributes.
 * Each part takes the page's text first; the older signatures without it write English.
 */
export const WEBAUTHN_SCRIPTS = ['webauthn-browser.js', 'webauthn.js'] as const;

const rdAttr = (rd: string | null) => (rd ? ` data-rd="${esc(rd)}"` : '');
const errorBox = '<p class="error" role="alert" data-webauthn-error hidden></p>';

/** The texts the script shows, as data attributes (read as `dataset.msgCancelled` and so on). */
function scriptTexts(text: PageText, mode: 'signin' | 'verify' | 'register'): string {
  const { t } = text;
  const texts: Record<string, string> = {
    cancelled: t('webauthn.error.cancelled'),
    'already-registered': t('webauthn.error.alreadyRegistered'),
    browser: t('webauthn.error.browser'),
    unsupported: t('webauthn.error.unsupported'),
    unavailable: t(mode === 'register' ? 'webauthn.error.registrationUnavailable' : 'webauthn.error.signInUnavailable'),
    failed: t('webauthn.error.failed'),
    unexpected: t('webauthn.error.unexpected'),
    ...(mode === 'register' ? { 'default-name': t('webauthn.register.defaultName') } : {}),
  };
  return Object.entries(texts)
    .map(([name, value]) => ` data-msg-${name}="${esc(value)}"`)
    .join('');
}

/** "Sign in with a passkey" on the sign-in page (plus passkeys in the user-name autofill). */
export function passkeySignIn(text: PageText, rd: string | null): string;
/** @deprecated English only: pass the page's text first. */
export function passkeySignIn(rd: string | null): string;
export function passkeySignIn(first: PageText | string | null, second?: string | null): string {
  const [text, rd] = isPageText(first) ? [first, second ?? null] : [ENGLISH_TEXT, first];
  const { t } = text;
  return `<section class="alt" data-webauthn="signin"${rdAttr(rd)}${scriptTexts(text, 'signin')} hidden aria-labelledby="passkey-heading">
<h2 id="passkey-heading" class="visually-hidden">${esc(t('webauthn.passkey'))}</h2>
<p class="or"><span>${esc(t('webauthn.or'))}</span></p>
<button type="button" class="secondary">${esc(t('webauthn.signIn'))}</button>
${errorBox}
</section>`;
}

/**
 * Prove a registered key: second factor and step-up. `trust`: the "trust this device" box (its
 * HTML), which the script reads and, ticked, trusts the browser once the key is proven.
 */
export function keyProof(text: PageText, rd: string | null, trust = ''): string {
  const { t } = text;
  return `<section data-webauthn="verify"${rdAttr(rd)}${scriptTexts(text, 'verify')} hidden aria-labelledby="key-heading">
<h2 id="key-heading">${esc(t('webauthn.heading'))}</h2>
${trust}
<button type="button">${esc(t('webauthn.use'))}</button>
${errorBox}
</section>
<noscript><p class="hint">${esc(t('webauthn.noscript.use'))}</p></noscript>`;
}

type RegistrationOptions = { heading?: string };

/** Register a key or passkey; after the first factor, the recovery codes are shown once. */
export function keyRegistration(text: PageText, rd: string | null, opts?: RegistrationOptions): string;
/** @deprecated English only: pass the page's text first. */
export function keyRegistration(rd: string | null, opts?: RegistrationOptions): string;
export function keyRegistration(
  first: PageText | string | null,
  second?: string | null | RegistrationOptions,
  third: RegistrationOptions = {},
): string {
  const [text, rd, opts] = isPageText(first)
    ? [first, (second ?? null) as string | null, third]
    : [ENGLISH_TEXT, first, (second ?? {}) as RegistrationOptions];
  const { t } = text;
  return `<section data-webauthn="register"${rdAttr(rd)}${scriptTexts(text, 'register')} data-webauthn-hide hidden aria-labelledby="register-heading">
<h2 id="register-heading">${esc(opts.heading ?? t('webauthn.heading'))}</h2>
<p>${esc(t('webauthn.register.lead'))}</p>
<label for="key-name">${esc(t('webauthn.register.name'))}</label>
<input id="key-name" name="key-name" maxlength="64" value="${esc(t('webauthn.register.defaultName'))}" autocomplete="off">
<button type="button">${esc(t('webauthn.register.submit'))}</button>
${errorBox}
</section>
<section data-webauthn-done hidden aria-labelledby="done-heading">
<h2 id="done-heading">${esc(t('webauthn.done.heading'))}</h2>
<p>${esc(t('webauthn.done.codes'))}</p>
<ol class="codes"></ol>
<p><a class="button" href="/.portcullis/">${esc(t('common.continue'))}</a></p>
</section>
<noscript><p class="hint">${esc(t('webauthn.noscript.register'))}</p></noscript>`;
}
