import { Type } from 'typebox';
import { CidrSet } from '../../context/cidr.ts';
import { type Criterion, Verdict } from '../types.ts';

/**
 * `when: { networks: [office, 198.51.100.0/24] }`: the client IP is in one of them. Names
 * refer to the `networks:` map of the same file or of a shared (tenant-less) file. The client
 * IP comes from the trusted-proxy rules of the gate; an unknown IP never matches.
 */
export const networks: Criterion<string[]> = {
  key: 'networks',
  place: 'when',
  schema: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  reason: 'network-matched',
  identity: false,
  compile(spec, ctx) {
    const entries: string[] = [];
    spec.forEach((item, i) => {
      if (/^[A-Za-z][A-Za-z0-9_-]*$/.test(item)) {
        const named = ctx.networks.get(item);
        if (named) entries.push(...named);
        else ctx.error([i], `unknown network name '${item}'`);
      } else {
        entries.push(item);
      }
    });
    const { set, errors } = CidrSet.parse(entries);
    for (const e of errors) ctx.error([], e.message);
    return (facts) => (facts.ip !== null && set.contains(facts.ip) ? Verdict.Yes : Verdict.No);
  },
};
