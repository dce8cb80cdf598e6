import { esc, type PageText } from '../../../web/html.ts';
import { rdField } from '../../../web/pages/rd-field.ts';
import type { StepUpPartOptions } from '../factor.ts';

/** A recovery code on the step-up page, posted to /recovery. */
export function recoveryStepUpPart(text: PageText, opts: StepUpPartOptions): string {
  const { t } = text;
  return `<section aria-labelledby="method-heading">
<h2 id="method-heading">${esc(t('factors.recovery.heading'))}</h2>
<p>${esc(t('factors.recovery.lead'))}</p>
<form method="post" action="/.portcullis/recovery">
<label for="recovery">${esc(t('factors.recovery.label'))}</label>
<input id="recovery" name="code" autocomplete="off" autocapitalize="none" spellcheck="false" required autofocus${opts.invalid}>
${opts.trust}
${rdField(opts.rd)}
<button type="submit">${esc(t('factors.recovery.submit'))}</button>
</form>
</section>`;
}

/**
 * After a recovery code: accepted, how many remain, what to do about a lost device and, when the
 * box was ticked and the trust went through, until when this device is trusted.
 */
export function recoveryNote(text: PageText, remaining: number, trustedUntil: number | null): string[] {
  const { t } = text;
  const form = new Intl.PluralRules(text.locale).select(remaining) === 'one' ? 'one' : 'other';
  return [
    t('factors.recovery.accepted'),
    t(`factors.recovery.remaining.${form}`, { count: remaining }),
    t('factors.recovery.newAuthenticator'),
    ...(trustedUntil === null ? [] : [t('factors.trustedUntil', { date: text.when(trustedUntil) })]),
  ];
}
