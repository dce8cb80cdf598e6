import { esc, layout, type PageText } from '../../../web/html.ts';
import { rdField } from '../../../web/pages/rd-field.ts';

/** The account page's way to pair a phone: the QR code of the pairing link, the link, the iPhone note. */
export function pushPairPage(text: PageText, opts: { url: string; qrSvg: string; rd: string | null }): string {
  const { t } = text;
  return layout(
    t('push.pair.title'),
    `<h1>${esc(t('push.pair.title'))}</h1>
<p>${esc(t('push.pair.lead'))}</p>
<figure class="qr" aria-label="${esc(t('push.pair.title'))}">${opts.qrSvg}</figure>
<p><a href="${esc(opts.url)}" class="pair-link">${esc(opts.url)}</a></p>
<p class="hint">${esc(t('push.pair.ios'))}</p>
<p>${esc(t('push.pair.then'))}</p>
<form method="post" action="/.portcullis/push/send">
${rdField(opts.rd)}
<button type="submit">${esc(t('push.send'))}</button>
</form>
<p><a href="/.portcullis/">${esc(t('push.pair.back'))}</a></p>`,
    { locale: text.locale },
  );
}

/**
 * The approving web app (installable: manifest, service worker). One page, its parts shown by
 * push-app.js: pairing (a button: the permission is asked inside the press), a request (where the
 * sign-in comes from, the numbers, Deny, "This wasn't me"), and what happened. Its words are in
 * the page (the request's texts in data-* of the part), in the page's language.
 */
export function pushAppPage(text: PageText): string {
  const { t } = text;
  const label = (key: Parameters<PageText['t']>[0]) => `data-${key.split('.').pop()?.toLowerCase()}="${esc(t(key))}"`;
  return layout(
    t('push.app.title'),
    `<h1>${esc(t('push.app.title'))}</h1>
<noscript><p>${esc(t('push.app.unsupported'))}</p></noscript>
<section id="pair" hidden>
<p>${esc(t('push.app.pairLead'))}</p>
<p class="hint" id="ios-hint" hidden>${esc(t('push.pair.ios'))}</p>
<button type="button" id="pair-button">${esc(t('push.app.pairButton'))}</button>
</section>
<section id="request" hidden ${label('push.link.app')} ${label('push.link.host')} ${label('push.link.ip')} ${label('push.link.place')} ${label('push.link.browser')} ${label('push.link.time')}>
<h2>${esc(t('push.link.heading'))}</h2>
<dl class="push-details" id="details"></dl>
<p>${esc(t('push.link.pick'))}</p>
<div class="push-choices" id="choices"></div>
<button type="button" class="secondary" id="deny">${esc(t('push.link.deny'))}</button>
<button type="button" class="secondary" id="report">${esc(t('push.link.report'))}</button>
</section>
<p id="status" role="status" ${[
      'push.app.paired',
      'push.app.notify',
      'push.app.unsupported',
      'push.app.blocked',
      'push.app.failed',
      'push.app.idle',
      'push.app.notPaired',
      'push.link.approved',
      'push.link.denied',
      'push.link.reported',
      'push.link.gone',
    ]
      .map((k) => `data-${k.replace(/\./g, '-').toLowerCase()}="${esc(t(k as Parameters<PageText['t']>[0]))}"`)
      .join(' ')}></p>`,
    { scripts: ['push-keys.js', 'push-app.js'], locale: text.locale, manifest: true },
  );
}
