/**
 * Schema validation of configuration and policy files with located, human-worded messages.
 *
 * One Ajv instance (allErrors, so every problem is reported at once) compiles each schema once.
 * Ajv's raw errors are rewritten: unknown keys are reported at the key itself with a "did you
 * mean" hint, union (anyOf) noise collapses into one message, patterns become words.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { DURATION_PATTERN, POSITIVE_DURATION_PATTERN } from './duration.ts';
import type { JsonPath, LocateAt, YamlSource } from './yaml-source.ts';

type Schema = Record<string, unknown>;
type Plugin = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: Plugin }).default ??
  addFormatsModule) as unknown as Plugin;

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
addFormats(ajv);
const defaultsAjv = new Ajv({ strict: false, useDefaults: true });
addFormats(defaultsAjv);

const compiled = new WeakMap<object, ValidateFunction>();
const compiledDefaults = new WeakMap<object, ValidateFunction>();

function compile(cache: WeakMap<object, ValidateFunction>, instance: Ajv, schema: object): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    fn = instance.compile(closeRecords(JSON.parse(JSON.stringify(schema))));
    cache.set(schema, fn);
  }
  return fn;
}

/**
 * A record whose keys must match a pattern (TypeBox `Type.Record(Type.String({ pattern }), V)`)
 * is emitted without `additionalProperties: false`, so a badly named key would escape all
 * validation; such records are closed here (a no-op once the schema says so itself).
 */
function closeRecords(node: unknown): Schema {
  if (Array.isArray(node)) node.forEach(closeRecords);
  else if (node !== null && typeof node === 'object') {
    const s = node as Schema;
    if (s.patternProperties && !s.properties && s.additionalProperties === undefined) s.additionalProperties = false;
    for (const value of Object.values(s)) closeRecords(value);
  }
  return node as Schema;
}

/** Sorts `file:line:column: message` lines of one file by position, keeping ties in order. */
export function byPosition(lines: readonly string[]): string[] {
  const at = (line: string) => /:(\d+):(\d+): /.exec(line)?.slice(1).map(Number) ?? [0, 0];
  return [...lines].sort((a, b) => {
    const [la = 0, ca = 0] = at(a);
    const [lb = 0, cb = 0] = at(b);
    return la - lb || ca - cb;
  });
}

/** Validates `data` (default: `source.data`) against `schema`; returns `file:line:column: message` lines. */
export function validate(schema: object, source: Pick<YamlSource, 'data' | 'locate'>, data = source.data): string[] {
  const fn = compile(compiled, ajv, schema);
  if (fn(data)) return [];
  const located = collapseUnions(fn.errors ?? []).map((e) => {
    const { path, at, message } = explain(e);
    return { where: source.locate(path, at), message };
  });
  const lines = located.map(({ where, message }) => `${where}: ${message}`);
  return byPosition([...new Set(lines)]);
}

/** A deep copy of valid `data` with the schema's `default`s filled in. */
export function withDefaults<T>(schema: object, data: unknown): T {
  const copy = structuredClone(data);
  compile(compiledDefaults, defaultsAjv, schema)(copy);
  return copy as T;
}

/** Splits an Ajv instancePath (JSON pointer) into keys. */
function pointer(instancePath: string): string[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * For each failed union, either keeps the errors of the one branch whose type fits the value
 * (it says more) or drops all branch errors and keeps the union error (summarised later).
 */
function collapseUnions(errors: ErrorObject[]): ErrorObject[] {
  const alive = new Set(errors);
  const unions = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const union of unions) {
    if (!alive.has(union)) continue;
    const prefix = `${union.schemaPath}/`;
    const branchErrors = [...alive].filter((e) => e.schemaPath.startsWith(prefix));
    const branches = (union.schema as Schema[]) ?? [];
    const fits = branches.map((b, i) => (fitsType(b, union.data) ? i : -1)).filter((i) => i >= 0);
    const only = fits.length === 1 && !allLiterals(branches) ? `${prefix}${fits[0]}/` : null;
    for (const e of branchErrors) if (!only || !e.schemaPath.startsWith(only)) alive.delete(e);
    if (only && branchErrors.some((e) => e.schemaPath.startsWith(only))) alive.delete(union);
  }
  return errors.filter((e) => alive.has(e));
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
}

function fitsType(schema: Schema, value: unknown): boolean {
  const types = schema.type === undefined ? null : ([] as unknown[]).concat(schema.type);
  if (!types) return 'const' in schema ? jsonType(schema.const) === jsonType(value) : true;
  const actual = jsonType(value);
  return types.includes(actual) || (actual === 'integer' && types.includes('number'));
}

const literalsOf = (schemas: Schema[]): unknown[] =>
  schemas.flatMap((s) => ('const' in s ? [s.const] : Array.isArray(s.enum) ? s.enum : []));
const allLiterals = (schemas: Schema[]) => schemas.every((s) => 'const' in s || Array.isArray(s.enum));

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  boolean: 'true or false',
  integer: 'a whole number',
  number: 'a number',
  null: 'empty',
};

function typeWords(schema: Schema): string {
  const types = schema.type === undefined ? [] : ([] as string[]).concat(schema.type as string);
  return types.map((t) => TYPE_WORDS[t] ?? t).join(' or ') || 'something else';
}

function got(value: unknown): string {
  const type = jsonType(value);
  if (type === 'null') return 'got nothing';
  if (type === 'string') return 'got a string';
  if (type === 'boolean' || type === 'integer' || type === 'number') return `got ${String(value)}`;
  return `got ${TYPE_WORDS[type] ?? type}`;
}

const show = (value: unknown) => (typeof value === 'string' ? `'${value.slice(0, 60)}'` : JSON.stringify(value));

/** Where an error points, and what it says. */
function explain(e: ErrorObject): { path: JsonPath; at: LocateAt; message: string } {
  const path = pointer(e.instancePath);
  const p = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Schema;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const known = Object.keys((parent.properties as Schema | undefined) ?? {});
      const patterns = Object.keys((parent.patternProperties as Schema | undefined) ?? {});
      let message = `unknown key '${key}'`;
      if (known.length === 0 && patterns.length > 0) {
        const rule = patterns.length === 1 ? describePattern(patterns[0] as string) : 'match the allowed names';
        message = `invalid key '${key}': ${rule.replace(/^must /, 'keys here must ')}`;
      } else {
        const hint = didYouMean(key, known);
        if (hint) message += ` (did you mean '${hint}'?)`;
        else if (known.length > 0 && known.length <= 12) message += ` (known keys: ${known.join(', ')})`;
      }
      return { path: [...path, key], at: 'key', message };
    }
    case 'required':
      return { path, at: 'value', message: `missing required key '${String(p.missingProperty)}'` };
    case 'type':
      return { path, at: 'value', message: `must be ${typeWords(parent)}, ${got(e.data)}` };
    case 'const':
      return { path, at: 'value', message: `must be ${show(p.allowedValue)}, got ${show(e.data)}` };
    case 'enum':
      return { path, at: 'value', message: `must be one of: ${(p.allowedValues as unknown[]).join(', ')}` };
    case 'pattern':
      return { path, at: 'value', message: describePattern(String(p.pattern)) };
    case 'format':
      return { path, at: 'value', message: `must be a valid ${String(p.format)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const words = {
        minimum: 'at least',
        maximum: 'at most',
        exclusiveMinimum: 'more than',
        exclusiveMaximum: 'less than',
      };
      return { path, at: 'value', message: `must be ${words[e.keyword]} ${String(p.limit)}, got ${show(e.data)}` };
    }
    case 'minItems':
      return {
        path,
        at: 'value',
        message: p.limit === 1 ? 'must not be empty' : `must have at least ${p.limit} items`,
      };
    case 'minProperties': {
      const known = Object.keys((parent.properties as Schema | undefined) ?? {});
      return { path, at: 'value', message: `must give at least one of: ${known.join(', ')}` };
    }
    case 'maxItems':
      return { path, at: 'value', message: `must have at most ${String(p.limit)} items` };
    case 'minLength':
      return {
        path,
        at: 'value',
        message: p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters`,
      };
    case 'maxLength':
      return { path, at: 'value', message: `must be at most ${String(p.limit)} characters` };
    case 'uniqueItems': {
      const [first, later] = [Number(p.i), Number(p.j)].sort((a, b) => a - b) as [number, number];
      return { path: [...path, later], at: 'value', message: `duplicate item (same as item ${first + 1})` };
    }
    case 'anyOf':
    case 'oneOf': {
      const branches = (e.schema as Schema[]) ?? [];
      if (allLiterals(branches))
        return { path, at: 'value', message: `must be one of: ${literalsOf(branches).join(', ')}` };
      const words = branches.map((b) => ('const' in b ? show(b.const) : typeWords(b)));
      return { path, at: 'value', message: `must be ${[...new Set(words)].join(' or ')}, ${got(e.data)}` };
    }
    default:
      return { path, at: 'value', message: e.message ?? `fails ${e.keyword}` };
  }
}

/** Patterns used by the schemas, in words; anything else is shown as the pattern itself. */
const PATTERN_WORDS: Record<string, string> = {
  [DURATION_PATTERN]: 'must be a duration like 30s, 15m, 12h or 30d (also 500ms, or 0)',
  [POSITIVE_DURATION_PATTERN]: 'must be a duration of more than zero, like 30s, 15m, 12h or 30d',
  '^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$': 'must be host:port, like 0.0.0.0:8080 or [::1]:9090',
  '^https?://[^\\s/?#]+(/[^\\s?#]*)?$': 'must be an http:// or https:// URL without query or fragment',
  '^(https?://[^\\s/?#]+/?|builtin:whoami)$': 'must be http(s)://host:port (no path) or builtin:whoami',
  '^[a-z0-9][a-z0-9_-]*$': "must be lower-case letters, digits, '_' or '-', starting with a letter or digit",
  '^[a-z0-9][a-z0-9._@-]{0,127}$': "must be lower-case letters, digits, '.', '_', '@' or '-' (at most 128)",
  '^[A-Za-z0-9-]+$': "must be letters, digits or '-'",
  '^[A-Za-z0-9_-]+$': "must be letters, digits, '_' or '-'",
  '^[A-Za-z0-9_.:-]+$': "must be letters, digits, '_', '.', ':' or '-'",
  '^\\.?[A-Za-z0-9.-]+$': 'must be a domain like example.com or .example.com',
  '^(sqlite:.+|postgres(ql)?://.+)$': 'must be sqlite:<file> or postgres://...',
  '^(memory|rediss?(\\+sentinel)?://.+)$':
    'must be memory, redis://..., rediss://..., redis+sentinel://... or rediss+sentinel://...',
  '^[^\\s@]+@[^\\s@]+$': 'must be an email address',
  '^https?://[^\\s/?#<>"]+(/[^\\s<>"]*)?$': 'must be an http:// or https:// URL',
  '^[A-Za-z0-9.!#$%&*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$':
    'must be an e-mail address like help@example.com',
  '^\\+?[0-9(][0-9 ()./-]{2,30}$': "must be a phone number: digits, a leading '+', spaces and ( ) . / -",
  '^\\$argon2id\\$': 'must be an argon2id hash (make one with `portcullis hash-password`)',
};

export function describePattern(pattern: string): string {
  if (PATTERN_WORDS[pattern]) return PATTERN_WORDS[pattern];
  if (pattern.startsWith('^(\\*\\.)?')) return 'must be a host name like app.example.com or *.example.com';
  return `must match ${pattern}`;
}

/** The known name closest to `name`, if it is close enough to be a likely typo. */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** Levenshtein distance (with adjacent transpositions counted as one edit). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}
