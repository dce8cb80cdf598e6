import { MIN_PASSWORD_LENGTH } from '../../users/password.ts';
import { esc, layout, type PageText } from '../html.ts';
import { formError, invalidIf } from './form-error.ts';

/** The fields of the set-up form, as an error names the one it is about. */
export type SetupField = 'token' | 'username' | 'password' | 'confirm';

/**
 * The first-administrator set-up page. The one-time token arrives in the URL fragment; a
 * same-origin script copies it into the form. Without JavaScript, paste the token printed at
 * start-up.
 */
export function setupPage(
  text: PageText,
  opts: { error?: string; field?: SetupField; username?: string; done?: boolean },
): string {
  const { t } = text;
  // the field in error is marked and has the focus
  const mark = (field: SetupField) =>
    opts.error !== undefined && opts.field === field ? `${invalidIf(true)} autofocus` : '';
  if (opts.done) {
    return layout(
      t('setup.done.title'),
      `<h1>${esc(t('setup.done.title'))}</h1><p>${esc(t('setup.done.lead'))} <a href="/.portcullis/login">${esc(t('login.submit'))}</a></p>`,
      { locale: text.locale },
    );
  }
  return layout(
    t('setup.title'),
    `<h1>${esc(t('setup.title'))}</h1>
<p>${esc(t('setup.lead'))}</p>
${formError(opts.error)}
<form method="post" action="/.portcullis/setup">
<label for="token">${esc(t('setup.token'))}</label>
<input id="token" name="token" autocomplete="off" required${mark('token')}>
<label for="username">${esc(t('login.username'))}</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${esc(opts.username ?? '')}"${mark('username')}>
<label for="password">${esc(t('setup.password', { min: MIN_PASSWORD_LENGTH }))}</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required${mark('password')}>
<label for="confirm">${esc(t('setup.confirm'))}</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required${mark('confirm')}>
<button type="submit">${esc(t('setup.submit'))}</button>
</form>`,
    { script: 'setup.js', locale: text.locale },
  );
}
