import { parseDuration } from '../config/duration.ts';
import { CidrSet } from '../context/cidr.ts';
import { hostPatternMatches, normalizeHostPattern } from './criteria/hosts.ts';
import { criteria } from './criteria/index.ts';
import type { PolicyFile, RuleSpec } from './schema.ts';
import {
  type AppAwareMatcher,
  type AppFacts,
  type CompileContext,
  type Criterion,
  type Decision,
  type Level,
  type Matcher,
  MIN_MAX_AGE_MS,
  type Problem,
  type Reason,
  type Requirement,
  type RuleRef,
  type SecondFactorName,
  type YamlPath,
} from './types.ts';

/** One policy file as the loader hands it over: already schema-valid, with a way to locate paths. */
export interface PolicySource {
  readonly name: string;
  readonly data: PolicyFile;
  /** `file:line:column` of a YAML path inside this file */
  locate(path: YamlPath): string;
}

export interface CompiledRule {
  readonly ref: RuleRef;
  readonly matchers: readonly Matcher[];
  /** normalised host patterns, or null when the rule names no hosts */
  readonly hosts: readonly string[] | null;
  /** the decision when every criterion holds; built once, shared by every request */
  readonly decision: Decision;
  /** the decision when only identity is unknown: sign in first, then evaluate again */
  readonly signInFirst: Decision;
}

/** One app's rules, as evaluate() walks them. */
export interface AppRules {
  readonly app: AppFacts;
  /** the app's host when it is exact, else null */
  readonly exactHost: string | null;
  /** `.acme.example` for a wildcard app `*.acme.example`, else null */
  readonly hostSuffix: string | null;
  /**
   * The app's rules specialised for it (see AppAwareMatcher), cut after the first one that
   * always matches. Valid for facts whose app is `app` and whose host is within its pattern;
   * the gate only builds such facts.
   */
  readonly own: readonly CompiledRule[];
  /** the same rules as compiled (the byApp entry), for any other facts */
  readonly general: readonly CompiledRule[];
}

export interface CompiledPolicy {
  readonly rules: readonly CompiledRule[];
  /** the rules that can apply to each app, in evaluation order (the host index) */
  readonly byApp: ReadonlyMap<string, readonly CompiledRule[]>;
  /** per app name: its rules specialised at load, which evaluate() uses */
  readonly apps: ReadonlyMap<string, AppRules>;
}

/** True when two host patterns can match a common host. */
export function hostPatternsIntersect(a: string, b: string): boolean {
  if (!a.startsWith('*.') && !b.startsWith('*.')) return a === b;
  if (!a.startsWith('*.')) return hostPatternMatches(b, a);
  if (!b.startsWith('*.')) return hostPatternMatches(a, b);
  return a.endsWith(b.slice(1)) || b.endsWith(a.slice(1));
}

function requirementOf(spec: RuleSpec['require']): Requirement {
  const req: { level: Level; maxAgeMs?: number; methods?: readonly SecondFactorName[]; rememberDevice?: boolean } = {
    level: (spec?.level ?? 'mfa') as Level,
  };
  if (spec?.max_age !== undefined) req.maxAgeMs = parseDuration(spec.max_age);
  if (spec?.methods) req.methods = spec.methods as SecondFactorName[];
  if (spec?.remember_device === false) req.rememberDevice = false;
  return req;
}

function decisionOf(spec: RuleSpec, ref: RuleRef, reasons: Reason[]): Decision {
  if (spec.action === 'allow') return { action: 'allow', rule: ref, reasons };
  if (spec.action === 'deny') return { action: 'deny', rule: ref, reasons };
  return { action: 'authenticate', rule: ref, require: requirementOf(spec.require), reasons };
}

/**
 * The named networks of the policy files without a tenant, which every file (and the gateway's
 * `lockout.address.exempt`) may name; a later file's definition of a name wins.
 */
export function sharedNetworks(sources: readonly Pick<PolicySource, 'data'>[]): Map<string, readonly string[]> {
  const shared = new Map<string, readonly string[]>();
  for (const src of sources) {
    if (src.data.tenant === undefined) for (const [k, v] of Object.entries(src.data.networks ?? {})) shared.set(k, v);
  }
  return shared;
}

/**
 * Compiles every policy file into matchers and a per-app index. Problems (errors and
 * warnings) are returned located; the caller refuses the configuration when any is an error.
 */
export function compilePolicies(
  sources: readonly PolicySource[],
  apps: readonly AppFacts[],
): { policy: CompiledPolicy; problems: Problem[] } {
  const problems: Problem[] = [];
  const shared = sharedNetworks(sources);

  const rules: CompiledRule[] = [];
  const names = new Map<string, string>();
  for (const src of sources) {
    const tenant = src.data.tenant ?? null;
    const networks = new Map(shared);
    for (const [k, v] of Object.entries(src.data.networks ?? {})) {
      networks.set(k, v);
      // checked here, where they are defined, whether or not a rule uses them
      for (const e of CidrSet.parse(v).errors)
        problems.push({ severity: 'error', message: `${src.locate(['networks', k, e.index])}: ${e.message}` });
    }
    if (tenant !== null && !apps.some((a) => a.tenant === tenant)) {
      problems.push({
        severity: 'warning',
        message: `${src.locate(['tenant'])}: no app belongs to tenant '${tenant}'`,
      });
    }

    src.data.rules.forEach((spec, i) => {
      const at = (path: YamlPath) => src.locate(['rules', i, ...path]);
      const error = (path: YamlPath, message: string) =>
        problems.push({ severity: 'error', message: `${at(path)}: ${message}` });
      const qualified = tenant ? `${tenant}/${spec.name}` : spec.name;
      const previous = names.get(qualified);
      if (previous) error(['name'], `rule name '${spec.name}' is already used at ${previous}`);
      else names.set(qualified, at(['name']));
      if (spec.action === 'authenticate' && !spec.require)
        error(['action'], 'authenticate needs require: { level: password | mfa | phishing_resistant }');
      if (spec.action !== 'authenticate' && spec.require)
        error(['require'], `require only applies to action authenticate, not ${spec.action}`);
      const maxAge = spec.require?.max_age;
      const maxAgeMs = maxAge === undefined ? 0 : parseDuration(maxAge);
      if (maxAgeMs > 0 && maxAgeMs < MIN_MAX_AGE_MS)
        error(
          ['require', 'max_age'],
          `max_age ${maxAge} is below the one-minute floor: a fresh proof must survive the redirect back to the page. Write 1m or more, or 0 ("prove it now": a proof of the last minute)`,
        );

      const matchers: Matcher[] = [];
      const reasons: Reason[] = ['rule-matched'];
      for (const criterion of criteria as readonly Criterion<unknown>[]) {
        const base: YamlPath = criterion.place === 'rule' ? [criterion.key] : ['when', criterion.key];
        const value =
          criterion.place === 'rule' ? (spec as Record<string, unknown>)[criterion.key] : spec.when?.[criterion.key];
        if (value === undefined) continue;
        const ctx: CompileContext = {
          networks,
          error: (p, m) => error([...base, ...p], m),
          warn: (p, m) => problems.push({ severity: 'warning', message: `${at([...base, ...p])}: ${m}` }),
        };
        matchers.push(criterion.compile(value, ctx));
        reasons.push(criterion.reason);
      }

      const listed = (spec as { hosts?: string[] }).hosts;
      const hosts = listed ? listed.map(normalizeHostPattern) : null;
      if (tenant === null && hosts) {
        hosts.forEach((h, j) => {
          if (!apps.some((a) => hostPatternsIntersect(h, a.host)))
            problems.push({ severity: 'warning', message: `${at(['hosts', j])}: host '${h}' matches no app` });
        });
      }
      if (tenant !== null && hosts) {
        hosts.forEach((h, j) => {
          const foreign = apps.find((a) => a.tenant !== tenant && hostPatternsIntersect(h, a.host));
          if (foreign)
            error(
              ['hosts', j],
              `host '${h}' belongs to app '${foreign.name}' of ${foreign.tenant ? `tenant '${foreign.tenant}'` : 'the MSP'}, not tenant '${tenant}'`,
            );
          else if (!apps.some((a) => a.tenant === tenant && hostPatternsIntersect(h, a.host))) {
            problems.push({
              severity: 'warning',
              message: `${at(['hosts', j])}: host '${h}' matches no app of tenant '${tenant}'`,
            });
          }
        });
      }
      const ref: RuleRef = { name: spec.name, file: src.name, index: rules.length + 1, tenant };
      rules.push({
        ref,
        matchers,
        hosts,
        decision: decisionOf(spec, ref, reasons),
        signInFirst: {
          action: 'authenticate',
          rule: ref,
          require: { level: 'password' },
          reasons: ['user-unauthenticated'],
        },
      });
    });
  }

  const byApp = new Map<string, CompiledRule[]>();
  const byName = new Map<string, AppRules>();
  for (const app of apps) {
    const general = rules.filter(
      (r) =>
        (r.ref.tenant === null || r.ref.tenant === app.tenant) &&
        (r.hosts === null || r.hosts.some((h) => hostPatternsIntersect(h, app.host))),
    );
    byApp.set(app.name, general);
    const wildcard = app.host.startsWith('*.');
    byName.set(app.name, {
      app,
      exactHost: wildcard ? null : app.host,
      hostSuffix: wildcard ? app.host.slice(1) : null,
      own: specialise(general, app),
      general,
    });
  }
  return { policy: { rules, byApp, apps: byName }, problems };
}

/**
 * The app's copy of its rules: each matcher in its form for the app, dropped when it always
 * holds there. A rule left without matchers always decides, so the rules after it are
 * unreachable for the app and left out.
 */
function specialise(general: readonly CompiledRule[], app: AppFacts): CompiledRule[] {
  const own: CompiledRule[] = [];
  for (const rule of general) {
    const matchers: Matcher[] = [];
    for (const m of rule.matchers as readonly AppAwareMatcher[]) {
      const form = m.forApp === undefined ? m : m.forApp(app);
      if (form !== null) matchers.push(form);
    }
    own.push({ ...rule, matchers });
    if (matchers.length === 0) break;
  }
  return own;
}
