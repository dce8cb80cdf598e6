import { esc } from '../html.ts';

/** The id of a page's form error; the fields it is about name it in aria-describedby. */
export const FORM_ERROR_ID = 'form-error';

/** A form's error, announced as it appears (role=alert); nothing without one. */
export function formError(text: string | undefined): string {
  return text ? `<p class="error" role="alert" id="${FORM_ERROR_ID}">${esc(text)}</p>` : '';
}

/**
 * The attributes of a field the page's error is about (nothing for the others): marked invalid
 * and described by the error, so a screen reader reads the error with the field.
 */
export function invalidIf(inError: boolean): string {
  return inError ? ` aria-invalid="true" aria-describedby="${FORM_ERROR_ID}"` : '';
}
