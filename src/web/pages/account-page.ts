import type { FactorRecord } from '../../stores/durable.ts';
import { esc, layout } from '../html.ts';

const when = (ms: number | null) =>
  ms === null ? 'never' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

/** The account page: who you are, your second factors and recovery codes, sign out. */
export function accountPage(opts: {
  user: string;
  name: string | null;
  groups: readonly string[];
  tenant: string | null;
  factors: readonly FactorRecord[];
  recovery: { total: number; unused: number };
  notice?: string;
}): string {
  const rows = opts.factors
    .map(
      (
        f,
      ) => `<tr><td>${esc(f.name)}</td><td>${esc(f.kind === 'totp' ? 'Authenticator app' : f.kind)}</td><td>${esc(when(f.createdAt))}</td><td>${esc(when(f.lastUsedAt))}</td>
<td><form method="post" action="/.portcullis/account/factor/remove"><input type="hidden" name="id" value="${esc(f.id)}"><button type="submit" class="secondary small" aria-label="Remove ${esc(f.name)}">Remove</button></form></td></tr>`,
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
    : `<table><thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Added</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`
}
<p><a href="/.portcullis/enroll?rd=%2F.portcullis%2F">Add an authenticator app</a></p>
<h2>Recovery codes</h2>
<p>${opts.recovery.total === 0 ? 'None.' : `${opts.recovery.unused} of ${opts.recovery.total} unused.`}</p>
<form method="post" action="/.portcullis/account/recovery"><button type="submit" class="secondary">New recovery codes</button></form>
<p class="hint">Removing a factor or making new recovery codes asks for a second factor first.</p>
<form method="post" action="/.portcullis/logout"><button type="submit" class="secondary">Sign out</button></form>`,
  );
}
