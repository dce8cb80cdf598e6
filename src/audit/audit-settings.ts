import { parseDuration } from '../config/duration.ts';
import type { LoadedFiles } from '../config/load.ts';
import { isFindingId } from '../report/catalogue.ts';

/** A finding the operator accepted, until `expiresAt`: gateway.yaml `audit.suppressions[]`. */
export interface Suppression {
  readonly finding: string;
  /** absent: every tenant (MSP staff are the tenant null) */
  readonly tenant?: string;
  /** absent: every subject */
  readonly subject?: string;
  readonly reason: string;
  readonly approvedBy: string;
  /** ms since the epoch: 00:00 UTC of the `expires` day; from then on the finding is reported again */
  readonly expiresAt: number;
  /** `gateway.yaml:line:column` of the entry */
  readonly at: string;
}

export interface AuditSettings {
  /** audit events older than this are deleted */
  readonly retentionMs: number;
  /** an account without a sign-in for this long is stale */
  readonly staleAfterMs: number;
  /** whether a member of these groups is privileged */
  readonly isPrivileged: (groups: readonly string[]) => boolean;
  readonly suppressions: readonly Suppression[];
}

/** The `audit` section of gateway.yaml (defaults filled by the loader); problems are added, located. */
export function auditSettings(files: LoadedFiles, problems: string[]): AuditSettings {
  const a = files.gateway.audit;
  const groups = a.privileged_groups === undefined ? null : new Set(a.privileged_groups);
  const suppressions: Suppression[] = [];
  a.suppressions.forEach((s, i) => {
    const at = files.locateGateway(['audit', 'suppressions', i]);
    if (!isFindingId(s.finding)) {
      problems.push(
        `${files.locateGateway(['audit', 'suppressions', i, 'finding'])}: '${s.finding}' is not a finding of the audit (docs/audit.md lists them)`,
      );
      return;
    }
    const expiresAt = Date.parse(`${s.expires}T00:00:00Z`);
    if (Number.isNaN(expiresAt)) {
      problems.push(`${files.locateGateway(['audit', 'suppressions', i, 'expires'])}: '${s.expires}' is not a date`);
      return;
    }
    suppressions.push({
      finding: s.finding,
      ...(s.tenant === undefined ? {} : { tenant: s.tenant }),
      ...(s.subject === undefined ? {} : { subject: s.subject }),
      reason: s.reason,
      approvedBy: s.approved_by,
      expiresAt,
      at,
    });
  });
  return {
    retentionMs: parseDuration(a.retention),
    staleAfterMs: parseDuration(a.stale_after),
    isPrivileged:
      groups === null
        ? (gs) => gs.some((g) => g.toLowerCase().includes('admin'))
        : (gs) => gs.some((g) => groups.has(g)),
    suppressions,
  };
}
