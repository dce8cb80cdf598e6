import { esc, layout } from '../html.ts';

export function errorPage(title: string, message: string): string {
  return layout(title, `<h1>${esc(title)}</h1>\n<p>${esc(message)}</p>`);
}
