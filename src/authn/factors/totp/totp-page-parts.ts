import { esc, type PageText } from '../../../web/html.ts';
import { formError, invalidIf } from '../../../web/pages/form-error.ts';
import { rdField } from '../../../web/pages/rd-field.ts';
import type { StepUpPartOptions } from '../factor.ts';

/** The authenticator app on the step-up page: its code, posted to /stepup. */
export function totpStepUpPart(text: PageText, opts: StepUpPartOptions): string {
  const { t } = text;
  return `<section aria-labelledby="method-heading">
<h2 id="method-heading">${esc(t('factors.app'))}</h2>
<p>${esc(t('factors.stepup.totpLead'))}</p>
<form method="post" action="/.portcullis/stepup">
<label for="code">${esc(t('factors.code'))}</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="8" required autofocus${opts.invalid}>
${opts.trust}
${rdField(opts.rd)}
<button type="submit">${esc(t('factors.verify'))}</button>
</form>
</section>`;
}

/**
 * A new authenticator app on the enrolment page: the QR code as inline SVG, the secret for
 * typing, the confirming code (posted to /enroll). Hidden by the key's script once a key is
 * registered instead.
 */
export function totpEnrolPart(
  text: PageText,
  opts: { rd: string | null; error?: string | undefined; qrSvg: string; secret: string },
): string {
  const { t } = text;
  return `<section data-webauthn-hide aria-labelledby="app-heading">
<h2 id="app-heading">${esc(t('factors.app'))}</h2>
<p>${esc(t('factors.enroll.scan'))}</p>
<figure class="qr" aria-label="${esc(t('factors.enroll.qr'))}">${opts.qrSvg}</figure>
<p>${esc(t('factors.enroll.typeKey'))} <code class="secret">${esc(opts.secret.replace(/(.{4})/g, '$1 ').trim())}</code></p>
${formError(opts.error)}
<form method="post" action="/.portcullis/enroll">
<label for="code">${esc(t('factors.enroll.code'))}</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="8" required${opts.error ? `${invalidIf(true)} autofocus` : ''}>
${rdField(opts.rd)}
<button type="submit">${esc(t('factors.enroll.confirm'))}</button>
</form>
</section>`;
}

/** In the app's place when the page the user is going to takes only keys: why there is no app to set up. */
export function keyOnlyNote(text: PageText): string {
  return `<p data-webauthn-hide>${esc(text.t('factors.enroll.keyOnly'))}</p>`;
}
