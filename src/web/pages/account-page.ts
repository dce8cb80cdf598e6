import { type ChoosableMethod, choosable, factorOf } from '../../authn/factors/index.ts';
import { keyRegistration, WEBAUTHN_SCRIPTS } from '../../authn/factors/webauthn/webauthn-parts.ts';
import type { FactorRecord } from '../../stores/durable.ts';
import { MIN_PASSWORD_LENGTH } from '../../users/password.ts';
import { esc, layout, type PageText } from '../html.ts';
import { deviceNameText, periodText } from './account-text.ts';

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

const whereOf = (v: { ip: string | null; country: string | null }) =>
  [v.ip, v.country].filter((x) => x !== null).join(', ');

function signInItem(text: PageText, v: SignInView): string {
  const date = text.when(v.time);
  const where = whereOf(v);
  const device = v.device === null ? text.t('account.signIns.unknownDevice') : deviceNameText(text, v.device);
  return `<li>
<p><strong>${esc(date)}</strong>${v.current ? ` <span class="tag">${esc(text.t('account.signIns.thisBrowser'))}</span>` : ''}</p>
<p class="hint">${esc(where ? text.t('account.signIns.deviceFrom', { device, where }) : device)}</p>
<form method="post" action="/.portcullis/account/signin/report"><input type="hidden" name="time" value="${esc(v.time)}"><button type="submit" class="secondary small" aria-label="${esc(text.t('account.signIns.notMeLabel', { date }))}">${esc(text.t('account.signIns.notMe'))}</button></form>
</li>`;
}

function signInsSection(text: PageText, signIns: readonly SignInView[]): string {
  return `<h2>${esc(text.t('account.signIns.heading'))}</h2>
${signIns.length === 0 ? `<p>${esc(text.t('account.noneYet'))}</p>` : `<ul class="devices signins">${signIns.map((v) => signInItem(text, v)).join('\n')}</ul>`}
<p class="hint">${esc(text.t('account.signIns.hint'))}</p>`;
}

/** The kind sign-in asks for first: the user's choice when still held, else the first held (null: none held). */
function effectiveDefault(held: readonly ChoosableMethod[], chosen: ChoosableMethod | null): ChoosableMethod | null {
  return chosen !== null && held.includes(chosen) ? chosen : (held[0] ?? null);
}

/**
 * The default second factor: which kind sign-in asks for first, and (holding both) a choice.
 * `held`: the kinds the user holds, in the order sign-in offers them.
 */
function defaultSection(text: PageText, held: readonly ChoosableMethod[], chosen: ChoosableMethod | null): string {
  const current = effectiveDefault(held, chosen);
  if (current === null) return '';
  const choice =
    held.length < 2
      ? ''
      : `<form method="post" action="/.portcullis/account/method/default"><fieldset><legend>${esc(text.t('account.default.choose'))}</legend>
${held
  .map(
    (m) =>
      `<label class="check"><input type="radio" name="method" value="${m}"${m === current ? ' checked' : ''}> ${esc(text.t(`account.default.label.${m}`))}</label>`,
  )
  .join('\n')}
</fieldset><button type="submit" class="secondary">${esc(text.t('account.default.save'))}</button></form>`;
  return `<h2>${esc(text.t('account.default.heading'))}</h2>
<p>${esc(text.t('account.default.is', { method: text.t(`account.default.method.${current}`) }))}</p>
${choice}`;
}

function passwordSection(text: PageText): string {
  const min = MIN_PASSWORD_LENGTH;
  return `<h2>${esc(text.t('account.password.heading'))}</h2>
<p class="hint">${esc(text.t('account.password.intro'))}</p>
<form method="post" action="/.portcullis/account/password">
<label for="current-password">${esc(text.t('account.password.current'))}</label>
<input id="current-password" name="current" type="password" autocomplete="current-password" required maxlength="1024">
<label for="new-password">${esc(text.t('account.password.new'))}</label>
<input id="new-password" name="password" type="password" autocomplete="new-password" required minlength="${min}" maxlength="1024" aria-describedby="new-password-hint">
<p class="hint" id="new-password-hint">${esc(text.t('account.password.hint', { min }))}</p>
<label for="confirm-password">${esc(text.t('account.password.confirm'))}</label>
<input id="confirm-password" name="confirm" type="password" autocomplete="new-password" required minlength="${min}" maxlength="1024">
<button type="submit" class="secondary">${esc(text.t('account.password.submit'))}</button>
</form>`;
}

/**
 * A cell of a table that becomes a list on a narrow screen: `data-label` names its column there
 * (portal.css); the explicit roles keep it a table for screen readers whatever its display.
 */
const cell = (label: string, content: string) =>
  `<td role="cell" data-label="${esc(label)}"><div>${content}</div></td>`;

/** A moment in a table: a <time> that does not wrap inside (portal.css), or "never". */
const timeOf = (text: PageText, ms: number | null) =>
  ms === null
    ? esc(text.t('account.never'))
    : `<time datetime="${esc(new Date(ms).toISOString())}">${esc(text.when(ms))}</time>`;

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

function deviceItem(text: PageText, d: DeviceView): string {
  const where = whereOf(d);
  const date = text.when(d.lastSeenAt);
  const seen = where ? text.t('account.device.seenFrom', { date, where }) : text.t('account.device.seen', { date });
  const trust =
    d.trustedUntil === null
      ? text.t('account.device.notTrusted')
      : text.t('account.device.trustedUntil', { date: text.when(d.trustedUntil) });
  const label = d.current
    ? text.t('account.device.forgetThis', { device: deviceNameText(text, d.name) })
    : text.t('account.device.forgetOther', { device: deviceNameText(text, d.name), date });
  return `<li>
<p><strong>${esc(deviceNameText(text, d.name))}</strong>${d.current ? ` <span class="tag">${esc(text.t('account.device.this'))}</span>` : ''}</p>
<p class="hint">${esc(seen)} ${esc(trust)}</p>
<form method="post" action="/.portcullis/account/device/forget"><input type="hidden" name="id" value="${esc(d.id)}"><button type="submit" class="secondary small" aria-label="${esc(label)}">${esc(text.t('account.device.forget'))}</button></form>
</li>`;
}

/** The kind of a factor record in words, as its factor says (factors/index.ts); else its bare kind. */
function kindName(text: PageText, f: FactorRecord): string {
  const row = rowOf(f);
  return row === undefined ? f.kind : row.kind(text, f);
}

/** The account-page row of the factor a record is of, when that factor has one. */
const rowOf = (f: FactorRecord) => {
  const factor = factorOf(f.kind);
  return factor !== undefined && 'account' in factor ? factor.account : undefined;
};

/** Renaming a key: a small form under its name (a label to tell keys apart). */
function renameForm(text: PageText, f: FactorRecord): string {
  return `<details class="rename"><summary>${esc(text.t('account.rename.open'))}</summary><form method="post" action="/.portcullis/account/factor/rename">
<input type="hidden" name="id" value="${esc(f.id)}">
<label for="rename-${esc(f.id)}">${esc(text.t('account.rename.label'))}</label>
<input id="rename-${esc(f.id)}" name="name" maxlength="64" required value="${esc(f.name)}">
<button type="submit" class="secondary small">${esc(text.t('account.rename.save'))}</button></form></details>`;
}

/**
 * The account page: who you are, your second factors, recovery codes and devices, the default
 * way to confirm, the password, recent sign-ins, sign out; in the page's language, dates and
 * times in the brand's time zone.
 */
export function accountPage(
  text: PageText,
  opts: {
    user: string;
    name: string | null;
    groups: readonly string[];
    tenant: string | null;
    factors: readonly FactorRecord[];
    recovery: { total: number; unused: number };
    devices: readonly DeviceView[];
    /** the "Trust this device" button, for how long (ms); null: not offered */
    trustFor: number | null;
    /** the user's chosen default second factor (null: never chosen) */
    defaultMethod: ChoosableMethod | null;
    /** the user's password is kept here (users.yaml) and may be changed */
    password: boolean;
    /** the recent sign-ins, newest first */
    signIns: readonly SignInView[];
    /** push approval is on: offer to pair a phone */
    push?: boolean;
    notice?: string;
    error?: string;
  },
): string {
  const t = text.t;
  const col = {
    name: t('account.col.name'),
    kind: t('account.col.kind'),
    added: t('account.col.added'),
    lastUsed: t('account.col.lastUsed'),
    actions: t('account.col.actions'),
  };
  const held = choosable().filter((k) => opts.factors.some((f) => f.kind === k));
  const first = effectiveDefault(held, opts.defaultMethod);
  const tag = (f: FactorRecord) =>
    f.kind === first ? ` <span class="tag">${esc(t('account.default.tag'))}</span>` : '';
  const rows = opts.factors
    .map(
      (
        f,
      ) => `<tr role="row">${cell(col.name, `${esc(f.name)}${rowOf(f)?.rename ? renameForm(text, f) : ''}`)}${cell(col.kind, `${esc(kindName(text, f))}${tag(f)}`)}${cell(col.added, timeOf(text, f.createdAt))}${cell(col.lastUsed, timeOf(text, f.lastUsedAt))}
<td role="cell" class="actions"><form method="post" action="/.portcullis/account/factor/remove"><input type="hidden" name="id" value="${esc(f.id)}"><button type="submit" class="secondary small" aria-label="${esc(t('account.remove.label', { name: f.name }))}">${esc(t('account.remove.button'))}</button></form></td></tr>`,
    )
    .join('\n');
  return layout(
    t('account.title'),
    `<h1>${esc(t('account.title'))}</h1>
${opts.notice ? `<p class="notice" role="status">${esc(opts.notice)}</p>` : ''}
${opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : ''}
<dl>
<dt>${esc(t('account.user'))}</dt><dd>${esc(opts.user)}</dd>
${opts.name ? `<dt>${esc(t('account.name'))}</dt><dd>${esc(opts.name)}</dd>` : ''}
<dt>${esc(t('account.groups'))}</dt><dd>${esc(opts.groups.join(', ') || '—')}</dd>
<dt>${esc(t('account.organisation'))}</dt><dd>${esc(opts.tenant ?? t('account.mspStaff'))}</dd>
</dl>
<h2>${esc(t('account.factors.heading'))}</h2>
${
  opts.factors.length === 0
    ? `<p>${esc(t('account.noneYet'))}</p>`
    : `<table role="table" class="stack"><thead role="rowgroup"><tr role="row">${[col.name, col.kind, col.added, col.lastUsed].map((c) => `<th scope="col" role="columnheader">${esc(c)}</th>`).join('')}<th scope="col" role="columnheader"><span class="visually-hidden">${esc(col.actions)}</span></th></tr></thead><tbody role="rowgroup">${rows}</tbody></table>`
}
${defaultSection(text, held, opts.defaultMethod)}
<p><a href="/.portcullis/enroll?rd=%2F.portcullis%2F">${esc(t('account.addApp'))}</a></p>
${keyRegistration(text, null, { heading: t('account.addKey') })}
${opts.push ? `<form method="post" action="/.portcullis/push/pair"><button type="submit" class="secondary">${esc(t('push.pair.button'))}</button></form>` : ''}
<h2>${esc(t('account.recovery.heading'))}</h2>
<p>${esc(opts.recovery.total === 0 ? t('account.recovery.none') : t('account.recovery.count', opts.recovery))}</p>
<form method="post" action="/.portcullis/account/recovery"><button type="submit" class="secondary">${esc(t('account.recovery.new'))}</button></form>
<p class="hint">${esc(t('account.hint.factors'))}</p>
<h2>${esc(t('account.devices.heading'))}</h2>
${
  opts.devices.length === 0
    ? `<p>${esc(t('account.noneYet'))}</p>`
    : `<ul class="devices">${opts.devices.map((d) => deviceItem(text, d)).join('\n')}</ul>`
}
${
  opts.trustFor === null
    ? ''
    : `<form method="post" action="/.portcullis/account/device/trust"><button type="submit" class="secondary">${esc(t('account.device.trust', { period: periodText(text, opts.trustFor) }))}</button></form>`
}
<p class="hint">${esc(t('account.hint.forget'))}${opts.trustFor === null ? '' : ` ${esc(t('account.hint.trust'))}`}</p>
${opts.password ? passwordSection(text) : ''}
${signInsSection(text, opts.signIns)}
<form method="post" action="/.portcullis/logout"><button type="submit" class="secondary">${esc(t('common.signOut'))}</button></form>`,
    { scripts: WEBAUTHN_SCRIPTS, wide: true, locale: text.locale },
  );
}
