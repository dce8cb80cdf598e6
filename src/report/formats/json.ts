/**
 * The JSON report, `schema_version` 1: `{schema_version, generated_at, scope, tenants:[{tenant,
 * coverage}], findings:[{id, severity, tenant, subject, title, detail, location?, remediation,
 * suppression_expired?}], suppressed:[... + suppression], notes}`. Later versions may add fields;
 * a field changes meaning or goes away only with a new schema_version.
 */
import type { Report } from '../findings.ts';

export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
