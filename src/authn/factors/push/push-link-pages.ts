import type { PushRequest } from '../../../push/requests/push-requests.ts';
import { esc, layout, type PageText } from '../../../web/html.ts';

/** The page the link opens: the form that the script fills from the fragment and sends (or the person, without JavaScript). */
export function pushLinkOpenPage(text: PageText): string {
  const { t } = text;
  return layout(
    t('push.link.title'),
    `<h1>${esc(t('push.link.title'))}</h1>
<p>${esc(t('push.link.open'))}</p>
<form method="post" action="/.portcullis/push/link" id="push-link-open">
<p>${esc(t('push.link.noScript'))}</p>
<label for="token">${esc(t('push.link.code'))}</label>
<input id="token" name="token" autocomplete="off" autocapitalize="none" spellcheck="false" required>
<button type="submit">${esc(t('common.continue'))}</button>
</form>`,
    { script: 'push-link.js', locale: text.locale },
  );
}

/**
 * The request: where the sign-in comes from, the three numbers (each a button that approves
 * with it), Deny and "This wasn't me". Every answer is a POST with the one-time code.
 */
export function pushLinkRequestPage(text: PageText, request: PushRequest, token: string): string {
  const { t } = text;
  const row = (label: Parameters<PageText['t']>[0], value: string | null) =>
    value === null ? '' : `<dt>${esc(t(label))}</dt><dd>${esc(value)}</dd>`;
  const answer = (fields: string, label: string, cls = '') =>
    `<form method="post" action="/.portcullis/push/link/answer"><input type="hidden" name="token" value="${esc(token)}">${fields}<button type="submit"${cls ? ` class="${cls}"` : ''}>${label}</button></form>`;
  return layout(
    t('push.link.title'),
    `<h1>${esc(t('push.link.heading'))}</h1>
<dl class="push-details">
${row('push.link.app', request.app)}${row('push.link.host', request.host)}${row('push.link.ip', request.ip)}${row('push.link.place', request.country)}${row('push.link.browser', [request.browser, request.os].filter(Boolean).join(', ') || null)}${row('push.link.time', text.when(request.createdAt))}
</dl>
<p>${esc(t('push.link.pick'))}</p>
<div class="push-choices">
${request.choices
  .map((n) =>
    answer(
      `<input type="hidden" name="action" value="approve"><input type="hidden" name="choice" value="${n}">`,
      String(n),
    ),
  )
  .join('\n')}
</div>
${answer('<input type="hidden" name="action" value="deny">', esc(t('push.link.deny')), 'secondary')}
${answer('<input type="hidden" name="action" value="report">', esc(t('push.link.report')), 'secondary')}`,
    { locale: text.locale },
  );
}

/** After an answer, or a link that no longer works. */
export function pushLinkResultPage(
  text: PageText,
  key: 'push.link.approved' | 'push.link.denied' | 'push.link.reported' | 'push.link.gone',
): string {
  const { t } = text;
  return layout(t('push.link.title'), `<h1>${esc(t('push.link.title'))}</h1>\n<p role="status">${esc(t(key))}</p>`, {
    locale: text.locale,
  });
}
