import { esc, layout } from '../html.ts';
import { formError, invalidIf } from './form-error.ts';
import { passkeySignIn, WEBAUTHN_SCRIPTS } from './webauthn-parts.ts';

/**
 * The sign-in form. Works without JavaScript: a plain POST to /.portcullis/login. With it, a
 * passkey can sign in instead (a button, and the user-name field's autofill).
 */
export function loginPage(opts: { rd: string | null; error?: string; username?: string; notice?: string }): string {
  // the error is about the pair: either may be wrong, and the answer does not say which
  const invalid = invalidIf(opts.error !== undefined);
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
${opts.notice ? `<p class="notice" role="status">${esc(opts.notice)}</p>` : ''}
${formError(opts.error)}
<form method="post" action="/.portcullis/login">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username webauthn" autocapitalize="none" spellcheck="false" required value="${esc(opts.username ?? '')}"${invalid}${opts.username ? '' : ' autofocus'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}${opts.username ? ' autofocus' : ''}>
${opts.rd ? `<input type="hidden" name="rd" value="${esc(opts.rd)}">` : ''}
<button type="submit">Sign in</button>
</form>
${passkeySignIn(opts.rd)}`,
    { scripts: WEBAUTHN_SCRIPTS },
  );
}

/**
 * Single sign-on hand-off to another served host: a form that POSTs a one-time code to that
 * host (never in a URL). A tiny same-origin script submits it; without JavaScript the person
 * presses Continue.
 */
export function handoffPage(opts: { action: string; code: string; rd: string }): string {
  return layout(
    'Signing you in',
    `<h1>Signing you in…</h1>
<form method="post" action="${esc(opts.action)}" id="handoff">
<input type="hidden" name="code" value="${esc(opts.code)}">
<input type="hidden" name="rd" value="${esc(opts.rd)}">
<button type="submit">Continue</button>
</form>`,
    { script: 'autosubmit.js' },
  );
}

export function logoutPage(opts: { signedIn: boolean; user?: string }): string {
  return layout(
    opts.signedIn ? 'Sign out' : 'Signed out',
    opts.signedIn
      ? `<h1>Sign out</h1>
<p>Signed in as <strong>${esc(opts.user)}</strong>.</p>
<form method="post" action="/.portcullis/logout"><button type="submit">Sign out</button></form>`
      : `<h1>Signed out</h1><p>You are signed out. <a href="/.portcullis/login">Sign in again</a></p>`,
  );
}
