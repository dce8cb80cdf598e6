import type { CompiledPolicy, CompiledRule } from './compile.ts';
import { type Decision, type RequestFacts, Verdict } from './types.ts';

const TENANT_MISMATCH: Decision = { action: 'deny', rule: null, reasons: ['tenant-mismatch'] };
const NO_RULE: Decision = { action: 'deny', rule: null, reasons: ['no-rule-matched'] };

/**
 * Decides one request. Pure and allocation-free on the common path: the candidate rules come
 * from the per-app index, and every decision object was built at compile time.
 *
 * - Tenant isolation comes first: a user of tenant X is denied on every app that is not X's,
 *   whatever any rule says (MSP apps, which have no tenant, included).
 * - First rule whose every criterion holds decides.
 * - A rule that would match but for who the user is (anonymous request, `users`/`groups`)
 *   sends the request to sign in first; it is evaluated again afterwards.
 * - No rule: deny.
 */
export function evaluate(policy: CompiledPolicy, facts: RequestFacts): Decision {
  const app = facts.app;
  const user = facts.user;
  if (user !== null && user.tenant !== null && user.tenant !== app.tenant) return TENANT_MISMATCH;
  const entry = policy.apps.get(app.name);
  if (entry === undefined) return NO_RULE;
  // The app's own rules hold for the facts the gate builds: this very app, on a host of its
  // pattern. Anything else (hand-built facts) takes the rules as compiled, with every check.
  const host = facts.host;
  const onOwnHost =
    entry.exactHost !== null
      ? host === entry.exactHost
      : entry.hostSuffix !== null && host.length > entry.hostSuffix.length && host.endsWith(entry.hostSuffix);
  return firstMatch(app === entry.app && onOwnHost ? entry.own : entry.general, facts);
}

function firstMatch(rules: readonly CompiledRule[], facts: RequestFacts): Decision {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as CompiledRule;
    const matchers = rule.matchers;
    let needsUser = false;
    let j = 0;
    for (; j < matchers.length; j++) {
      const v = (matchers[j] as (facts: RequestFacts) => Verdict)(facts);
      if (v === Verdict.No) break;
      if (v === Verdict.NeedsUser) needsUser = true;
    }
    if (j === matchers.length) return needsUser ? rule.signInFirst : rule.decision;
  }
  return NO_RULE;
}
