/**
 * `portcullis check [--config config/gateway.yaml]`: loads and validates every configuration
 * and policy file without starting anything. Prints each problem as `file:line:column: message`
 * on stderr and exits 1, or prints a one-line summary on stdout and exits 0. A usage mistake
 * exits 2. Deeper semantic checks (the policy compiler's) plug in as a SemanticCheck.
 */
import { ConfigError, type LoadedFiles, loadConfigFiles } from '../config/load.ts';
import { parseFlags } from './flags.ts';

export interface CliIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Further problems found in files that passed schema validation (`file:line:column: message`). */
export type SemanticCheck = (files: LoadedFiles) => Promise<string[] | { errors: string[]; warnings: string[] }>;

export const DEFAULT_CONFIG = 'config/gateway.yaml';

/** Parses `--config F` / `--config=F`; anything else is a usage error (returned as a string). */
export function parseConfigArg(args: readonly string[]): { config: string } | string {
  const parsed = parseFlags(args, { config: 'string' });
  if ('error' in parsed) return parsed.error;
  if (parsed.positional.length > 0) return 'unexpected argument (only --config is accepted)';
  const config = parsed.flags.config;
  if (config === '') return '--config needs a value';
  return { config: typeof config === 'string' ? config : DEFAULT_CONFIG };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function runCheck(
  args: string[],
  io: CliIO,
  semantic?: SemanticCheck,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const parsed = parseConfigArg(args);
  if (typeof parsed === 'string') {
    io.stderr.write(`portcullis check: ${parsed}\nusage: portcullis check [--config ${DEFAULT_CONFIG}]\n`);
    return 2;
  }
  let files: LoadedFiles;
  try {
    files = await loadConfigFiles(parsed.config, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return fail(io, parsed.config, err.problems);
  }
  const found = semantic ? await semantic(files) : [];
  const { errors: problems, warnings } = Array.isArray(found) ? { errors: found, warnings: [] } : found;
  for (const warning of warnings) io.stderr.write(`warning: ${warning}\n`);
  if (problems.length > 0) return fail(io, parsed.config, problems);
  const rules = files.policies.reduce((n, p) => n + (Array.isArray(p.data.rules) ? p.data.rules.length : 0), 0);
  const counts = [
    plural(files.gateway.apps.length, 'app'),
    plural(Object.keys(files.users).length, 'user'),
    plural(files.policies.length, 'policy file'),
    plural(rules, 'rule'),
  ];
  io.stdout.write(`${parsed.config}: OK (${counts.join(', ')})\n`);
  return 0;
}

function fail(io: CliIO, config: string, problems: readonly string[]): number {
  for (const problem of problems) io.stderr.write(`${problem}\n`);
  io.stderr.write(`${config}: ${plural(problems.length, 'problem')}\n`);
  return 1;
}
