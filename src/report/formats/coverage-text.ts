import type { Coverage } from '../findings.ts';

/** `3 of 4 (75%)`; `unknown` when the figure was not read. */
export function share(n: number | null, of: number): string {
  if (n === null) return 'unknown';
  return of === 0 ? `${n} of 0` : `${n} of ${of} (${Math.round((100 * n) / of)}%)`;
}

/** The three headline figures of a tenant, as label and value. */
export function headline(c: Coverage): [string, string][] {
  return [
    ['Users with a second factor', share(c.with_mfa, c.users)],
    ['Privileged users with a phishing-resistant factor', share(c.privileged_phishing_resistant, c.privileged)],
    ['Apps with a rule of their own', share(c.apps_with_rule, c.apps)],
  ];
}

/** How a tenant is named in a report. */
export const tenantLabel = (tenant: string | null): string => (tenant === null ? 'MSP staff' : tenant);
