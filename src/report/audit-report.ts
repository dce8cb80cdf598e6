/**
 * The report of a configuration and its stores, in one of the four formats: what the admin API
 * (`GET /api/v1/audit`) and `portcullis audit` both produce.
 */
import { readFileSync } from 'node:fs';
import type { Clock } from '../clock.ts';
import type { GatewayState } from '../state.ts';
import type { DurableStore } from '../stores/durable.ts';
import { reportBranding } from './branding.ts';
import { collect, collectConfig, type LockReader } from './collect.ts';
import { buildReport, type Report } from './findings.ts';
import { formatHtml } from './formats/html.ts';
import { formatJson } from './formats/json.ts';
import { formatSarif } from './formats/sarif.ts';
import { formatText } from './formats/text.ts';

export const FORMATS = ['text', 'json', 'html', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

/** The version in package.json (two folders up, from src/report/ as from dist/report/). */
export const PRODUCT_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Every tenant the configuration names (null: MSP staff). */
export function knownTenant(report: Pick<Report, 'tenants'>, tenant: string): boolean {
  return report.tenants.some((t) => t.tenant === tenant);
}

/**
 * The report; `durable` null audits the configuration only. Rejects with StoreUnavailableError
 * when a store cannot be read.
 */
export async function auditReport(
  state: GatewayState,
  stores: { durable: DurableStore; locks: LockReader; notes?: readonly string[] } | null,
  clock: Clock,
  tenant?: string,
): Promise<Report> {
  const facts =
    stores === null
      ? collectConfig(state, clock)
      : await collect(state, stores.durable, stores.locks, clock, stores.notes);
  return buildReport(facts, tenant);
}

/** The report in `format`; html takes its brands from the state's branding. */
export function render(report: Report, format: Format, state: GatewayState): string {
  if (format === 'json') return formatJson(report);
  if (format === 'sarif') return formatSarif(report, PRODUCT_VERSION);
  if (format === 'html') return formatHtml(report, reportBranding(state));
  return formatText(report);
}
