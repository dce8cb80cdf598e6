import { esc } from '../html.ts';

/**
 * The parts of the pages that use security keys and passkeys. They need JavaScript
 * (static/webauthn.js on @simplewebauthn/browser), so they start hidden and the script shows
 * them when the browser can use WebAuthn; everything else on the pages works without it.
 */
export const WEBAUTHN_SCRIPTS = ['webauthn-browser.js', 'webauthn.js'] as const;

const rdAttr = (rd: string | null) => (rd ? ` data-rd="${esc(rd)}"` : '');
const errorBox = '<p class="error" role="alert" data-webauthn-error hidden></p>';

/** "Sign in with a passkey" on the sign-in page (plus passkeys in the user-name autofill). */
export function passkeySignIn(rd: string | null): string {
  return `<section class="alt" data-webauthn="signin"${rdAttr(rd)} hidden aria-labelledby="passkey-heading">
<h2 id="passkey-heading" class="visually-hidden">Passkey</h2>
<p class="or"><span>or</span></p>
<button type="button" class="secondary">Sign in with a passkey</button>
${errorBox}
</section>`;
}

/**
 * Prove a registered key: second factor and step-up. `trust`: the "trust this device" box (its
 * HTML), which the script reads and, ticked, trusts the browser once the key is proven.
 */
export function keyProof(rd: string | null, trust = ''): string {
  return `<section data-webauthn="verify"${rdAttr(rd)} hidden aria-labelledby="key-heading">
<h2 id="key-heading">Security key or passkey</h2>
${trust}
<button type="button">Use your security key or passkey</button>
${errorBox}
</section>
<noscript><p class="hint">Security keys and passkeys need JavaScript in this browser.</p></noscript>`;
}

/** Register a key or passkey; after the first factor, the recovery codes are shown once. */
export function keyRegistration(rd: string | null, opts: { heading?: string } = {}): string {
  return `<section data-webauthn="register"${rdAttr(rd)} data-webauthn-hide hidden aria-labelledby="register-heading">
<h2 id="register-heading">${esc(opts.heading ?? 'Security key or passkey')}</h2>
<p>A hardware security key (YubiKey, Titan, …) or this device's passkey (Windows Hello, Touch ID, Android). Phishing pages cannot use it.</p>
<label for="key-name">Name it</label>
<input id="key-name" name="key-name" maxlength="64" value="Security key" autocomplete="off">
<button type="button">Register a security key or passkey</button>
${errorBox}
</section>
<section data-webauthn-done hidden aria-labelledby="done-heading">
<h2 id="done-heading">Security key added</h2>
<p>Keep these recovery codes somewhere safe, apart from your key. Each works once, if you lose the key. They are shown only now.</p>
<ol class="codes"></ol>
<p><a class="button" href="/.portcullis/">Continue</a></p>
</section>
<noscript><p class="hint">Registering a security key or passkey needs JavaScript in this browser.</p></noscript>`;
}
