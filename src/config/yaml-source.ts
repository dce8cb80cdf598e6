/**
 * A parsed YAML file that remembers where everything came from. Every configuration and policy
 * file goes through here, so any problem found later (schema, env, cross-file, policy compile)
 * can be reported as `file:line:column: message` (1-based) from a JSON path into the data.
 *
 * Syntax errors and duplicate keys are problems too, located the same way. The file label used
 * in messages is whatever path the caller passed, so messages read the way the user typed it.
 */
import { readFileSync } from 'node:fs';
import { type Document, isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

/** Keys and indices from the root of a file's data to one value. */
export type JsonPath = readonly (string | number)[];

/** `value`: the value itself (default); `key`: the key that holds it (used for unknown keys). */
export type LocateAt = 'value' | 'key';

export interface YamlSource {
  /** the file label used in messages (the path as given) */
  readonly file: string;
  /** the plain data (aliases resolved); null for an empty file */
  readonly data: unknown;
  /** `file:line:column` of the value at `path`, or of its nearest existing ancestor */
  locate(path: JsonPath, at?: LocateAt): string;
  /** located YAML syntax problems (`file:line:column: message`); empty when the file parsed cleanly */
  readonly problems: string[];
}

type Node = unknown;

/** Parses `text` (read from `file` when omitted; read errors throw). */
export function loadYamlSource(file: string, text?: string): YamlSource {
  const source = text ?? readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number): string => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, source.length)));
    return `${file}:${line}:${col}`;
  };
  const problems = doc.errors.map((e) => `${position(e.pos[0])}: ${yamlMessage(e.code, e.message)}`);
  let data: unknown = null;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? null;
  } catch (err) {
    problems.push(`${position(0)}: ${(err as Error).message}`);
  }
  return {
    file,
    data,
    problems,
    locate: (path, at = 'value') => position(offsetOf(doc, path, at)),
  };
}

function yamlMessage(code: string, message: string): string {
  if (code === 'DUPLICATE_KEY') return 'duplicate key (each key may appear only once in a mapping)';
  const text = message.split('\n')[0] ?? message;
  return `YAML syntax error: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

/** Start offset of the node at `path` (or of the deepest ancestor that exists). */
function offsetOf(doc: Document, path: JsonPath, at: LocateAt): number {
  let node: Node = doc.contents;
  let keyNode: Node = null;
  for (const segment of path) {
    node = resolveAlias(doc, node);
    const child = childOf(node, segment);
    if (!child) break;
    node = child.value;
    keyNode = child.key;
    if (node === null || node === undefined) {
      return startOf(keyNode) ?? 0;
    }
  }
  node = resolveAlias(doc, node);
  if (at === 'key' && keyNode) return startOf(keyNode) ?? 0;
  // A block mapping or sequence is best pointed at by the key that introduces it; an empty
  // value (`key:`) too. Scalars and flow collections are pointed at directly.
  const flow = isCollection(node) && (node as { flow?: boolean }).flow;
  const emptyScalar = isScalar(node) && !!node.range && node.range[0] === node.range[1];
  if (keyNode && ((isCollection(node) && !flow) || emptyScalar)) return startOf(keyNode) ?? 0;
  return startOf(node) ?? startOf(keyNode) ?? 0;
}

function childOf(node: Node, segment: string | number): { key: Node; value: Node } | null {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key;
      const name = isScalar(key) ? String(key.value) : String(key);
      if (name === String(segment)) return { key, value: pair.value };
    }
    return null;
  }
  if (isSeq(node)) {
    const index = typeof segment === 'number' ? segment : Number(segment);
    if (!Number.isInteger(index)) return null;
    const item = node.items[index];
    return item === undefined ? null : { key: null, value: item };
  }
  return null;
}

function resolveAlias(doc: Document, node: Node): Node {
  if (!isAlias(node)) return node;
  try {
    return node.resolve(doc) ?? node;
  } catch {
    return node;
  }
}

function startOf(node: Node): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    if (range) return range[0];
  }
  return undefined;
}
