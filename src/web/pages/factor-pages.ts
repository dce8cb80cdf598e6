import { esc, layout } from '../html.ts';

const rdField = (rd: string | null) => (rd ? `<input type="hidden" name="rd" value="${esc(rd)}">` : '');
const error = (text: string | undefined) => (text ? `<p class="error" role="alert">${esc(text)}</p>` : '');

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * session.remember_device in words: days when it is whole days or two days and more (rounded),
 * else hours (rounded), else minutes.
 */
export function trustPeriod(ms: number): string {
  const [n, unit] =
    ms >= DAY && (ms % DAY === 0 || ms >= 2 * DAY)
      ? [Math.round(ms / DAY), 'day']
      : ms >= HOUR
        ? [Math.round(ms / HOUR), 'hour']
        : [Math.max(1, Math.round(ms / 60_000)), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** The "trust this device" box of a code form; plain HTML, a label around the box. */
const trustBox = (period: string | null) =>
  period === null
    ? ''
    : `<label class="check"><input type="checkbox" name="trust" value="1"> Trust this device for ${esc(period)}</label>`;

/**
 * Asks for the second factor only: a code from the authenticator app, or a recovery code.
 * `trustFor`: the offer to trust this device, in words (null: not offered).
 */
export function stepUpPage(opts: {
  user: string;
  rd: string | null;
  error?: string;
  trustFor?: string | null;
}): string {
  const trust = trustBox(opts.trustFor ?? null);
  return layout(
    'Second factor',
    `<h1>Confirm it is you</h1>
<p>Signed in as <strong>${esc(opts.user)}</strong>. Enter the 6-digit code from your authenticator app.</p>
${error(opts.error)}
<form method="post" action="/.portcullis/stepup">
<label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="8" required autofocus>
${trust}
${rdField(opts.rd)}
<button type="submit">Verify</button>
</form>
<details><summary>Lost your device? Use a recovery code</summary>
<form method="post" action="/.portcullis/recovery">
<label for="recovery">Recovery code</label>
<input id="recovery" name="code" autocomplete="off" autocapitalize="none" spellcheck="false" required>
${trust}
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
