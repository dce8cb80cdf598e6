import type { LoadedFiles } from '../config/load.ts';
import { ConfigError } from '../config/load.ts';
import { buildState } from '../state.ts';

/** What `portcullis check` adds to schema validation: the policy compiler's and state builder's problems. */
export async function semanticCheck(files: LoadedFiles): Promise<string[]> {
  try {
    buildState(files, { whoamiOrigin: 'http://127.0.0.1:1' });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}
