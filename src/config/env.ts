/**
 * `${NAME}` interpolation in configuration and policy files.
 *
 * Applied to every string value (never to keys) of the parsed data before schema validation,
 * so a typed field filled from the environment stays a string and the schema reports it.
 *   - `${NAME}` is replaced by the environment variable NAME (letters, digits, `_`; not
 *     starting with a digit). An unset variable is a start-up error, located at the value.
 *     A variable set to the empty string is substituted as the empty string.
 *   - `$${` is a literal `${` (so `$${HOME}` yields the text `${HOME}`).
 *   - any other `${` (unterminated, or not a valid name) is an error.
 *   - a lone `$` elsewhere is kept as is (`$argon2id$...` hashes are untouched).
 * Inside a YAML flow collection (`[...]`, `{...}`) quote such values: `["${A}"]`, since `{`
 * opens a flow mapping there.
 */
import type { JsonPath, YamlSource } from './yaml-source.ts';

export interface Interpolated {
  /** a copy of the data with references replaced */
  readonly data: unknown;
  /** located problems: `file:line:column: message` */
  readonly problems: string[];
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}?/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Interpolates every string in `source.data`; `env` defaults to process.env. */
export function interpolateEnv(
  source: Pick<YamlSource, 'data' | 'locate'>,
  env: NodeJS.ProcessEnv = process.env,
): Interpolated {
  const problems: string[] = [];
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (typeof value === 'string') return substitute(value, env, (message) => report(path, message));
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    if (value !== null && typeof value === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        Object.defineProperty(copy, key, {
          value: walk(item, [...path, key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return copy;
    }
    return value;
  };
  const report = (path: JsonPath, message: string) => problems.push(`${source.locate(path)}: ${message}`);
  return { data: walk(source.data, []), problems };
}

/** Replaces references in one string; problems go to `report`, the reference is left empty. */
export function substitute(text: string, env: NodeJS.ProcessEnv, report: (message: string) => void): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (match: string, name: string | undefined) => {
    if (match === '$${') return '${';
    if (!match.endsWith('}')) {
      report(`unterminated \${ reference (write $\${ for a literal \${)`);
      return '';
    }
    if (name === undefined || !NAME.test(name)) {
      report(`invalid environment variable name '${name ?? ''}' in ${match} (write $\${ for a literal \${)`);
      return '';
    }
    const value = env[name];
    if (value === undefined) {
      report(`environment variable '${name}' is not set (referenced as \${${name}}) [PC_ERR_CONFIG_ENV_MISSING]`);
      return '';
    }
    return value;
  });
}
