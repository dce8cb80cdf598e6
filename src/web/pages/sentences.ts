import { esc } from '../html.ts';

/** Messages that read as one paragraph, each its own element (escaped), a space between them. */
export const sentences = (texts: readonly string[]) => texts.map((s) => `<span>${esc(s)}</span>`).join(' ');
