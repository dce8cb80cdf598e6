import { Type } from '../../json-schema.ts';
import { canonicalUsername } from '../../users/canonical.ts';
import { type Criterion, Verdict } from '../types.ts';

/** `users: [alice, bob]`: canonical user names. An anonymous request cannot tell: NeedsUser. */
export const users: Criterion<string[]> = {
  key: 'users',
  place: 'rule',
  schema: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  reason: 'user-matched',
  identity: true,
  compile(spec, ctx) {
    // the same folding as sign-in and users.yaml keys, so `ALICE` or fullwidth `ａｌｉｃｅ` name alice
    const set = new Set<string>();
    spec.forEach((u, i) => {
      const name = canonicalUsername(u);
      if (name === null) ctx.error([i], `${JSON.stringify(u)} is not a valid user name (see users.yaml keys)`);
      else set.add(name);
    });
    return (facts) => {
      if (!facts.user) return Verdict.NeedsUser;
      return set.has(facts.user.name) ? Verdict.Yes : Verdict.No;
    };
  },
};
