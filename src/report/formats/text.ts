/** The report for a terminal: headline figures per tenant, then the findings most severe first. */
import { SEVERITIES } from '../catalogue.ts';
import type { Finding, Report } from '../findings.ts';
import { headline, tenantLabel } from './coverage-text.ts';

/** Control and format characters (terminal escape sequences) replaced. */
const clean = (s: string) => s.replace(/[\p{Cc}\p{Cf}]/gu, '?');

function findingLines(f: Finding): string[] {
  return [
    `  ${f.severity.toUpperCase().padEnd(8)} ${f.id}  [${clean(tenantLabel(f.tenant))}] ${clean(f.subject)}: ${clean(f.detail)}`,
    ...(f.location === undefined ? [] : [`           at ${clean(f.location)}`]),
    ...(f.suppression_expired === undefined
      ? []
      : [
          `           its suppression expired on ${f.suppression_expired.expires} (${clean(f.suppression_expired.reason)}, approved by ${clean(f.suppression_expired.approved_by)})`,
        ]),
    `           what to do: ${f.remediation}`,
  ];
}

export function formatText(report: Report): string {
  const lines = [`Portcullis MFA coverage report, ${report.generated_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`];
  if (report.scope === 'config') lines.push('(configuration only: no store was read)');
  for (const t of report.tenants) {
    lines.push('', clean(tenantLabel(t.tenant)));
    const c = t.coverage;
    lines.push(`  ${c.users} user(s), ${c.privileged} privileged; ${c.apps} app(s)`);
    for (const [label, value] of headline(c)) lines.push(`  ${label}: ${value}`);
  }
  const counts = SEVERITIES.map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  lines.push(
    '',
    `Findings: ${report.findings.length === 0 ? 'none' : `${report.findings.length} (${counts.join(', ')})`}`,
  );
  for (const f of report.findings) lines.push(...findingLines(f));
  if (report.suppressed.length > 0) {
    lines.push('', `Suppressed: ${report.suppressed.length}`);
    for (const f of report.suppressed)
      lines.push(
        `  ${f.severity.toUpperCase().padEnd(8)} ${f.id}  [${clean(tenantLabel(f.tenant))}] ${clean(f.subject)}: until ${f.suppression.expires}, ${clean(f.suppression.reason)} (approved by ${clean(f.suppression.approved_by)})`,
      );
  }
  if (report.notes.length > 0) lines.push('', 'Notes:', ...report.notes.map((n) => `  ${clean(n)}`));
  return `${lines.join('\n')}\n`;
}
