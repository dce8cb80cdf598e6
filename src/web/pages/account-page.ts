import type { FactorRecord } from '../../stores/durable.ts';
import { esc, layout } from '../html.ts';
import { keyRegistration, WEBAUTHN_SCRIPTS } from './webauthn-parts.ts';

const TEXT = {
  /** the columns of the second factors' table, also each cell's label where the table is a list */
  columns: { name: 'Name', kind: 'Kind', added: 'Added', lastUsed: 'Last used', actions: 'Actions' },
} as const;

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
  notice?: string;
}): string {
  const col = TEXT.columns;
  const rows = opts.factors
    .map(
      (
        f,
      ) => `<tr role="row">${cell(col.name, `${esc(f.name)}${f.kind === 'webauthn' ? renameForm(f) : ''}`)}${cell(col.kind, esc(kindName(f)))}${cell(col.added, timeOf(f.createdAt))}${cell(col.lastUsed, timeOf(f.lastUsedAt))}
<td role="cell" class="actions"><form method="post" action="/.portcullis/account/factor/remove"><input type="hidden" name="id" value="${esc(f.id)}"><button type="submit" class="secondary small" aria-label="Remove ${esc(f.name)}">Remove</button></form></td></tr>`,
    )
    .join('\n');
  return layout(
    'Account',
    `<h1>Account</h1>
${opts.notice ? `<p class="notice" role="status">${esc(opts.notice)}</p>` : ''}
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
<p class="hint">Forgetting a device ends the sessions signed in from it. Trusting this device asks for a second factor first.</p>
<form method="post" action="/.portcullis/logout"><button type="submit" class="secondary">Sign out</button></form>`,
    { scripts: WEBAUTHN_SCRIPTS, wide: true },
  );
}
