import type { Support } from '../../state.ts';
import { esc, layout, type PageText } from '../html.ts';
import type { MessageKey } from '../i18n/messages.ts';

/** The title of each status's page; any other status is an "Error". */
const TITLES: Record<number, MessageKey> = {
  400: 'errors.title.badRequest',
  403: 'errors.title.accessDenied',
  404: 'errors.title.notFound',
  502: 'errors.title.badGateway',
  504: 'errors.title.gatewayTimeout',
  503: 'errors.title.unavailable',
};

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

function supportBlock(text: PageText, support: Support | null, name: string): string {
  if (support === null) return '';
  const links = [
    support.url ? `<a href="${esc(support.url)}" rel="noopener noreferrer">${esc(text.t('errors.helpDesk'))}</a>` : '',
    support.email ? `<a href="mailto:${esc(support.email)}">${esc(support.email)}</a>` : '',
    support.phone ? `<a href="${esc(telOf(support.phone))}">${esc(support.phone)}</a>` : '',
  ].filter((l) => l !== '');
  return `<p class="support">${esc(text.t('errors.help', { name }))} ${links.join(' · ')}</p>`;
}

function deniedBlock(text: PageText, denied: DeniedDetail): string {
  const { t } = text;
  const app = `<p>${esc(t('errors.app', { app: denied.app }))}</p>`;
  if (denied.user === null)
    return `${app}
<p><a class="button" href="/.portcullis/login?rd=${esc(encodeURIComponent(denied.url))}">${esc(t('login.submit'))}</a></p>`;
  const { displayName, name } = denied.user;
  const who =
    displayName === name
      ? t('common.signedInAs', { user: name })
      : t('errors.signedInAsNamed', { name: displayName, user: name });
  return `<p class="who">${esc(who)}</p>
${app}
<form method="post" action="/.portcullis/logout"><button type="submit">${esc(t('common.signOut'))}</button></form>
<form method="post" action="/.portcullis/logout">
<input type="hidden" name="rd" value="${esc(denied.url)}">
<button type="submit" class="secondary">${esc(t('errors.switchAccount'))}</button>
</form>`;
}

/**
 * A refusal or error page: what happened, for an access denial who is signed in and the app with
 * a way to sign out or switch account, the request id to quote, and whom to ask (branding.support).
 */
export function errorPage(
  text: PageText,
  opts: {
    status: number;
    message: string;
    requestId: string;
    /** the brand name and help desk of the page (the app's tenant, else the MSP) */
    brand: { readonly name: string; readonly support: Support | null };
    denied?: DeniedDetail;
  },
): string {
  const { t } = text;
  const title = t(TITLES[opts.status] ?? 'errors.title.generic');
  return layout(
    title,
    `<h1>${esc(title)}</h1>
<p>${esc(opts.message)}</p>
${opts.denied ? deniedBlock(text, opts.denied) : ''}
<p class="reference">${esc(t('errors.reference', { id: opts.requestId }))}</p>
<p class="hint">${esc(t('errors.referenceHint'))}</p>
${supportBlock(text, opts.brand.support, opts.brand.name)}`,
    { locale: text.locale },
  );
}
