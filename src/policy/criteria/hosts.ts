import { Type } from '../../json-schema.ts';
import { type AppAwareMatcher, type AppFacts, type Criterion, type RequestFacts, Verdict } from '../types.ts';

/**
 * `hosts: [rmm.acme.example, "*.acme.example"]`: exact hosts or wildcards of one or more labels.
 * Rules are also indexed by host at compile time (see compile.ts); this matcher is the exact check,
 * needed per request only where the index cannot settle it.
 */
export function hostPatternMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1);
    return host.length > suffix.length && host.endsWith(suffix);
  }
  return pattern === host;
}

/**
 * True when `pattern` matches every host `appHost` (an app's host pattern) matches: the same
 * exact host, a wildcard over an exact host, or a wildcard whose suffix ends the app's
 * wildcard suffix (`*.example` covers `*.acme.example`). An exact pattern never covers a
 * wildcard app.
 */
export function hostPatternCovers(pattern: string, appHost: string): boolean {
  if (!appHost.startsWith('*.')) return hostPatternMatches(pattern, appHost);
  return pattern.startsWith('*.') && appHost.slice(1).endsWith(pattern.slice(1));
}

export function normalizeHostPattern(pattern: string): string {
  return pattern.toLowerCase().replace(/\.$/, '');
}

export const hosts: Criterion<string[]> = {
  key: 'hosts',
  place: 'rule',
  schema: Type.Array(Type.String({ pattern: '^(\\*\\.)?[A-Za-z0-9.-]+$' }), { minItems: 1 }),
  reason: 'host-matched',
  identity: false,
  compile(spec) {
    const exact = new Set<string>();
    const wildcards: string[] = [];
    for (const raw of spec) {
      const p = normalizeHostPattern(raw);
      if (p.startsWith('*.')) wildcards.push(p);
      else exact.add(p);
    }
    const all = [...exact, ...wildcards];
    const matcher: AppAwareMatcher = Object.assign(
      (facts: RequestFacts) => {
        if (exact.has(facts.host)) return Verdict.Yes;
        for (const w of wildcards) if (hostPatternMatches(w, facts.host)) return Verdict.Yes;
        return Verdict.No;
      },
      {
        // The host index already placed the request on the app: when the rule covers the
        // app's whole host pattern there is nothing left to check. A partial overlap (an
        // exact host, or a narrower wildcard, inside a wildcard app) is still checked.
        forApp: (app: AppFacts) => (all.some((p) => hostPatternCovers(p, app.host)) ? null : matcher),
      },
    );
    return matcher;
  },
};
