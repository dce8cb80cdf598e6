import { Type } from 'typebox';
import { type Criterion, Verdict } from '../types.ts';

/** `users: [alice, bob]`: canonical user names. An anonymous request cannot tell: NeedsUser. */
export const users: Criterion<string[]> = {
  key: 'users',
  place: 'rule',
  schema: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  reason: 'user-matched',
  identity: true,
  compile(spec) {
    const set = new Set(spec.map((u) => u.trim().toLowerCase()));
    return (facts) => {
      if (!facts.user) return Verdict.NeedsUser;
      return set.has(facts.user.name) ? Verdict.Yes : Verdict.No;
    };
  },
};
