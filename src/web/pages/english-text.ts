import type { PageText } from '../html.ts';
import { formatDateTime } from '../i18n/format-time.ts';
import { messagesFor } from '../i18n/messages.ts';

/**
 * The texts of a part or page called without a PageText (the older signatures, kept for pages not
 * yet translated): English, dates in UTC. A page written with it stays untranslated: no `lang`
 * other than en and no language switcher (`localeOf`).
 */
export const ENGLISH_TEXT: PageText = {
  locale: 'en',
  t: messagesFor('en'),
  when: (ms) => formatDateTime(ms, 'en'),
};

/** The `locale` option of layout() for a page written with `text`: none for ENGLISH_TEXT. */
export const localeOf = (text: PageText) => (text === ENGLISH_TEXT ? {} : { locale: text.locale });

/** Whether an argument is a PageText (the newer signatures) rather than the older first argument. */
export const isPageText = (value: unknown): value is PageText =>
  typeof value === 'object' && value !== null && 't' in value && 'locale' in value;
