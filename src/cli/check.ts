/**
 * `portcullis check [--config config/gateway.yaml]`: loads and validates every configuration
 * and policy file without starting anything. Prints each problem as `file:line:column: message`
 * on stderr and exits 1, or prints a one-line summary on stdout and exits 0. A usage mistake
 * exits 2. Deeper semantic checks (the policy compiler's) plug in as a SemanticCheck.
 */
import { ConfigError, type LoadedFiles, loadConfigFiles } from '../config/load.ts';

export interface CliIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Further problems found in files that passed schema validation (`file:line:column: message`). */
export type SemanticCheck = (files: LoadedFiles) => Promise<string[]>;

export const DEFAULT_CONFIG = 'config/gateway.yaml';

/** Parses `--config F` / `--config=F` / `-c F`; anything else is a usage error (returned as a string). */
export function parseConfigArg(args: readonly string[]): { config: string } | string {
  let config = DEFAULT_CONFIG;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--config' || arg === '-c') {
      const value = args[++i];
      if (value === undefined || value === '') return `${arg} needs a file name`;
      config = value;
    } else if (arg.startsWith('--config=')) {
      config = arg.slice('--config='.length);
      if (config === '') return '--config needs a file name';
    } else {
      return `unexpected argument '${arg}'`;
    }
  }
  return { config };
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
  const problems = semantic ? await semantic(files) : [];
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
