import { esc, layout, type PageText } from '../html.ts';
import type { MessageKey } from '../i18n/messages.ts';

/**
 * The strength meter's words, handed to invite.js in data-* attributes (the script cannot read
 * the catalogue, and the CSP allows no inline script). `short` has its plural forms, `{count}` left
 * in them: the script picks one with Intl.PluralRules of the page's lang and fills in the count.
 */
const METER: Record<string, MessageKey> = {
  'data-empty': 'invite.strength.empty',
  'data-short-one': 'invite.strength.short.one',
  'data-short-other': 'invite.strength.short.other',
  'data-hasname': 'invite.strength.hasName',
  'data-weak': 'invite.strength.weak',
  'data-fair': 'invite.strength.fair',
  'data-good': 'invite.strength.good',
  'data-strong': 'invite.strength.strong',
};

/**
 * The page an invitation link opens. The token is in the URL fragment, which the browser does
 * not send: invite.js copies it into this form and sends it (a POST: never in a URL or a log).
 * Without JavaScript the person pastes it.
 */
export function inviteOpenPage(text: PageText): string {
  const { t } = text;
  return layout(
    t('invite.open.title'),
    `<h1>${esc(t('invite.open.title'))}</h1>
<p>${esc(t('invite.open.lead'))}</p>
<form method="post" action="/.portcullis/invite" id="invite-open">
<p>${esc(t('invite.open.noScript'))}</p>
<label for="token">${esc(t('invite.open.code'))}</label>
<input id="token" name="token" autocomplete="off" autocapitalize="none" spellcheck="false" required>
<button type="submit">${esc(t('common.continue'))}</button>
</form>`,
    { script: 'invite.js', locale: text.locale },
  );
}

/** Step one of an invitation: the password, with the rules and a strength meter (invite.js). */
export function invitePasswordPage(
  text: PageText,
  opts: {
    user: string;
    name: string | undefined;
    token: string;
    minLength: number;
    maxLength: number;
    error?: string;
  },
): string {
  const { t } = text;
  const words = Object.entries(METER)
    .map(([attr, key]) => ` ${attr}="${esc(t(key, key.includes('.short.') ? { count: '{count}' } : {}))}"`)
    .join('');
  return layout(
    t('invite.password.title'),
    `<h1>${esc(t('invite.password.title'))}</h1>
<p>${esc(t('invite.welcome', { name: opts.name ?? opts.user }))} ${esc(t('invite.steps', { user: opts.user }))}</p>
${opts.error ? `<p class="error" role="alert" id="invite-error">${esc(opts.error)}</p>` : ''}
<form method="post" action="/.portcullis/invite/password" id="invite-password"${opts.error ? ' aria-describedby="invite-error"' : ''}>
<input type="hidden" name="token" value="${esc(opts.token)}">
<label for="username">${esc(t('invite.username'))}</label>
<input id="username" name="username" autocomplete="username" value="${esc(opts.user)}" readonly>
<label for="password">${esc(t('invite.password'))}</label>
<p class="hint" id="password-rules">${esc(t('invite.rules', { min: opts.minLength }))}</p>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="${opts.minLength}" maxlength="${opts.maxLength}" required aria-describedby="password-rules strength-text" autofocus>
<div class="strength" hidden>
<label for="strength">${esc(t('invite.strength.label'))}</label>
<meter id="strength" min="0" max="4" low="2" high="3" optimum="4" value="0" data-min="${opts.minLength}"${words}></meter>
<p id="strength-text" aria-live="polite">${esc(t('invite.strength.empty'))}</p>
</div>
<label for="confirm">${esc(t('invite.confirm'))}</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="${opts.minLength}" maxlength="${opts.maxLength}" required>
<button type="submit">${esc(t('invite.submit'))}</button>
</form>`,
    { script: 'invite.js', locale: text.locale },
  );
}

/** A link that is not (or no longer) an invitation. */
export function inviteGonePage(text: PageText, opts: { expired: boolean }): string {
  const { t } = text;
  const title = t(opts.expired ? 'invite.expired.title' : 'invite.invalid.title');
  const lead = t(opts.expired ? 'invite.expired.lead' : 'invite.invalid.lead');
  return layout(title, `<h1>${esc(title)}</h1>\n<p>${esc(lead)}</p>`, { locale: text.locale });
}
