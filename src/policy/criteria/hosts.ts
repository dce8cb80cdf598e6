import { Type } from 'typebox';
import { type Criterion, type RequestFacts, Verdict } from '../types.ts';

/**
 * `hosts: [rmm.acme.example, "*.acme.example"]`: exact hosts or wildcards of one or more labels.
 * Rules are also indexed by host at compile time (see compile.ts); this matcher is the exact check.
 */
export function hostPatternMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1);
    return host.length > suffix.length && host.endsWith(suffix);
  }
  return pattern === host;
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
    return (facts: RequestFacts) => {
      if (exact.has(facts.host)) return Verdict.Yes;
      for (const w of wildcards) if (hostPatternMatches(w, facts.host)) return Verdict.Yes;
      return Verdict.No;
    };
  },
};
