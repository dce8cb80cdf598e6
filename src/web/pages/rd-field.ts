import { esc } from '../html.ts';

/** The hidden field that carries `rd` (where the user is going) through a form. */
export const rdField = (rd: string | null) => (rd ? `<input type="hidden" name="rd" value="${esc(rd)}">` : '');
