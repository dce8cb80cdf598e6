import { esc, layout } from '../html.ts';

const rdField = (rd: string | null) => (rd ? `<input type="hidden" name="rd" value="${esc(rd)}">` : '');
const error = (text: string | undefined) => (text ? `<p class="error" role="alert">${esc(text)}</p>` : '');

/** Asks for the second factor only: a code from the authenticator app, or a recovery code. */
export function stepUpPage(opts: { user: string; rd: string | null; error?: string }): string {
  return layout(
    'Second factor',
    `<h1>Confirm it is you</h1>
<p>Signed in as <strong>${esc(opts.user)}</strong>. Enter the 6-digit code from your authenticator app.</p>
${error(opts.error)}
<form method="post" action="/.portcullis/stepup">
<label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="8" required autofocus>
${rdField(opts.rd)}
<button type="submit">Verify</button>
</form>
<details><summary>Lost your device? Use a recovery code</summary>
<form method="post" action="/.portcullis/recovery">
<label for="recovery">Recovery code</label>
<input id="recovery" name="code" autocomplete="off" autocapitalize="none" spellcheck="false" required>
${rdField(opts.rd)}
<button type="submit" class="secondary">Use recovery code</button>
</form></details>`,
  );
}

/** No second factor yet: the way to enrol one. */
export function noFactorPage(opts: { user: string; rd: string | null }): string {
  return layout(
    'Second factor needed',
    `<h1>A second factor is needed</h1>
<p>Signed in as <strong>${esc(opts.user)}</strong>. This page needs a second factor, and your account has none yet.</p>
<p><a href="/.portcullis/enroll${opts.rd ? `?rd=${esc(encodeURIComponent(opts.rd))}` : ''}">Set up an authenticator app</a></p>`,
  );
}

/** TOTP enrolment: the QR code (inline SVG), the secret for typing, and the confirming code. */
export function enrollPage(opts: {
  user: string;
  qrSvg: string;
  secret: string;
  rd: string | null;
  error?: string;
}): string {
  const grouped = opts.secret.replace(/(.{4})/g, '$1 ').trim();
  return layout(
    'Set up an authenticator app',
    `<h1>Set up an authenticator app</h1>
<p>Scan this code with an authenticator app (for example Microsoft Authenticator, Google Authenticator, 1Password or Bitwarden), then enter the 6-digit code it shows.</p>
<figure class="qr" aria-label="QR code of the secret">${opts.qrSvg}</figure>
<p>Or type this key: <code class="secret">${esc(grouped)}</code></p>
${error(opts.error)}
<form method="post" action="/.portcullis/enroll">
<label for="code">Code from the app</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="8" required autofocus>
${rdField(opts.rd)}
<button type="submit">Confirm</button>
</form>`,
  );
}

/** Shown once: the recovery codes, then on to where the user was going. */
export function recoveryCodesPage(opts: {
  codes: readonly string[];
  next: string;
  heading: string;
  note?: string;
}): string {
  return layout(
    opts.heading,
    `<h1>${esc(opts.heading)}</h1>
${opts.note ? `<p>${esc(opts.note)}</p>` : ''}
${
  opts.codes.length > 0
    ? `<p>Keep these recovery codes somewhere safe. Each one works once, when you cannot use your authenticator. They are shown only now.</p>
<ul class="codes">${opts.codes.map((c) => `<li><code>${esc(c)}</code></li>`).join('')}</ul>`
    : ''
}
<p><a class="button" href="${esc(opts.next)}">Continue</a></p>`,
  );
}
