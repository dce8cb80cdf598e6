/**
 * A small, strict command-line parser shared by the `portcullis` subcommands.
 *
 * Supports `--flag value`, `--flag=value`, boolean `--flag`, positional arguments and `--` (the
 * rest is positional). Unknown flags, a flag given twice, a missing value or a value given to a
 * boolean flag are usage errors. Error messages name the flag only, never its value (values may
 * be secrets pasted by mistake).
 */

export type FlagSpec = { readonly [name: string]: 'string' | 'boolean' };

export type ParsedFlags = { flags: Record<string, string | boolean>; positional: string[] };

export function parseFlags(args: readonly string[], spec: FlagSpec): ParsedFlags | { error: string } {
  const flags: Record<string, string | boolean> = Object.create(null);
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    if (!arg.startsWith('--'))
      return { error: `unknown option ${shown(arg.slice(0, 2))} (options are written --name)` };
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) return { error: `unknown option --${shown(name)}` };
    if (Object.hasOwn(flags, name)) return { error: `--${name} given more than once` };
    if (kind === 'boolean') {
      if (eq !== -1) return { error: `--${name} takes no value` };
      flags[name] = true;
      continue;
    }
    if (eq !== -1) {
      flags[name] = arg.slice(eq + 1);
      continue;
    }
    const next = args[i + 1];
    if (next === undefined || (next.startsWith('--') && next.length > 2)) return { error: `--${name} needs a value` };
    flags[name] = next;
    i++;
  }
  return { flags: { ...flags }, positional };
}

/** A flag name as it may appear in a message: printable ASCII only, bounded. */
function shown(name: string): string {
  const s = name.replace(/[^\x21-\x7e]/g, '?');
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
