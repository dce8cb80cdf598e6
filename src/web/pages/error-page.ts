import type { Support } from '../../state.ts';
import { esc, layout } from '../html.ts';

const TEXT = {
  titles: {
    400: 'Bad request',
    403: 'Access denied',
    404: 'Not found',
    502: 'The application is not responding',
    503: 'Temporarily unavailable',
  } as Record<number, string>,
  error: 'Error',
  signedInAs: 'Signed in as {name} ({user}).',
  signedInAsUser: 'Signed in as {user}.',
  app: 'Application: {app}',
  signOut: 'Sign out',
  switchAccount: 'Sign in as someone else',
  signIn: 'Sign in',
  reference: 'Reference: {id}',
  referenceHint: 'Quote this reference when you ask for help.',
  help: 'Need help? Contact {name}:',
  website: 'help desk',
} as const;

/** The template with `{key}` replaced by the escaped values (the template itself is markup). */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? esc(values[key]) : whole));
}

/** What an access-denied page says about the request: who is signed in, and the app. */
export interface DeniedDetail {
  /** null: nobody is signed in */
  readonly user: { readonly name: string; readonly displayName: string } | null;
  readonly app: string;
  /** the refused page, where "sign in as someone else" comes back to */
  readonly url: string;
}

/** A tel: link target: the digits, with the leading + kept. */
const telOf = (phone: string) => `tel:${phone.startsWith('+') ? '+' : ''}${phone.replace(/[^0-9]/g, '')}`;

function supportBlock(support: Support | null, name: string): string {
  if (support === null) return '';
  const links = [
    support.url ? `<a href="${esc(support.url)}" rel="noopener noreferrer">${esc(TEXT.website)}</a>` : '',
    support.email ? `<a href="mailto:${esc(support.email)}">${esc(support.email)}</a>` : '',
    support.phone ? `<a href="${esc(telOf(support.phone))}">${esc(support.phone)}</a>` : '',
  ].filter((l) => l !== '');
  return `<p class="support">${fill(TEXT.help, { name })} ${links.join(' · ')}</p>`;
}

function deniedBlock(denied: DeniedDetail): string {
  const app = `<p>${fill(TEXT.app, { app: denied.app })}</p>`;
  if (denied.user === null)
    return `${app}
<p><a class="button" href="/.portcullis/login?rd=${esc(encodeURIComponent(denied.url))}">${esc(TEXT.signIn)}</a></p>`;
  const { displayName, name } = denied.user;
  const who = displayName === name ? TEXT.signedInAsUser : TEXT.signedInAs;
  return `<p class="who">${fill(who, { name: displayName, user: name })}</p>
${app}
<form method="post" action="/.portcullis/logout"><button type="submit">${esc(TEXT.signOut)}</button></form>
<form method="post" action="/.portcullis/logout">
<input type="hidden" name="rd" value="${esc(denied.url)}">
<button type="submit" class="secondary">${esc(TEXT.switchAccount)}</button>
</form>`;
}

/**
 * A refusal or error page: what happened, for an access denial who is signed in and the app with
 * a way to sign out or switch account, the request id to quote, and whom to ask (branding.support).
 */
export function errorPage(opts: {
  status: number;
  message: string;
  requestId: string;
  /** the brand name and help desk of the page (the app's tenant, else the MSP) */
  brand: { readonly name: string; readonly support: Support | null };
  denied?: DeniedDetail;
}): string {
  const title = TEXT.titles[opts.status] ?? TEXT.error;
  return layout(
    title,
    `<h1>${esc(title)}</h1>
<p>${esc(opts.message)}</p>
${opts.denied ? deniedBlock(opts.denied) : ''}
<p class="reference">${fill(TEXT.reference, { id: opts.requestId })}</p>
<p class="hint">${esc(TEXT.referenceHint)}</p>
${supportBlock(opts.brand.support, opts.brand.name)}`,
  );
}
