import type { FactorRecord } from '../../stores/durable.ts';
import { esc, layout } from '../html.ts';
import { keyRegistration, WEBAUTHN_SCRIPTS } from './webauthn-parts.ts';

/** The page's strings added for self-service (password, recent sign-ins), for the catalogues to come. */
const TEXT = {
  passwordHeading: 'Password',
  passwordIntro: 'Changing your password signs you out everywhere else. It asks for a second factor first.',
  current: 'Current password',
  newPassword: 'New password',
  newHint: 'At least 12 characters. A few unrelated words make a good password.',
  confirm: 'New password again',
  change: 'Change password',
  signInsHeading: 'Recent sign-ins',
  signInsNone: 'None yet.',
  signInLine: '{time}',
  from: 'from {where}',
  unknownDevice: 'a device no longer on record',
  thisBrowser: 'this browser',
  notMe: "This wasn't me",
  notMeLabel: "This wasn't me: the sign-in of {time}",
  defaultHeading: 'Default way to confirm',
  defaultIs:
    'Signing in asks for {method} first. On a browser where you last used another way, that way comes first there.',
  defaultChoose: 'Ask for this first',
  defaultSave: 'Save',
  defaultTag: 'default',
  methodName: { webauthn: 'your security key or passkey', totp: 'a code from your authenticator app' },
  methodLabel: { webauthn: 'Security key or passkey', totp: 'Authenticator app' },
  trustHint:
    'Some pages of your organisation ask for less on a trusted device. Trusting asks for a second factor first.',
  /** the columns of the second factors' table, also each cell's label where the table is a list */
  columns: { name: 'Name', kind: 'Kind', added: 'Added', lastUsed: 'Last used', actions: 'Actions' },
  notMeHint:
    'If you do not recognise a sign-in, press "This wasn\'t me": every other session of yours ends, its device is forgotten, and your administrator is alerted. Then change your password.',
} as const;

const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');

/**
 * A time for people: day, month in words, year and time of day in the given IANA time zone
 * (the tenant's, when one is configured), named after it; UTC otherwise.
 */
export function timeText(ms: number, timeZone: string | null = null): string {
  const zone = timeZone ?? 'UTC';
  const text = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(ms);
  return `${text} ${zone}`;
}

/** A sign-in as the account page shows it. */
export interface SignInView {
  /** ms since the epoch; also what "this wasn't me" names it by */
  readonly time: number;
  readonly ip: string | null;
  readonly country: string | null;
  /** the device's name, or null when it is no longer on record */
  readonly device: string | null;
  /** signed in from the browser showing the page */
  readonly current: boolean;
}

function signInItem(v: SignInView, timeZone: string | null): string {
  const time = timeText(v.time, timeZone);
  const where = [v.ip, v.country].filter((x) => x !== null).join(', ');
  return `<li>
<p><strong>${esc(time)}</strong>${v.current ? ` <span class="tag">${esc(TEXT.thisBrowser)}</span>` : ''}</p>
<p class="hint">${esc(v.device ?? TEXT.unknownDevice)}${where ? ` ${esc(fill(TEXT.from, { where }))}` : ''}</p>
<form method="post" action="/.portcullis/account/signin/report"><input type="hidden" name="time" value="${esc(v.time)}"><button type="submit" class="secondary small" aria-label="${esc(fill(TEXT.notMeLabel, { time }))}">${esc(TEXT.notMe)}</button></form>
</li>`;
}

function signInsSection(signIns: readonly SignInView[], timeZone: string | null): string {
  return `<h2>${esc(TEXT.signInsHeading)}</h2>
${signIns.length === 0 ? `<p>${esc(TEXT.signInsNone)}</p>` : `<ul class="devices signins">${signIns.map((v) => signInItem(v, timeZone)).join('\n')}</ul>`}
<p class="hint">${esc(TEXT.notMeHint)}</p>`;
}

/**
 * The default second factor: which kind sign-in asks for first, and (holding both) a choice.
 * `held`: the kinds the user holds, in the order sign-in offers them.
 */
/** The kind sign-in asks for first: the user's choice when still held, else the first held (null: none held). */
function effectiveDefault(
  held: readonly ('webauthn' | 'totp')[],
  chosen: 'webauthn' | 'totp' | null,
): 'webauthn' | 'totp' | null {
  return chosen !== null && held.includes(chosen) ? chosen : (held[0] ?? null);
}

function defaultSection(held: readonly ('webauthn' | 'totp')[], chosen: 'webauthn' | 'totp' | null): string {
  const current = effectiveDefault(held, chosen);
  if (current === null) return '';
  const choice =
    held.length < 2
      ? ''
      : `<form method="post" action="/.portcullis/account/method/default"><fieldset><legend>${esc(TEXT.defaultChoose)}</legend>
${held
  .map(
    (m) =>
      `<label class="check"><input type="radio" name="method" value="${m}"${m === current ? ' checked' : ''}> ${esc(TEXT.methodLabel[m])}</label>`,
  )
  .join('\n')}
</fieldset><button type="submit" class="secondary">${esc(TEXT.defaultSave)}</button></form>`;
  return `<h2>${esc(TEXT.defaultHeading)}</h2>
<p>${esc(fill(TEXT.defaultIs, { method: TEXT.methodName[current] }))}</p>
${choice}`;
}

function passwordSection(): string {
  return `<h2>${esc(TEXT.passwordHeading)}</h2>
<p class="hint">${esc(TEXT.passwordIntro)}</p>
<form method="post" action="/.portcullis/account/password">
<label for="current-password">${esc(TEXT.current)}</label>
<input id="current-password" name="current" type="password" autocomplete="current-password" required maxlength="1024">
<label for="new-password">${esc(TEXT.newPassword)}</label>
<input id="new-password" name="password" type="password" autocomplete="new-password" required minlength="12" maxlength="1024" aria-describedby="new-password-hint">
<p class="hint" id="new-password-hint">${esc(TEXT.newHint)}</p>
<label for="confirm-password">${esc(TEXT.confirm)}</label>
<input id="confirm-password" name="confirm" type="password" autocomplete="new-password" required minlength="12" maxlength="1024">
<button type="submit" class="secondary">${esc(TEXT.change)}</button>
</form>`;
}

/**
 * A cell of a table that becomes a list on a narrow screen: `data-label` names its column there
 * (portal.css); the explicit roles keep it a table for screen readers whatever its display.
 */
const cell = (label: string, content: string) =>
  `<td role="cell" data-label="${esc(label)}"><div>${content}</div></td>`;

const when = (ms: number | null) =>
  ms === null ? 'never' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
/** A moment in a table: a <time> that does not wrap inside (portal.css). */
const timeOf = (ms: number | null) =>
  ms === null ? esc(when(ms)) : `<time datetime="${esc(new Date(ms).toISOString())}">${esc(when(ms))}</time>`;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A device as the account page shows it. */
export interface DeviceView {
  readonly id: string;
  readonly name: string;
  readonly lastSeenAt: number;
  readonly ip: string | null;
  readonly country: string | null;
  /** when its trust ends; null: not trusted now (never, or expired) */
  readonly trustedUntil: number | null;
  /** the browser showing the page */
  readonly current: boolean;
}

function deviceItem(d: DeviceView): string {
  const where = [d.ip, d.country].filter((x) => x !== null).join(', ');
  return `<li>
<p><strong>${esc(d.name)}</strong>${d.current ? ' <span class="tag">this device</span>' : ''}</p>
<p class="hint">Last seen ${esc(day(d.lastSeenAt))}${where ? ` from ${esc(where)}` : ''}. ${d.trustedUntil === null ? 'Not trusted.' : `Trusted until ${esc(day(d.trustedUntil))}.`}</p>
<form method="post" action="/.portcullis/account/device/forget"><input type="hidden" name="id" value="${esc(d.id)}"><button type="submit" class="secondary small" aria-label="Forget ${esc(d.name)}${d.current ? ' (this device)' : `, last seen ${esc(day(d.lastSeenAt))}`}">Forget</button></form>
</li>`;
}

/** A security key (cross-device) or a passkey (synced, or on this device), in words. */
function kindName(f: FactorRecord): string {
  if (f.kind === 'totp') return 'Authenticator app';
  if (f.kind !== 'webauthn') return f.kind;
  const data = f.data as { backedUp?: boolean; transports?: string[] } | null;
  if (data?.backedUp) return 'Passkey (synced)';
  return data?.transports?.includes('internal') ? 'Passkey (this device)' : 'Security key';
}

/** Renaming a key: a small form under its name (a label to tell keys apart). */
function renameForm(f: FactorRecord): string {
  return `<details class="rename"><summary>Rename</summary><form method="post" action="/.portcullis/account/factor/rename">
<input type="hidden" name="id" value="${esc(f.id)}">
<label for="rename-${esc(f.id)}">New name</label>
<input id="rename-${esc(f.id)}" name="name" maxlength="64" required value="${esc(f.name)}">
<button type="submit" class="secondary small">Save</button></form></details>`;
}

/** The account page: who you are, your second factors, recovery codes and devices, sign out. */
export function accountPage(opts: {
  user: string;
  name: string | null;
  groups: readonly string[];
  tenant: string | null;
  factors: readonly FactorRecord[];
  recovery: { total: number; unused: number };
  devices: readonly DeviceView[];
  /** the "Trust this device" button, with the period in words; null: not offered */
  trustFor: string | null;
  /** the user's chosen default second factor (null: never chosen) */
  defaultMethod: 'webauthn' | 'totp' | null;
  /** the user's password is kept here (users.yaml) and may be changed */
  password: boolean;
  /** the recent sign-ins, newest first */
  signIns: readonly SignInView[];
  /** the IANA time zone times are shown in; null: UTC */
  timeZone: string | null;
  notice?: string;
  error?: string;
}): string {
  const col = TEXT.columns;
  const held = (['webauthn', 'totp'] as const).filter((k) => opts.factors.some((f) => f.kind === k));
  const first = effectiveDefault(held, opts.defaultMethod);
  const tag = (f: FactorRecord) => (f.kind === first ? ` <span class="tag">${esc(TEXT.defaultTag)}</span>` : '');
  const rows = opts.factors
    .map(
      (
        f,
      ) => `<tr role="row">${cell(col.name, `${esc(f.name)}${f.kind === 'webauthn' ? renameForm(f) : ''}`)}${cell(col.kind, `${esc(kindName(f))}${tag(f)}`)}${cell(col.added, timeOf(f.createdAt))}${cell(col.lastUsed, timeOf(f.lastUsedAt))}
<td role="cell" class="actions"><form method="post" action="/.portcullis/account/factor/remove"><input type="hidden" name="id" value="${esc(f.id)}"><button type="submit" class="secondary small" aria-label="Remove ${esc(f.name)}">Remove</button></form></td></tr>`,
    )
    .join('\n');
  return layout(
    'Account',
    `<h1>Account</h1>
${opts.notice ? `<p class="notice" role="status">${esc(opts.notice)}</p>` : ''}
${opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : ''}
<dl>
<dt>User</dt><dd>${esc(opts.user)}</dd>
${opts.name ? `<dt>Name</dt><dd>${esc(opts.name)}</dd>` : ''}
<dt>Groups</dt><dd>${esc(opts.groups.join(', ') || '—')}</dd>
<dt>Organisation</dt><dd>${esc(opts.tenant ?? 'MSP staff')}</dd>
</dl>
<h2>Second factors</h2>
${
  opts.factors.length === 0
    ? '<p>None yet.</p>'
    : `<table role="table" class="stack"><thead role="rowgroup"><tr role="row">${[col.name, col.kind, col.added, col.lastUsed].map((c) => `<th scope="col" role="columnheader">${esc(c)}</th>`).join('')}<th scope="col" role="columnheader"><span class="visually-hidden">${esc(col.actions)}</span></th></tr></thead><tbody role="rowgroup">${rows}</tbody></table>`
}
${defaultSection(held, opts.defaultMethod)}
<p><a href="/.portcullis/enroll?rd=%2F.portcullis%2F">Add an authenticator app</a></p>
${keyRegistration(null, { heading: 'Add a security key or passkey' })}
<h2>Recovery codes</h2>
<p>${opts.recovery.total === 0 ? 'None.' : `${opts.recovery.unused} of ${opts.recovery.total} unused.`}</p>
<form method="post" action="/.portcullis/account/recovery"><button type="submit" class="secondary">New recovery codes</button></form>
<p class="hint">Removing a factor or making new recovery codes asks for a second factor first.</p>
<h2>Devices</h2>
${
  opts.devices.length === 0 ? '<p>None yet.</p>' : `<ul class="devices">${opts.devices.map(deviceItem).join('\n')}</ul>`
}
${
  opts.trustFor === null
    ? ''
    : `<form method="post" action="/.portcullis/account/device/trust"><button type="submit" class="secondary">Trust this device for ${esc(opts.trustFor)}</button></form>`
}
<p class="hint">Forgetting a device ends the sessions signed in from it.${opts.trustFor === null ? '' : ` ${esc(TEXT.trustHint)}`}</p>
${opts.password ? passwordSection() : ''}
${signInsSection(opts.signIns, opts.timeZone)}
<form method="post" action="/.portcullis/logout"><button type="submit" class="secondary">Sign out</button></form>`,
    { scripts: WEBAUTHN_SCRIPTS, wide: true },
  );
}
