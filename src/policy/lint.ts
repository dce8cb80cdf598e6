import { canonicalUsername } from '../users/canonical.ts';
import { hostPatternsIntersect, type PolicySource } from './compile.ts';
import { hostPatternMatches, normalizeHostPattern } from './criteria/hosts.ts';
import { criteria } from './criteria/index.ts';
import type { RuleSpec } from './schema.ts';
import type { AppFacts, Problem } from './types.ts';

/**
 * Policy lint: problems in policies that compile but are (probably) not what was meant. Run by
 * the state builder after compilePolicies, so `portcullis check`, start and reload report them.
 *
 * 1. Shadowed rules (warning): a rule that can never match because an earlier rule matches every
 *    request it could. Conservative, never a false positive; the earlier rule R shadows the
 *    later rule L only when all of these hold:
 *    - R applies to every app L applies to: R is in a shared file, or in a file of L's tenant;
 *    - R states no condition besides `hosts`, `methods` and `paths` (no `users`, `groups`,
 *      `when`, nor any other criterion);
 *    - methods: R names none, or every method L names (L must name some);
 *    - hosts: R names none, or every host pattern of L is covered by one of R's: an equal
 *      pattern, or an R wildcard `*.s` that matches L's exact host or whose suffix ends L's
 *      wildcard's suffix (`*.acme.example` covers `*.dev.acme.example`). L must name hosts;
 *    - paths: R names none, or every glob of L is covered by one of R's: an equal glob, or an
 *      R glob `P/**` where L's glob is `P` or starts with `P/` (so `/**` covers every glob and
 *      `/admin/**` covers `/admin/users/**`). L must name paths.
 *    Anything else (overlapping globs, `*` segments, method sets that only overlap, ...) is not
 *    reported.
 * 2. Unknown names (warning): a `groups:` entry no user of users.yaml has, a `users:` entry that
 *    is no user of users.yaml (warnings: the user may be added later).
 * 3. Overlapping tenant hosts (error): apps of two different owners (two tenants, or a tenant
 *    and the MSP) whose host patterns can match a common host (`*.acme.example` of acme and
 *    `portal.acme.example` of globex). Reported once per pair, at the later app.
 */
export function lintPolicies(
  sources: readonly PolicySource[],
  apps: readonly AppFacts[],
  known: { readonly groups: ReadonlySet<string>; readonly users: ReadonlySet<string> },
  locateApp?: (index: number) => string,
): Problem[] {
  const problems: Problem[] = [];
  const warn = (at: string, message: string) => problems.push({ severity: 'warning', message: `${at}: ${message}` });

  const earlier: Rule[] = [];
  for (const src of sources) {
    const tenant = src.data.tenant ?? null;
    src.data.rules.forEach((spec, i) => {
      const at = (...path: (string | number)[]) => src.locate(['rules', i, ...path]);
      const rule = ruleOf(spec, tenant, at('name'));

      const by = earlier.find((r) => shadows(r, rule));
      if (by)
        warn(
          rule.at,
          `rule '${spec.name}' can never match: rule '${by.name}' (${by.at.replace(/:\d+$/, '')}) matches everything it would`,
        );
      earlier.push(rule);

      const fields = spec as { groups?: string[]; users?: string[] };
      fields.groups?.forEach((g, j) => {
        if (!known.groups.has(g)) warn(at('groups', j), `no user in users.yaml is in group '${g}'`);
      });
      fields.users?.forEach((u, j) => {
        const name = canonicalUsername(u);
        // an invalid name is the compiler's error
        if (name !== null && !known.users.has(name)) warn(at('users', j), `no user '${name}' in users.yaml`);
      });
    });
  }

  apps.forEach((b, j) => {
    for (const a of apps.slice(0, j)) {
      // apps of different owners (two tenants, or a tenant and the MSP) must not share a host
      if (a.tenant === b.tenant) continue;
      if (!hostPatternsIntersect(a.host, b.host)) continue;
      const owner = (t: string | null) => (t === null ? 'the MSP' : `tenant '${t}'`);
      const message = `host '${b.host}' of app '${b.name}' (${owner(b.tenant)}) overlaps host '${a.host}' of app '${a.name}' (${owner(a.tenant)})`;
      problems.push({ severity: 'error', message: locateApp ? `${locateApp(j)}: ${message}` : message });
    }
  });
  return problems;
}

interface Rule {
  readonly name: string;
  readonly tenant: string | null;
  /** `file:line:column` of the rule's name */
  readonly at: string;
  /** true when the rule states a condition the shadow check does not reason about */
  readonly opaque: boolean;
  readonly hosts: readonly string[] | null;
  readonly methods: readonly string[] | null;
  readonly paths: readonly string[] | null;
}

const UNDERSTOOD = new Set(['hosts', 'methods', 'paths']);

function ruleOf(spec: RuleSpec, tenant: string | null, at: string): Rule {
  const fields = spec as Record<string, unknown>;
  const opaque = criteria.some((c) =>
    c.place === 'rule' ? !UNDERSTOOD.has(c.key) && fields[c.key] !== undefined : spec.when?.[c.key] !== undefined,
  );
  const list = (key: string) => (Array.isArray(fields[key]) ? (fields[key] as string[]) : null);
  const hosts = list('hosts');
  return {
    name: spec.name,
    tenant,
    at,
    opaque,
    hosts: hosts ? hosts.map(normalizeHostPattern) : null,
    methods: list('methods'),
    paths: list('paths'),
  };
}

/** True when `r` (earlier) matches every request `l` (later) could match; see lintPolicies. */
function shadows(r: Rule, l: Rule): boolean {
  if (r.opaque) return false;
  if (r.tenant !== null && r.tenant !== l.tenant) return false;
  return (
    covers(r.methods, l.methods, (a, b) => a === b) &&
    covers(r.hosts, l.hosts, hostCovers) &&
    covers(r.paths, l.paths, globCovers)
  );
}

/** Absent earlier list: covers all. Otherwise every later item needs an earlier item covering it. */
function covers(
  earlier: readonly string[] | null,
  later: readonly string[] | null,
  one: (e: string, l: string) => boolean,
): boolean {
  if (earlier === null) return true;
  if (later === null) return false;
  return later.every((l) => earlier.some((e) => one(e, l)));
}

function hostCovers(e: string, l: string): boolean {
  if (e === l) return true;
  if (!e.startsWith('*.')) return false;
  return l.startsWith('*.') ? l.slice(1).endsWith(e.slice(1)) : hostPatternMatches(e, l);
}

function globCovers(e: string, l: string): boolean {
  if (e === l) return true;
  if (!e.endsWith('/**')) return false;
  const prefix = e.slice(0, -3);
  return l === prefix || l.startsWith(`${prefix}/`);
}
