import { esc, layout, type PageText } from '../html.ts';
import { signedInAs } from './factor-pages.ts';
import { formError, invalidIf } from './form-error.ts';
import { rdField } from './rd-field.ts';

/**
 * After the password, for a user who lost their second factor: the one-time code an
 * administrator gave them (`portcullis access-code`). It leads only to enrolling a new factor.
 */
export function accessCodePage(text: PageText, opts: { user: string; rd: string | null; error?: string }): string {
  const { t } = text;
  const back = `/.portcullis/stepup${opts.rd ? `?rd=${encodeURIComponent(opts.rd)}` : ''}`;
  return layout(
    t('accessCode.title'),
    `<h1>${esc(t('accessCode.heading'))}</h1>
<p>${signedInAs(text, opts.user)}</p>
<p>${esc(t('accessCode.lead'))}</p>
${formError(opts.error)}
<form method="post" action="/.portcullis/access-code">
<label for="code">${esc(t('accessCode.label'))}</label>
<input id="code" name="code" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="64" required autofocus${invalidIf(opts.error !== undefined)}>
${rdField(opts.rd)}
<button type="submit">${esc(t('accessCode.submit'))}</button>
</form>
<p><a href="${esc(back)}">${esc(t('accessCode.back'))}</a></p>`,
    { locale: text.locale },
  );
}
