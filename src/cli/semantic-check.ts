import type { LoadedFiles } from '../config/load.ts';
import { ConfigError } from '../config/load.ts';
import { buildState } from '../state.ts';

/** What `portcullis check` adds to schema validation: the policy compiler's and state builder's problems. */
export async function semanticCheck(files: LoadedFiles): Promise<{ errors: string[]; warnings: string[] }> {
  try {
    return { errors: [], warnings: [...buildState(files, { whoamiOrigin: 'http://127.0.0.1:1' }).warnings] };
  } catch (err) {
    if (err instanceof ConfigError) return { errors: err.problems, warnings: [] };
    throw err;
  }
}
