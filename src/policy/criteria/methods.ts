import { Type } from '../../json-schema.ts';
import { type AppAwareMatcher, type Criterion, type Matcher, Verdict } from '../types.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

/** A handful of short names: comparing each costs less per request than a Set lookup. */
function matcherOf(list: readonly string[]): Matcher {
  return (facts) => {
    const method = facts.method;
    for (let i = 0; i < list.length; i++) if (list[i] === method) return Verdict.Yes;
    return Verdict.No;
  };
}

/** `methods: [GET, HEAD]` */
export const methods: Criterion<string[]> = {
  key: 'methods',
  place: 'rule',
  schema: Type.Array(Type.Union(METHODS.map((m) => Type.Literal(m))), { minItems: 1, uniqueItems: true }),
  reason: 'method-matched',
  identity: false,
  compile(spec) {
    const list: readonly string[] = [...new Set(spec)];
    // the same test for every app; an app's copy is a closure of its own, allocated with the
    // app's other matchers, so the rules a request walks sit together in memory
    const matcher: AppAwareMatcher = Object.assign(matcherOf(list), { forApp: () => matcherOf(list) });
    return matcher;
  },
};
