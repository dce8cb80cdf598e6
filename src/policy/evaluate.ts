import type { CompiledPolicy } from './compile.ts';
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
  const user = facts.user;
  if (user !== null && user.tenant !== null && user.tenant !== facts.app.tenant) return TENANT_MISMATCH;
  const rules = policy.byApp.get(facts.app.name);
  if (rules === undefined) return NO_RULE;
  for (const rule of rules) {
    let needsUser = false;
    let matched = true;
    for (const matcher of rule.matchers) {
      const v = matcher(facts);
      if (v === Verdict.No) {
        matched = false;
        break;
      }
      if (v === Verdict.NeedsUser) needsUser = true;
    }
    if (!matched) continue;
    return needsUser ? rule.signInFirst : rule.decision;
  }
  return NO_RULE;
}
