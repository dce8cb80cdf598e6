import type { AppFacts } from '../../src/policy/types.ts';

/** An app as the policy sees it, for hand-built policy tests. */
export const app = (name: string, tenant: string | null, host: string, caseInsensitivePaths = false): AppFacts =>
  Object.freeze({ name, tenant, host, caseInsensitivePaths });
