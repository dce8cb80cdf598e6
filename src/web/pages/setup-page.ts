import { esc, layout } from '../html.ts';
import { formError, invalidIf } from './form-error.ts';

/** The fields of the set-up form, as an error names the one it is about. */
export type SetupField = 'token' | 'username' | 'password' | 'confirm';

/**
 * The first-administrator set-up page. The one-time token arrives in the URL fragment; a
 * same-origin script copies it into the form. Without JavaScript, paste the token printed at
 * start-up.
 */
export function setupPage(opts: { error?: string; field?: SetupField; username?: string; done?: boolean }): string {
  // the field in error is marked and has the focus
  const mark = (field: SetupField) =>
    opts.error !== undefined && opts.field === field ? `${invalidIf(true)} autofocus` : '';
  if (opts.done) {
    return layout(
      'Set-up complete',
      '<h1>Set-up complete</h1><p>The first administrator exists. <a href="/.portcullis/login">Sign in</a></p>',
    );
  }
  return layout(
    'Create the first administrator',
    `<h1>Create the first administrator</h1>
<p>No user exists yet. This one-time page creates the first administrator of this gateway.</p>
${formError(opts.error)}
<form method="post" action="/.portcullis/setup">
<label for="token">Set-up token</label>
<input id="token" name="token" autocomplete="off" required${mark('token')}>
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${esc(opts.username ?? '')}"${mark('username')}>
<label for="password">Password (at least 12 characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="12" required${mark('password')}>
<label for="confirm">Password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="12" required${mark('confirm')}>
<button type="submit">Create administrator</button>
</form>`,
    { script: 'setup.js' },
  );
}
