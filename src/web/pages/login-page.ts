import { passkeySignIn, WEBAUTHN_SCRIPTS } from '../../authn/factors/webauthn/webauthn-parts.ts';
import { around, esc, layout, type PageText } from '../html.ts';
import { formError, invalidIf } from './form-error.ts';
import { type ProviderLink, providerButton } from './provider-link.ts';

/**
 * The sign-in form. Works without JavaScript: a plain POST to /.portcullis/login. With it, a
 * passkey can sign in instead (a button, and the user-name field's autofill).
 */
export function loginPage(
  text: PageText,
  opts: {
    rd: string | null;
    error?: string;
    username?: string;
    notice?: string;
    /** "Sign in with ..." for the identity providers that serve where rd goes (idp/provider-choices.ts) */
    providers?: readonly ProviderLink[];
  },
): string {
  const { t } = text;
  const providers = opts.providers ?? [];
  const withProvider =
    providers.length === 0
      ? ''
      : `<ul class="providers">${providers.map((p) => `<li>${providerButton(text, p)}</li>`).join('')}</ul>
<p>${esc(t('login.orPassword'))}</p>`;
  // the error is about the pair: either may be wrong, and the answer does not say which
  const invalid = invalidIf(opts.error !== undefined);
  return layout(
    t('login.title'),
    `<h1>${esc(t('login.title'))}</h1>
${opts.notice ? `<p class="notice" role="status">${esc(opts.notice)}</p>` : ''}
${formError(opts.error)}
${withProvider}
<form method="post" action="/.portcullis/login">
<label for="username">${esc(t('login.username'))}</label>
<input id="username" name="username" autocomplete="username webauthn" autocapitalize="none" spellcheck="false" required value="${esc(opts.username ?? '')}"${invalid}${opts.username ? '' : ' autofocus'}>
<label for="password">${esc(t('login.password'))}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}${opts.username ? ' autofocus' : ''}>
${opts.rd ? `<input type="hidden" name="rd" value="${esc(opts.rd)}">` : ''}
<button type="submit">${esc(t('login.submit'))}</button>
</form>
${passkeySignIn(text, opts.rd)}`,
    { scripts: WEBAUTHN_SCRIPTS, locale: text.locale },
  );
}

/**
 * Single sign-on hand-off to another served host: a form that POSTs a one-time code to that
 * host (never in a URL). A tiny same-origin script submits it; without JavaScript the person
 * presses Continue.
 */
export function handoffPage(text: PageText, opts: { action: string; code: string; rd: string }): string {
  const { t } = text;
  return layout(
    t('login.handoff.title'),
    `<h1>${esc(t('login.handoff.heading'))}</h1>
<form method="post" action="${esc(opts.action)}" id="handoff">
<input type="hidden" name="code" value="${esc(opts.code)}">
<input type="hidden" name="rd" value="${esc(opts.rd)}">
<button type="submit">${esc(t('common.continue'))}</button>
</form>`,
    { script: 'autosubmit.js', locale: text.locale },
  );
}

export function logoutPage(text: PageText, opts: { signedIn: boolean; user?: string }): string {
  const { t } = text;
  return layout(
    opts.signedIn ? t('common.signOut') : t('login.signedOut.title'),
    opts.signedIn
      ? `<h1>${esc(t('common.signOut'))}</h1>
<p>${around(text, 'common.signedInAs', 'user', `<strong>${esc(opts.user)}</strong>`)}</p>
<form method="post" action="/.portcullis/logout"><button type="submit">${esc(t('common.signOut'))}</button></form>`
      : `<h1>${esc(t('login.signedOut.title'))}</h1><p>${esc(t('login.signedOut.lead'))} <a href="/.portcullis/login">${esc(t('login.signedOut.again'))}</a></p>`,
    { locale: text.locale },
  );
}
