/**
 * Facts in, report out, with no I/O: the coverage of each tenant (and of the MSP's own staff,
 * the tenant null) and the findings of the catalogue, each with what to do and where.
 *
 * Suppressions (gateway.yaml `audit.suppressions`) move a matching finding to `suppressed`, with
 * the reason, who approved it and until when. From the `expires` day on, the finding is an
 * ordinary finding again and carries `suppression_expired` (the suppression it outlived), so
 * the report says both what is wrong and that an acceptance lapsed.
 */

import { entryOf, type Severity, severityRank } from './catalogue.ts';
import { DEVICE_TRUST_LIMIT_MS, type Facts, RECOVERY_CODES_LOW, type UserFact } from './collect.ts';

export const SCHEMA_VERSION = 1;

export interface Coverage {
  readonly users: number;
  /** null: only the configuration was audited */
  readonly with_mfa: number | null;
  readonly privileged: number;
  readonly privileged_phishing_resistant: number | null;
  readonly apps: number;
  readonly apps_with_rule: number;
}

export interface TenantReport {
  /** null: the MSP's own staff and apps */
  readonly tenant: string | null;
  readonly coverage: Coverage;
}

export interface SuppressionNote {
  readonly reason: string;
  readonly approved_by: string;
  /** YYYY-MM-DD */
  readonly expires: string;
  /** where it is written, `config/gateway.yaml:line:column` */
  readonly at: string;
}

export interface Finding {
  readonly id: string;
  readonly severity: Severity;
  readonly tenant: string | null;
  /** a user name, an app name, a rule name or a setting */
  readonly subject: string;
  readonly title: string;
  readonly detail: string;
  /** `file:line:column`, relative to the folder holding the configuration */
  readonly location?: string;
  readonly remediation: string;
  /** a suppression of it expired: it is reported again */
  readonly suppression_expired?: SuppressionNote;
}

export interface SuppressedFinding extends Finding {
  readonly suppression: SuppressionNote;
}

export interface Report {
  readonly schema_version: typeof SCHEMA_VERSION;
  readonly generated_at: string;
  /** `config`: only the configuration was audited (no store read, no user finding) */
  readonly scope: 'all' | 'config';
  readonly tenants: readonly TenantReport[];
  /** most severe first */
  readonly findings: readonly Finding[];
  readonly suppressed: readonly SuppressedFinding[];
  readonly notes: readonly string[];
}

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

type Raw = Omit<Finding, 'title' | 'remediation' | 'severity'> & { severity?: Severity };

function userFindings(u: UserFact, facts: Facts): Raw[] {
  const s = u.stored;
  if (s === null) return [];
  const out: Raw[] = [];
  const add = (id: string, detail: string, severity?: Severity) =>
    out.push({ id, tenant: u.tenant, subject: u.name, detail, location: u.at, ...(severity ? { severity } : {}) });
  const kinds = new Set(s.factors);
  if (kinds.size === 0)
    add(
      'no-second-factor',
      `${u.privileged ? 'privileged; ' : ''}no second factor enrolled${s.enrolmentDue ? ' (enrolment is required at the next sign-in)' : ''}`,
      u.privileged ? 'critical' : undefined,
    );
  if (u.privileged && !kinds.has('webauthn'))
    add(
      'privileged-not-phishing-resistant',
      kinds.size === 0
        ? 'no second factor at all'
        : `second factors: ${[...kinds].sort().join(', ')}; no security key or passkey`,
    );
  const cut = facts.now - (u.staleAfterMs ?? facts.staleAfterMs);
  if (s.lastSignIn !== null ? s.lastSignIn < cut : !s.recentTrace)
    add(
      'stale-account',
      s.lastSignIn === null
        ? 'never signed in, and nothing recorded about the account recently'
        : `last sign-in ${day(s.lastSignIn)} (${Math.floor((facts.now - s.lastSignIn) / DAY)} days ago)`,
    );
  if (kinds.size > 0 && s.recovery.unused < RECOVERY_CODES_LOW)
    add('recovery-codes-low', `${s.recovery.unused} unused recovery code(s) of ${s.recovery.total}`);
  if (s.accessCode !== null)
    add(
      'active-access-code',
      `issued by ${s.accessCode.createdBy}, valid until ${new Date(s.accessCode.expiresAt).toISOString()}`,
    );
  if (s.pushReported !== null) {
    const r = s.pushReported;
    const where = [r.app === null ? '' : `app ${r.app}`, r.ip === null ? '' : `from ${r.ip}`].filter(Boolean);
    add(
      'push-reported',
      `reported ${day(r.at)}${where.length > 0 ? ` (${where.join(', ')})` : ''}; pushes blocked until unblocked`,
    );
  }
  if (s.lock !== null && (s.lock.locked || s.lock.lockedDevices > 0)) {
    const what = [
      ...(s.lock.locked ? [`the account is locked (${s.lock.failures} failures)`] : []),
      ...(s.lock.lockedDevices > 0 ? [`${s.lock.lockedDevices} of its browsers locked`] : []),
    ];
    add('locked-account', what.join('; '));
  }
  for (const d of s.trustedDevices) {
    if (d.until - d.trustedAt > DEVICE_TRUST_LIMIT_MS)
      out.push({
        id: 'long-device-trust',
        tenant: u.tenant,
        subject: u.name,
        detail: `"${d.name}" trusted from ${day(d.trustedAt)} until ${day(d.until)} (${Math.round((d.until - d.trustedAt) / DAY)} days)`,
        location: u.at,
      });
  }
  return out;
}

function configFindings(facts: Facts): Raw[] {
  const out: Raw[] = [];
  for (const r of facts.rules) {
    for (const [tenant, apps] of r.apps) {
      const on = `on ${apps.join(', ')}`;
      if (r.action === 'allow' && !r.identity)
        out.push({
          id: 'anonymous-rule',
          tenant,
          subject: r.name,
          detail: r.paths ? `action: allow for the paths it names, ${on}` : `action: allow for every path, ${on}`,
          location: r.at,
          ...(r.paths ? {} : { severity: 'high' as const }),
        });
      else if ((r.action === 'allow' && r.identity) || r.level === 'password')
        out.push({
          id: 'password-only-rule',
          tenant,
          subject: r.name,
          detail: `${r.action === 'allow' ? 'action: allow after sign-in' : 'require: { level: password }'}${r.conditions ? ' (under when: conditions)' : ''}, ${on}`,
          location: r.at,
          ...(r.conditions ? { severity: 'low' as const } : {}),
        });
    }
  }
  for (const a of facts.apps) {
    if (!a.ownRule)
      out.push({
        id: 'app-without-rule',
        tenant: a.tenant,
        subject: a.name,
        detail: `no rule names ${a.host}${a.tenant === null ? '' : ` and no rule of tenant ${a.tenant}'s policy applies`}: only shared rules decide`,
        location: a.at,
      });
  }
  for (const p of facts.providers) {
    if (p.trustUpstreamMfa)
      out.push({
        id: 'upstream-mfa-trusted',
        tenant: p.tenant,
        subject: `identity_providers.${p.name}.trust_upstream_mfa`,
        detail: `a token of ${p.name} whose amr holds mfa meets level mfa`,
        location: p.at,
      });
  }
  if (facts.rememberDevice.ms > DEVICE_TRUST_LIMIT_MS) {
    for (const tenant of facts.tenants)
      out.push({
        id: 'long-device-trust',
        tenant,
        subject: 'session.remember_device',
        detail: `devices are trusted for ${Math.round(facts.rememberDevice.ms / DAY)} days`,
        location: facts.rememberDevice.at,
      });
  }
  return out;
}

function coverageOf(tenant: string | null, facts: Facts): Coverage {
  const users = facts.users.filter((u) => u.tenant === tenant);
  const privileged = users.filter((u) => u.privileged);
  const apps = facts.apps.filter((a) => a.tenant === tenant);
  const stored = !facts.configOnly;
  const mfa = (u: UserFact) => (u.stored?.factors.length ?? 0) > 0;
  return {
    users: users.length,
    with_mfa: stored ? users.filter(mfa).length : null,
    privileged: privileged.length,
    privileged_phishing_resistant: stored
      ? privileged.filter((u) => u.stored?.factors.includes('webauthn')).length
      : null,
    apps: apps.length,
    apps_with_rule: apps.filter((a) => a.ownRule).length,
  };
}

const compareTenants = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    compareTenants(a.tenant, b.tenant) ||
    compareText(a.id, b.id) ||
    compareText(a.subject, b.subject) ||
    compareText(a.detail, b.detail)
  );
}

/** The whole report; `tenant` (undefined: all) keeps one tenant's figures and findings (null: MSP staff). */
export function buildReport(facts: Facts, tenant?: string | null): Report {
  const raw = [...facts.users.flatMap((u) => userFindings(u, facts)), ...configFindings(facts)];
  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const r of raw) {
    if (tenant !== undefined && r.tenant !== tenant) continue;
    const entry = entryOf(r.id);
    const finding: Finding = {
      id: r.id,
      severity: r.severity ?? entry.severity,
      tenant: r.tenant,
      subject: r.subject,
      title: entry.title,
      detail: r.detail,
      ...(r.location === undefined ? {} : { location: r.location }),
      remediation: entry.remediation,
    };
    const matching = facts.suppressions.filter(
      (s) =>
        s.finding === r.id &&
        (s.tenant === undefined || s.tenant === r.tenant) &&
        (s.subject === undefined || s.subject === r.subject),
    );
    const note = (s: (typeof matching)[number]): SuppressionNote => ({
      reason: s.reason,
      approved_by: s.approvedBy,
      expires: day(s.expiresAt),
      at: s.at,
    });
    const active = matching.find((s) => s.expiresAt > facts.now);
    if (active !== undefined) {
      suppressed.push({ ...finding, suppression: note(active) });
      continue;
    }
    const lapsed = matching.sort((a, b) => b.expiresAt - a.expiresAt)[0];
    findings.push(lapsed === undefined ? finding : { ...finding, suppression_expired: note(lapsed) });
  }
  findings.sort(compareFindings);
  suppressed.sort(compareFindings);
  const tenants = facts.tenants.filter((t) => tenant === undefined || t === tenant);
  return {
    schema_version: SCHEMA_VERSION,
    generated_at: new Date(facts.now).toISOString(),
    scope: facts.configOnly ? 'config' : 'all',
    tenants: tenants.map((t) => ({ tenant: t, coverage: coverageOf(t, facts) })),
    findings,
    suppressed,
    notes: facts.notes,
  };
}

/** The most severe finding (not suppressed) at or above `threshold`: what `--fail-on` looks at. */
export function failsOn(report: Report, threshold: Severity): boolean {
  return report.findings.some((f) => severityRank(f.severity) <= severityRank(threshold));
}
