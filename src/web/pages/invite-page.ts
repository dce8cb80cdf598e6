import { esc, layout } from '../html.ts';

/** Every string of the invite pages, with `{name}` where a value goes. */
export const TEXT = {
  openTitle: 'Your invitation',
  openIntro: 'Opening your invitation…',
  openNoScript: 'If nothing happens, paste the code that follows # in your invitation link and continue.',
  codeLabel: 'Invitation code',
  continue: 'Continue',
  welcomeTitle: 'Set your password',
  welcome: 'Welcome, {name}.',
  steps:
    'Two short steps set up your account {user}: first a password, then a second factor such as an app on your phone.',
  userLabel: 'User name',
  passwordLabel: 'New password',
  rules:
    'At least {min} characters. A few unrelated words make a long password that is easy to remember. Common passwords and passwords containing your user name are refused.',
  confirmLabel: 'New password again',
  strengthLabel: 'Strength',
  strengthEmpty: 'Type a password',
  strengthShort: 'Too short: {n} more characters',
  strengthHasName: 'Contains your user name',
  strengthWeak: 'Weak: make it longer',
  strengthFair: 'Fair: longer is stronger',
  strengthGood: 'Good',
  strengthStrong: 'Strong',
  submit: 'Set password and continue',
  differ: 'The two passwords differ.',
  invalidTitle: 'This invitation link does not work',
  invalid:
    'The link is not complete, was already used, or was replaced by a newer invitation. Ask your administrator for a new one.',
  expiredTitle: 'This invitation has expired',
  expired: 'Invitations work for a limited time. Ask your administrator for a new one.',
} as const;

const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{(\w+)\}/g, (all, key: string) => (key in values ? String(values[key]) : all));

/**
 * The page an invitation link opens. The token is in the URL fragment, which the browser does
 * not send: invite.js copies it into this form and sends it (a POST: never in a URL or a log).
 * Without JavaScript the person pastes it.
 */
export function inviteOpenPage(): string {
  return layout(
    TEXT.openTitle,
    `<h1>${esc(TEXT.openTitle)}</h1>
<p>${esc(TEXT.openIntro)}</p>
<form method="post" action="/.portcullis/invite" id="invite-open">
<p>${esc(TEXT.openNoScript)}</p>
<label for="token">${esc(TEXT.codeLabel)}</label>
<input id="token" name="token" autocomplete="off" autocapitalize="none" spellcheck="false" required>
<button type="submit">${esc(TEXT.continue)}</button>
</form>`,
    { script: 'invite.js' },
  );
}

/** Step one of an invitation: the password, with the rules and a strength meter (invite.js). */
export function invitePasswordPage(opts: {
  user: string;
  name: string | undefined;
  token: string;
  minLength: number;
  maxLength: number;
  error?: string;
}): string {
  const meter = Object.fromEntries(
    Object.entries(TEXT)
      .filter(([key]) => key.startsWith('strength') && key !== 'strengthLabel')
      .map(([key, text]) => [`data-${key.slice('strength'.length).toLowerCase()}`, text]),
  );
  return layout(
    TEXT.welcomeTitle,
    `<h1>${esc(TEXT.welcomeTitle)}</h1>
<p>${esc(fill(TEXT.welcome, { name: opts.name ?? opts.user }))} ${esc(fill(TEXT.steps, { user: opts.user }))}</p>
${opts.error ? `<p class="error" role="alert" id="invite-error">${esc(opts.error)}</p>` : ''}
<form method="post" action="/.portcullis/invite/password" id="invite-password"${opts.error ? ' aria-describedby="invite-error"' : ''}>
<input type="hidden" name="token" value="${esc(opts.token)}">
<label for="username">${esc(TEXT.userLabel)}</label>
<input id="username" name="username" autocomplete="username" value="${esc(opts.user)}" readonly>
<label for="password">${esc(TEXT.passwordLabel)}</label>
<p class="hint" id="password-rules">${esc(fill(TEXT.rules, { min: opts.minLength }))}</p>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="${opts.minLength}" maxlength="${opts.maxLength}" required aria-describedby="password-rules strength-text" autofocus>
<div class="strength" hidden>
<label for="strength">${esc(TEXT.strengthLabel)}</label>
<meter id="strength" min="0" max="4" low="2" high="3" optimum="4" value="0" data-min="${opts.minLength}"${Object.entries(
      meter,
    )
      .map(([attr, text]) => ` ${attr}="${esc(text)}"`)
      .join('')}></meter>
<p id="strength-text" aria-live="polite">${esc(TEXT.strengthEmpty)}</p>
</div>
<label for="confirm">${esc(TEXT.confirmLabel)}</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="${opts.minLength}" maxlength="${opts.maxLength}" required>
<button type="submit">${esc(TEXT.submit)}</button>
</form>`,
    { script: 'invite.js' },
  );
}

/** A link that is not (or no longer) an invitation. */
export function inviteGonePage(opts: { expired: boolean }): string {
  const title = opts.expired ? TEXT.expiredTitle : TEXT.invalidTitle;
  return layout(title, `<h1>${esc(title)}</h1>\n<p>${esc(opts.expired ? TEXT.expired : TEXT.invalid)}</p>`);
}
