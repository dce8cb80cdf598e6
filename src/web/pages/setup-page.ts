import { esc, layout } from '../html.ts';

/**
 * The first-administrator set-up page. The one-time token arrives in the URL fragment; a
 * same-origin script copies it into the form. Without JavaScript, paste the token printed at
 * start-up.
 */
export function setupPage(opts: { error?: string; username?: string; done?: boolean }): string {
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
${opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : ''}
<form method="post" action="/.portcullis/setup">
<label for="token">Set-up token</label>
<input id="token" name="token" autocomplete="off" required>
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${esc(opts.username ?? '')}">
<label for="password">Password (at least 12 characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="12" required>
<label for="confirm">Password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="12" required>
<button type="submit">Create administrator</button>
</form>`,
    { script: 'setup.js' },
  );
}
