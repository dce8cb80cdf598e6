import { esc, layout, type PageText } from '../../../web/html.ts';
import { ENGLISH_TEXT, isPageText, localeOf } from '../../../web/pages/english-text.ts';
import { sentences } from '../../../web/pages/sentences.ts';

type CodesOptions = {
  codes: readonly string[];
  next: string;
  heading: string;
  /** a paragraph: one text, or messages that read as one paragraph */
  note?: string | readonly string[];
};

/**
 * Shown once: the recovery codes, then on to where the user was going. `heading` and `note` are
 * the caller's, in the page's language. Without the page's text (the older signature): English,
 * no language switcher.
 */
export function recoveryCodesPage(text: PageText, opts: CodesOptions): string;
export function recoveryCodesPage(opts: CodesOptions): string;
export function recoveryCodesPage(first: PageText | CodesOptions, second?: CodesOptions): string {
  const [text, opts] = isPageText(first) ? [first, second as CodesOptions] : [ENGLISH_TEXT, first];
  const { t } = text;
  return layout(
    opts.heading,
    `<h1>${esc(opts.heading)}</h1>
${opts.note === undefined ? '' : `<p>${typeof opts.note === 'string' ? esc(opts.note) : sentences(opts.note)}</p>`}
${
  opts.codes.length > 0
    ? `<p>${esc(t('factors.codes.keep'))}</p>
<ul class="codes">${opts.codes.map((c) => `<li><code>${esc(c)}</code></li>`).join('')}</ul>`
    : ''
}
<p><a class="button" href="${esc(opts.next)}">${esc(t('common.continue'))}</a></p>`,
    localeOf(text),
  );
}
