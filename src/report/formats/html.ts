/**
 * The report as one self-contained HTML file an MSP hands to a client: no script, no external
 * asset (the style is inline, a logo is inlined as a data: URI, and the page's own CSP forbids
 * loading anything else), printable on A4. Per tenant: a cover page in the client's branding
 * (name, logo, the date in its time zone, the headline figures), then its findings by severity
 * and the risks it accepted (suppressions). Every text from the configuration or the stores is
 * escaped.
 */

import { esc } from '../../web/html.ts';
import { SEVERITIES } from '../catalogue.ts';
import type { Finding, Report, SuppressedFinding, TenantReport } from '../findings.ts';
import { share } from './coverage-text.ts';

export interface ReportBrand {
  readonly name: string;
  readonly logo: { readonly type: string; readonly body: Buffer } | null;
  readonly timeZone: string;
  /** `#rrggbb`: the accent of the cover */
  readonly color: string;
}

/** The accent when the configuration names no colour. */
export const DEFAULT_COLOR = '#16325c';

export interface ReportBranding {
  /** the MSP: the author of the report, and the brand of its own staff's section */
  readonly msp: ReportBrand;
  /** a client's brand (name, logo, time zone) */
  tenant(tenant: string): ReportBrand;
}

const CSS = `
@page { size: A4; margin: 16mm 15mm; }
* { box-sizing: border-box; }
html { font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d2330; }
body { margin: 0; }
section.tenant + section.tenant { break-before: page; }
.cover::before { content: ''; display: block; height: 5mm; background: var(--brand); margin-bottom: 8mm; }
.cover { min-height: 250mm; display: flex; flex-direction: column; break-after: page; }
.cover .logo { max-height: 22mm; max-width: 70mm; object-fit: contain; align-self: flex-start; }
.cover .kicker { margin: 18mm 0 2mm; text-transform: uppercase; letter-spacing: .12em; color: #4a5568; font-size: 9.5pt; }
.cover h1 { margin: 0 0 3mm; font-size: 28pt; line-height: 1.15; color: #16325c; }
.cover .meta { margin: 0 0 14mm; color: #4a5568; }
.figures { display: grid; grid-template-columns: repeat(3, 1fr); gap: 5mm; margin-bottom: 10mm; }
.figure { border: 1px solid #cbd2dc; border-top: 4px solid var(--brand); border-radius: 2mm; padding: 4mm; break-inside: avoid; }
.figure .value { display: block; font-size: 20pt; font-weight: 700; color: #16325c; }
.figure .label { display: block; color: #4a5568; }
.counts { display: flex; flex-wrap: wrap; gap: 3mm; padding: 0; margin: 0; list-style: none; }
.counts li { padding: 1.5mm 3mm; border-radius: 1.5mm; font-weight: 600; }
.sev-critical { background: #7a0916; color: #fff; }
.sev-high { background: #c53030; color: #fff; }
.sev-medium { background: #f6c343; color: #1d2330; }
.sev-low { background: #dbe4f0; color: #1d2330; }
.cover .footer { margin-top: auto; color: #4a5568; font-size: 9pt; }
h2 { font-size: 15pt; color: #16325c; margin: 0 0 4mm; }
h3 { font-size: 12pt; margin: 6mm 0 2mm; padding: 1mm 3mm; border-radius: 1.5mm; break-after: avoid; }
.finding { border-left: 3px solid #cbd2dc; padding: 1mm 0 1mm 4mm; margin: 0 0 4mm; break-inside: avoid; }
.finding h4 { margin: 0 0 1mm; font-size: 10.5pt; }
.finding p { margin: 0 0 1mm; }
.finding .where, .finding .id { color: #4a5568; font-size: 9pt; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #cbd2dc; padding: 1.5mm 2mm; }
tr { break-inside: avoid; }
.notes { color: #4a5568; font-size: 9pt; }
`;

function dateIn(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone }).format(new Date(iso));
}

function logoOf(brand: ReportBrand): string {
  if (brand.logo === null) return '';
  return `<img class="logo" alt="" src="data:${esc(brand.logo.type)};base64,${brand.logo.body.toString('base64')}">`;
}

function findingBlock(f: Finding): string {
  return `<article class="finding">
<h4>${esc(f.title)}: ${esc(f.subject)}</h4>
<p>${esc(f.detail)}</p>
${f.suppression_expired === undefined ? '' : `<p>An accepted risk expired on ${esc(f.suppression_expired.expires)} (${esc(f.suppression_expired.reason)}; approved by ${esc(f.suppression_expired.approved_by)}).</p>`}
<p><strong>What to do:</strong> ${esc(f.remediation)}</p>
<p class="id">${esc(f.id)}${f.location === undefined ? '' : ` &middot; <span class="where">${esc(f.location)}</span>`}</p>
</article>`;
}

function suppressedTable(list: readonly SuppressedFinding[]): string {
  if (list.length === 0) return '';
  const rows = list
    .map(
      (f) =>
        `<tr><td>${esc(f.title)}: ${esc(f.subject)}</td><td>${esc(f.suppression.reason)}</td><td>${esc(f.suppression.approved_by)}</td><td>${esc(f.suppression.expires)}</td></tr>`,
    )
    .join('\n');
  return `<h2>Accepted risks</h2>
<table><thead><tr><th>Finding</th><th>Reason</th><th>Approved by</th><th>Until</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

function tenantSection(report: Report, t: TenantReport, branding: ReportBranding): string {
  const brand = t.tenant === null ? branding.msp : branding.tenant(t.tenant);
  const findings = report.findings.filter((f) => f.tenant === t.tenant);
  const suppressed = report.suppressed.filter((f) => f.tenant === t.tenant);
  const c = t.coverage;
  const figures: [string | null, string][] = [
    [share(c.with_mfa, c.users), 'users with a second factor'],
    [share(c.privileged_phishing_resistant, c.privileged), 'privileged users with a phishing-resistant factor'],
    [share(c.apps_with_rule, c.apps), 'apps with a rule of their own'],
  ];
  const percent = (s: string | null) => /\((\d+%)\)$/.exec(s ?? '')?.[1] ?? (s === 'unknown' ? '?' : '-');
  const counts = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const);
  const groups = SEVERITIES.map((s) => {
    const list = findings.filter((f) => f.severity === s);
    if (list.length === 0) return '';
    return `<h3 class="sev-${s}">${s.charAt(0).toUpperCase()}${s.slice(1)} (${list.length})</h3>\n${list.map(findingBlock).join('\n')}`;
  }).join('\n');
  const title = t.tenant === null ? `${brand.name}: MSP staff` : brand.name;
  const color = /^#[0-9a-fA-F]{6}$/.test(brand.color) ? brand.color : DEFAULT_COLOR;
  return `<section class="tenant" data-tenant="${esc(t.tenant ?? '')}" style="--brand: ${color}">
<header class="cover">
${logoOf(brand)}
<p class="kicker">MFA coverage report</p>
<h1>${esc(title)}</h1>
<p class="meta">${esc(dateIn(report.generated_at, brand.timeZone))}${t.tenant === null ? '' : ` &middot; prepared by ${esc(branding.msp.name)}`}</p>
<div class="figures">
${figures.map(([v, label]) => `<div class="figure"><span class="value">${esc(percent(v))}</span><span class="label">${esc(v)} ${esc(label)}</span></div>`).join('\n')}
</div>
<ul class="counts">
${counts.map(([s, n]) => `<li class="sev-${s}">${n} ${s}</li>`).join('\n')}
</ul>
<p class="footer">${c.users} user(s), ${c.privileged} privileged, ${c.apps} app(s).${report.scope === 'config' ? ' Configuration only: the users\u2019 factors were not read.' : ''}</p>
</header>
<h2>Findings</h2>
${findings.length === 0 ? '<p>No findings.</p>' : groups}
${suppressedTable(suppressed)}
${report.notes.length === 0 ? '' : `<p class="notes">${report.notes.map(esc).join('<br>')}</p>`}
</section>`;
}

export function formatHtml(report: Report, branding: ReportBranding): string {
  const only = report.tenants.length === 1 ? report.tenants[0] : undefined;
  const name =
    only === undefined ? branding.msp.name : only.tenant === null ? 'MSP staff' : branding.tenant(only.tenant).name;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MFA coverage report: ${esc(name)}, ${esc(report.generated_at.slice(0, 10))}</title>
<style>${CSS}</style>
</head>
<body>
${report.tenants.map((t) => tenantSection(report, t, branding)).join('\n')}
</body>
</html>
`;
}
