import { parseDuration } from '../config/duration.ts';
import type { LoadedFiles } from '../config/load.ts';
import { CidrSet } from '../context/cidr.ts';
import { sharedNetworks } from '../policy/compile.ts';
import type { LockoutSettings } from './lockout.ts';

/**
 * The lockout settings of gateway.yaml (defaults already filled by the loader). An entry of
 * `lockout.address.exempt` is a CIDR or an address, or the name of a network of a policy file
 * without a tenant (a tenant's names are that tenant's own, and may repeat across tenants).
 * Problems are added to `problems`, located.
 */
export function lockoutSettings(files: LoadedFiles, problems: string[]): LockoutSettings {
  const l = files.gateway.lockout;
  const named = sharedNetworks(files.policies);
  const entries: string[] = [];
  l.address.exempt.forEach((item, i) => {
    const at = files.locateGateway(['lockout', 'address', 'exempt', i]);
    const network = named.get(item);
    if (network !== undefined) {
      // a bad entry of a named network is reported where the network is defined (the compiler)
      entries.push(...network);
    } else if (/[.:/]/.test(item)) {
      const { errors } = CidrSet.parse([item]);
      if (errors[0]) problems.push(`${at}: ${errors[0].message}`);
      else entries.push(item);
    } else {
      problems.push(`${at}: unknown network name '${item}' (names come from the policy files without a tenant)`);
    }
  });
  return {
    maxFailures: l.max_failures,
    windowMs: parseDuration(l.window),
    durationMs: parseDuration(l.duration),
    address: { maxFailures: l.address.max_failures, exempt: CidrSet.parse(entries).set },
  };
}
