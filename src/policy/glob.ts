/**
 * Path globs on the normalised path: `*` is one segment (or part of one), `**` any number of
 * segments including none. `/admin/**` matches `/admin`, `/admin/` and everything below.
 * Compiled to one anchored RegExp at load.
 */
export function compilePathGlob(glob: string, caseInsensitive: boolean): RegExp {
  let source = '';
  let i = 0;
  while (i < glob.length) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      const slashBefore = source.endsWith('/');
      const atEnd = i + 2 === glob.length;
      if (slashBefore && atEnd) {
        // `/a/**`: `/a`, `/a/` and anything below
        source = `${source.slice(0, -1)}(?:/.*)?`;
      } else if (slashBefore && glob[i + 2] === '/') {
        // `/a/**/b`: zero or more whole segments
        source = `${source.slice(0, -1)}(?:/[^/]+)*/`;
        i += 1;
      } else {
        source += '.*';
      }
      i += 2;
      continue;
    }
    if (c === '*') {
      source += '[^/]*';
    } else {
      source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
    i += 1;
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '');
}

/** True when a path glob is valid: starts with `/`, `**` only as a whole segment. */
export function pathGlobProblem(glob: string): string | null {
  if (!glob.startsWith('/')) return 'a path must start with "/"';
  if (/\*\*\*/.test(glob)) return 'use "*" or "**", not "***"';
  for (const segment of glob.split('/')) {
    if (segment.includes('**') && segment !== '**') return '"**" must be a whole path segment, like /a/**/b';
  }
  return null;
}
