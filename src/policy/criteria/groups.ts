import { Type } from '../../json-schema.ts';
import { type Criterion, Verdict } from '../types.ts';

/** `groups: [rmm-admins]`: the user is in at least one of them. Anonymous: NeedsUser. */
export const groups: Criterion<string[]> = {
  key: 'groups',
  place: 'rule',
  schema: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  reason: 'group-matched',
  identity: true,
  compile(spec) {
    const set = new Set(spec);
    return (facts) => {
      if (!facts.user) return Verdict.NeedsUser;
      for (const g of facts.user.groups) if (set.has(g)) return Verdict.Yes;
      return Verdict.No;
    };
  },
};
