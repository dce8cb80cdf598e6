import type { Criterion } from '../types.ts';
import { countries } from './countries.ts';
import { devices } from './devices.ts';
import { groups } from './groups.ts';
import { hosts } from './hosts.ts';
import { methods } from './methods.ts';
import { networks } from './networks.ts';
import { paths } from './paths.ts';
import { risk } from './risk.ts';
import { schedule } from './schedule.ts';
import { trustedDevice } from './trusted-device.ts';
import { users } from './users.ts';

/**
 * Every condition a rule can state. To add one, write a file in this folder and list it here:
 * the schema, the compiler and the evaluator pick it up from this list.
 * Order is evaluation order within a rule: cheap, selective criteria first.
 */
export const criteria: readonly Criterion<never>[] = [
  hosts,
  methods,
  paths,
  users,
  groups,
  networks,
  trustedDevice,
  risk,
  devices,
  schedule,
  countries,
] as readonly Criterion<never>[];
