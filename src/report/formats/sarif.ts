/**
 * The report as SARIF 2.1.0, so that a policy repository shows the findings in code scanning
 * (GitHub `upload-sarif`). One run; the rules are the whole catalogue (level and GitHub's
 * `security-severity` from the default severity); each result has the finding's own level, its
 * location (a path relative to the folder holding the configuration, the repository's root in the
 * usual layout, with the line and column), and a fingerprint made of id, tenant and subject, so
 * a finding keeps its identity when lines move.
 */
import { createHash } from 'node:crypto';
import { CATALOGUE, type Severity } from '../catalogue.ts';
import type { Finding, Report } from '../findings.ts';
import { tenantLabel } from './coverage-text.ts';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};

/** GitHub code scanning's severity scale (critical > 9, high 7-8.9, medium 4-6.9, low < 4). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };

export function fingerprint(f: Pick<Finding, 'id' | 'tenant' | 'subject'>): string {
  return createHash('sha256')
    .update(`${f.id}\u0000${f.tenant ?? ''}\u0000${f.subject}`)
    .digest('hex')
    .slice(0, 32);
}

function locationOf(where: string) {
  const m = /^(.*):(\d+):(\d+)$/.exec(where);
  if (m === null) return { physicalLocation: { artifactLocation: { uri: where } } };
  return {
    physicalLocation: {
      artifactLocation: { uri: encodeURI(m[1] as string) },
      region: { startLine: Number(m[2]), startColumn: Number(m[3]) },
    },
  };
}

export function toSarif(report: Report, version: string): object {
  const index = new Map(CATALOGUE.map((e, i) => [e.id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Portcullis audit',
            semanticVersion: version,
            rules: CATALOGUE.map((e) => ({
              id: e.id,
              name: e.title,
              shortDescription: { text: e.title },
              fullDescription: { text: e.why },
              help: {
                text: `${e.remediation}${e.references.length > 0 ? `\nReferences: ${e.references.join('; ')}` : ''}`,
              },
              defaultConfiguration: { level: LEVEL[e.severity] },
              properties: { tags: ['security', 'mfa'], 'security-severity': SECURITY_SEVERITY[e.severity] },
            })),
          },
        },
        results: report.findings.map((f) => ({
          ruleId: f.id,
          ruleIndex: index.get(f.id),
          level: LEVEL[f.severity],
          message: { text: `[${tenantLabel(f.tenant)}] ${f.subject}: ${f.detail}. ${f.remediation}` },
          ...(f.location === undefined ? {} : { locations: [locationOf(f.location)] }),
          partialFingerprints: { 'portcullisFinding/v1': fingerprint(f) },
          properties: { severity: f.severity, tenant: f.tenant, subject: f.subject },
        })),
      },
    ],
  };
}

export function formatSarif(report: Report, version: string): string {
  return `${JSON.stringify(toSarif(report, version), null, 2)}\n`;
}
