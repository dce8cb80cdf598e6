import { Type } from 'typebox';
import { type Criterion, Verdict } from '../types.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

/** `methods: [GET, HEAD]` */
export const methods: Criterion<string[]> = {
  key: 'methods',
  place: 'rule',
  schema: Type.Array(Type.Union(METHODS.map((m) => Type.Literal(m))), { minItems: 1, uniqueItems: true }),
  reason: 'method-matched',
  identity: false,
  compile(spec) {
    const set = new Set(spec);
    return (facts) => (set.has(facts.method) ? Verdict.Yes : Verdict.No);
  },
};
