import { esc, layout, type PageText } from '../../../web/html.ts';
import { signedInAs } from '../../../web/pages/factor-pages.ts';
import { rdField } from '../../../web/pages/rd-field.ts';
import type { StepUpPartOptions } from '../factor.ts';

/** Push on the step-up page: a button that sends a request to the user's phones (`POST /push/send`). */
export function pushStepUpPart(text: PageText, opts: StepUpPartOptions): string {
  const { t } = text;
  return `<section aria-labelledby="method-heading">
<h2 id="method-heading">${esc(t('push.label'))}</h2>
<p>${esc(t('push.lead'))}</p>
<form method="post" action="/.portcullis/push/send">
${opts.trust}
${rdField(opts.rd)}
<button type="submit">${esc(t('push.send'))}</button>
</form>
</section>`;
}

/**
 * The page while the phone has the request: the number to pick there (large, read out by screen
 * readers with its label), and the form that goes on once it is approved (no JavaScript needed).
 * `trust`: the "trust this device" box was ticked on the step-up page.
 */
export function pushWaitPage(
  text: PageText,
  opts: { user: string; rd: string | null; rid: string; number: number; trust: boolean; note?: string },
): string {
  const { t } = text;
  return layout(
    t('push.wait.title'),
    `<h1>${esc(t('push.wait.heading'))}</h1>
<p>${signedInAs(text, opts.user)}</p>
<p>${esc(t('push.wait.lead'))}</p>
<p class="push-number" aria-label="${esc(t('push.wait.number'))}: ${opts.number}"><strong>${opts.number}</strong></p>
${opts.note ? `<p class="hint" role="status">${esc(opts.note)}</p>` : ''}
<form method="post" action="/.portcullis/push/check">
<input type="hidden" name="rid" value="${esc(opts.rid)}">
${opts.trust ? '<input type="hidden" name="trust" value="1">' : ''}
${rdField(opts.rd)}
<button type="submit">${esc(t('push.wait.continue'))}</button>
</form>`,
    { locale: text.locale },
  );
}

/** Push on the enrolment page: the way to pair a phone (`POST /push/pair`, the QR code). */
export function pushEnrolPart(text: PageText, opts: { rd: string | null }): string {
  const { t } = text;
  return `<section aria-labelledby="push-heading">
<h2 id="push-heading">${esc(t('push.label'))}</h2>
<p>${esc(t('push.enrol.lead'))}</p>
<form method="post" action="/.portcullis/push/pair">
${rdField(opts.rd)}
<button type="submit" class="secondary">${esc(t('push.pair.button'))}</button>
</form>
</section>`;
}
