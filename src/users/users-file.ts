/**
 * Edits users.yaml in place for the CLI (`portcullis user add`, ...), keeping the operator's
 * comments and layout: the file goes through yaml's Document API (parseDocument, node edits,
 * toString), never through plain data. New fields are placed in the usual order (name, email,
 * password, groups, tenant, disabled). Writes are atomic (temp file in the same
 * folder, then rename) with mode 0600, because the file holds password hashes.
 *
 * Error messages name the file, the user and a line number, never a value from the file.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  Document,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  Pair,
  parseDocument,
  Scalar,
  type YAMLMap,
} from 'yaml';
import type { UserSpec } from '../config/schema.ts';
import { PortcullisError } from '../errors.ts';
import { canonicalUsername } from './canonical.ts';

export const USERS_FILE_HEADER = '# Portcullis users. Passwords are argon2id hashes from `portcullis hash-password`.';

/** The order keys are written in, whatever order the spec object has. */
const KEY_ORDER = [
  'name',
  'email',
  'password',
  'groups',
  'tenant',
  'disabled',
] as const satisfies readonly (keyof UserSpec)[];

const TO_STRING = { lineWidth: 0, flowCollectionPadding: false } as const;

/** Adds `name` to the users file at `path` (created when missing). Refuses an existing user (PC_ERR_USER_EXISTS). */
export async function addUser(path: string, name: string, spec: UserSpec): Promise<void> {
  const user = requireCanonical(name);
  const text = await readIfExists(path);
  const doc = text === null ? newDocument() : parse(path, text);
  const users = usersMap(doc, path);
  if (findKey(users, user) !== undefined) {
    throw new PortcullisError('PC_ERR_USER_EXISTS', `user '${user}' already exists in ${path}`);
  }
  const value = specMap(doc, spec);
  const key = new Scalar(user);
  // Follow the file's habit: when existing entries are separated by blank lines, so is this one.
  key.spaceBefore = users.items.slice(1).some((p) => isScalar(p.key) && p.key.spaceBefore === true);
  if (users.items.length === 0) users.flow = false; // an emptied `users: {}` becomes a block again
  users.items.push(new Pair(key, value));
  await writeAtomic(path, doc.toString(TO_STRING));
}

/** Sets (or, with `value` undefined, removes) one field of an existing user (PC_ERR_USER_UNKNOWN when absent). */
export async function setUserField<K extends keyof UserSpec>(
  path: string,
  name: string,
  key: K,
  value: UserSpec[K] | undefined,
): Promise<void> {
  if (!(KEY_ORDER as readonly string[]).includes(key)) throw new TypeError(`unknown user field '${String(key)}'`);
  const user = requireCanonical(name);
  const { doc, users } = await load(path, user);
  const entry = users.get(findKey(users, user) as string, true);
  if (!isMap(entry)) {
    // `alice:` with no fields (null): becomes a block mapping holding the field
    if (value !== undefined) {
      const map = blockMap(doc, [[key, value]]);
      if (isScalar(entry) && entry.comment) map.comment = entry.comment;
      users.set(findKey(users, user) as string, map);
    }
  } else if (value === undefined) {
    entry.delete(key);
  } else if (entry.has(key)) {
    const node = valueNode(doc, key, value);
    const old = entry.get(key, true);
    if (isNode(old) && isNode(node) && old.comment) node.comment = old.comment; // `groups: [a] # why`
    entry.set(key, node);
  } else {
    // a new field goes where KEY_ORDER puts it, before any field that comes later
    const rank = (k: unknown) => (KEY_ORDER as readonly unknown[]).indexOf(isScalar(k) ? k.value : k);
    const later = entry.items.findIndex((p) => rank(p.key) > rank(key));
    const pair = new Pair(new Scalar(key), valueNode(doc, key, value));
    if (entry.items.length === 0) entry.flow = false; // `alice: {}` becomes a block
    if (later === -1) entry.items.push(pair);
    else entry.items.splice(later, 0, pair);
  }
  await writeAtomic(path, doc.toString(TO_STRING));
}

/** Removes a user, with the comments attached to its entry (PC_ERR_USER_UNKNOWN when absent). */
export async function removeUser(path: string, name: string): Promise<void> {
  const user = requireCanonical(name);
  const { doc, users } = await load(path, user);
  doc.deleteIn(['users', findKey(users, user) as string]);
  await writeAtomic(path, doc.toString(TO_STRING));
}

async function load(path: string, user: string): Promise<{ doc: Document; users: YAMLMap }> {
  const text = await readIfExists(path);
  const doc = text === null ? null : parse(path, text);
  const users = doc === null ? null : usersMap(doc, path);
  if (doc === null || users === null || findKey(users, user) === undefined) {
    throw new PortcullisError('PC_ERR_USER_UNKNOWN', `no user '${user}' in ${path}`);
  }
  return { doc, users };
}

function requireCanonical(name: string): string {
  const user = canonicalUsername(name);
  if (user === null) throw new PortcullisError('PC_ERR_CONFIG_INVALID', 'not a valid user name');
  return user;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function newDocument(): Document {
  const doc = new Document({});
  doc.commentBefore = USERS_FILE_HEADER.slice(1);
  return doc;
}

function parse(path: string, text: string): Document {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const line = text.slice(0, error.pos[0]).split('\n').length;
    throw new PortcullisError('PC_ERR_CONFIG_INVALID', `${path}:${line}: cannot be edited: ${error.code}`);
  }
  const users = doc.get('users', true);
  if (isMap(users)) reattachComments(doc, users, text);
  return doc;
}

/**
 * yaml hands comment lines that follow a nested block to that block whatever their indentation,
 * so `  # about bob` above `bob:` (or `# end` at the end of the file) would be written back
 * indented under the previous user. Gives such lines back to the next key (or the document).
 */
function reattachComments(doc: Document, users: YAMLMap, text: string): void {
  const lines = text.split('\n');
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length - 1;
  users.items.forEach((pair, i) => {
    const next = users.items[i + 1]?.key;
    if (next !== undefined && !(isScalar(next) && next.range && !next.commentBefore)) return;
    let end = lines.length;
    while (end > 0 && (lines[end - 1] ?? '').trim() === '') end--;
    const at = next ? lineOf(next.range![0]) : end;
    const indent = next ? next.range![0] - text.lastIndexOf('\n', next.range![0] - 1) - 1 : 0;
    const own: string[] = [];
    for (let j = at - 1; j >= 0; j--) {
      const line = lines[j] ?? '';
      const body = line.trimStart();
      if (!body.startsWith('#') || line.length - body.length > indent) break;
      own.unshift(body.slice(1));
    }
    if (own.length === 0) return;
    const suffix = own.join('\n');
    for (const holder of trailingChain(pair.value)) {
      const comment = holder.comment ?? '';
      const before = comment.slice(0, comment.length - suffix.length);
      if (!comment.endsWith(suffix) || (before !== '' && !before.endsWith('\n'))) continue;
      holder.comment = before.replace(/\n+$/, '') || null;
      if (next) {
        next.commentBefore = suffix;
        next.spaceBefore = before.endsWith('\n\n') || next.spaceBefore === true;
      } else {
        doc.comment = doc.comment ? `${suffix}\n${doc.comment}` : suffix;
      }
      return;
    }
  });
}

/** A node and, recursively, its last child: where yaml may have put a trailing comment. */
function trailingChain(node: unknown): { comment?: string | null }[] {
  const chain: { comment?: string | null }[] = [];
  let current = node;
  while (isCollection(current)) {
    chain.push(current);
    const last = current.items.at(-1);
    current = isPair(last) ? last.value : last;
  }
  if (isScalar(current)) chain.push(current);
  return chain;
}

/** The `users:` mapping, created when the file has none or `users:` is empty. */
function usersMap(doc: Document, path: string): YAMLMap {
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new PortcullisError('PC_ERR_CONFIG_INVALID', `${path}: the top level must be a mapping with 'users:'`);
  }
  const node = doc.get('users', true);
  if (isMap(node)) return node;
  if (node === undefined || (isScalar(node) && node.value === null)) {
    const map = doc.createNode({}) as YAMLMap;
    map.flow = false;
    doc.set('users', map);
    return map;
  }
  throw new PortcullisError('PC_ERR_CONFIG_INVALID', `${path}: 'users:' must be a mapping of user names`);
}

/** The key in `users` that names `user` (the exact key, or one that canonicalises to it). */
function findKey(users: YAMLMap, user: string): string | undefined {
  for (const pair of users.items) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    if (typeof key === 'string' && (key === user || canonicalUsername(key) === user)) return key;
  }
  return undefined;
}

/** The fields of `spec` in KEY_ORDER, as a block mapping. */
function specMap(doc: Document, spec: UserSpec): YAMLMap {
  return blockMap(
    doc,
    KEY_ORDER.filter((k) => spec[k] !== undefined).map((k) => [k, spec[k]]),
  );
}

function blockMap(doc: Document, fields: [keyof UserSpec, unknown][]): YAMLMap {
  const map = doc.createNode({}) as YAMLMap;
  map.flow = fields.length === 0; // an empty block mapping cannot be written: `{}`
  for (const [key, value] of fields) map.set(key, valueNode(doc, key, value));
  return map;
}

/** A node styled the way the users.yaml example writes it: `groups: [a, b]`, `password: "$argon2id$..."`. */
function valueNode(doc: Document, key: keyof UserSpec, value: unknown): unknown {
  const node = doc.createNode(value);
  if (key === 'groups' && !isScalar(node)) (node as { flow?: boolean }).flow = true;
  if (key === 'password' && isScalar(node)) node.type = Scalar.QUOTE_DOUBLE;
  return node;
}

/** Writes `text` to a temp file beside `path` (mode 0600), flushes it, then renames it over `path`. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
  } finally {
    if (!renamed) await unlink(temp).catch(() => {});
  }
  // make the rename itself durable; best effort (not every platform can fsync a folder)
  const folder = await open(dirname(path), 'r').catch(() => null);
  await folder
    ?.sync()
    .catch(() => {})
    .finally(() => folder.close());
}
