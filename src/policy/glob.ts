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

/** A compiled path glob: true when the (normalised) path matches. */
export type PathTest = (path: string) => boolean;

/**
 * What a glob needs at request time, decided at load (see compilePathShape):
 * - `exact`: no wildcard (`/health`): the path is `literal`;
 * - `below`: one trailing `/**` after a literal (`/admin/**`): the path is `literal`, or
 *   `literal/` followed by anything but a line terminator (what `(?:/.*)?` accepts);
 * - `regexp`: anything else; `prefix` and `suffix` are the literal text before the first and
 *   after the last `*`, which every match starts and ends with (checked first: they turn most
 *   paths away without running the RegExp).
 * When `fold`, the literals are lower-case ASCII and the path's ASCII letters are folded
 * before comparing: exactly what the RegExp `i` flag (without `u`) does for ASCII pattern
 * characters, which never match a non-ASCII character.
 */
export type PathShape =
  | { readonly kind: 'exact'; readonly fold: boolean; readonly literal: string }
  | { readonly kind: 'below'; readonly fold: boolean; readonly literal: string }
  | {
      readonly kind: 'regexp';
      readonly fold: boolean;
      readonly prefix: string;
      readonly suffix: string;
      readonly re: RegExp;
    };

/** The glob's shape, with exactly the answers of compilePathGlob(glob, caseInsensitive). */
export function compilePathShape(glob: string, caseInsensitive: boolean): PathShape {
  const re = compilePathGlob(glob, caseInsensitive);
  // the `i` flag folds some non-ASCII letters too: only the RegExp knows how
  if (caseInsensitive && !/^[\x00-\x7f]*$/.test(glob))
    return { kind: 'regexp', fold: false, prefix: '', suffix: '', re };
  const fold = (text: string) => (caseInsensitive ? text.toLowerCase() : text);
  const star = glob.indexOf('*');
  if (star === -1) return { kind: 'exact', fold: caseInsensitive, literal: fold(glob) };
  if (star === glob.length - 2 && glob.endsWith('/**'))
    return { kind: 'below', fold: caseInsensitive, literal: fold(glob.slice(0, -3)) };
  // the slash before a `**` segment is optional in the RegExp (`/a/**/b` matches `/a/b`)
  let head = glob.slice(0, star);
  if (glob[star + 1] === '*' && head.endsWith('/')) head = head.slice(0, -1);
  return {
    kind: 'regexp',
    fold: caseInsensitive,
    prefix: fold(head),
    suffix: fold(glob.slice(glob.lastIndexOf('*') + 1)),
    re,
  };
}

/** True when `text` holds the lower-case `literal` at `offset`, ASCII letters of `text` folded. */
export function holdsFolded(text: string, offset: number, literal: string): boolean {
  if (offset < 0 || text.length - offset < literal.length) return false;
  for (let i = 0; i < literal.length; i++) {
    let c = text.charCodeAt(offset + i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== literal.charCodeAt(i)) return false;
  }
  return true;
}

/** `.` in a RegExp (without the `s` flag) matches anything but these. */
export function hasLineTerminator(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/**
 * The glob as a test function with exactly the answers of compilePathGlob, built at load so
 * the common shapes cost a string comparison per request instead of a RegExp run.
 */
export function compilePathTest(glob: string, caseInsensitive: boolean): PathTest {
  return pathTestOf(compilePathShape(glob, caseInsensitive));
}

/** The test function of a shape (cheap: the RegExp, if any, is the shape's). */
export function pathTestOf(shape: PathShape): PathTest {
  switch (shape.kind) {
    case 'exact': {
      const literal = shape.literal;
      if (!shape.fold) return (path) => path === literal;
      return (path) => path.length === literal.length && holdsFolded(path, 0, literal);
    }
    case 'below': {
      const base = shape.literal;
      const below = `${base}/`;
      if (!shape.fold)
        return (path) =>
          path.length === base.length
            ? path === base
            : path.startsWith(below) && !hasLineTerminator(path, below.length);
      return (path) =>
        path.length === base.length
          ? holdsFolded(path, 0, base)
          : holdsFolded(path, 0, below) && !hasLineTerminator(path, below.length);
    }
    case 'regexp': {
      const { prefix, suffix, re } = shape;
      if (!shape.fold) return (path) => path.startsWith(prefix) && path.endsWith(suffix) && re.test(path);
      return (path) =>
        holdsFolded(path, 0, prefix) && holdsFolded(path, path.length - suffix.length, suffix) && re.test(path);
    }
  }
}

/**
 * Why a path glob is invalid, or null: it starts with `/`, has `**` only as a whole segment,
 * and holds nothing a normalised path never holds (a path parameter, which is judged without
 * its `;...`, or an escape the gateway refuses), since such a glob could never match.
 */
export function pathGlobProblem(glob: string): string | null {
  if (!glob.startsWith('/')) return 'a path must start with "/"';
  if (/\*\*\*/.test(glob)) return 'use "*" or "**", not "***"';
  if (glob.includes(';'))
    return 'a path cannot hold ";": paths are judged without their parameters (/admin;x=1 is /admin)';
  if (/%(?:2f|5c|23|3f|3b|00)/i.test(glob))
    return 'a path cannot hold an encoded "/", "\\", "#", "?", ";" or NUL: such requests are refused';
  for (const segment of glob.split('/')) {
    if (segment.includes('**') && segment !== '**') return '"**" must be a whole path segment, like /a/**/b';
  }
  return null;
}
