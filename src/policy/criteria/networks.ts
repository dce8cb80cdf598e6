import { CidrSet } from '../../context/cidr.ts';
import { Type } from '../../json-schema.ts';
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
      const named = ctx.networks.get(item);
      if (named) {
        // a bad entry of a named network is reported where the network is defined (compile.ts)
        entries.push(...named);
      } else if (/[.:/]/.test(item)) {
        const { errors } = CidrSet.parse([item]);
        if (errors[0]) ctx.error([i], errors[0].message);
        else entries.push(item);
      } else {
        ctx.error([i], `unknown network name '${item}'`);
      }
    });
    const { set } = CidrSet.parse(entries);
    return (facts) => (facts.ip !== null && set.contains(facts.ip) ? Verdict.Yes : Verdict.No);
  },
};
