/**
 * A small MaxMind DB writer (MaxMind DB File Format Spec 2.0) so tests can build geography
 * databases on the fly. It writes an IPv6 tree with 32-bit records; IPv4 networks live under
 * ::/96, where readers look for them, and ::ffff:0:0/96 (IPv4-mapped) aliases that subtree
 * unless `aliasIpv4Mapped: false`.
 *
 * Entries are applied in order and the last one wins over its whole range: a more specific
 * prefix after a broader one overrides only inside itself (the node holding the broader record
 * is split), a broader prefix after a more specific one replaces it. A top-level `null` record
 * clears its range ("no data"); `null` inside a record is an error, the format has no null.
 *
 * Numbers: integers 0..2^32-1 are uint16/uint32, larger safe integers uint64 (readers return a
 * bigint), negative int32-range integers int32, everything else (fractions) a double.
 */
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type MmdbValue = string | number | boolean | null | readonly MmdbValue[] | { readonly [k: string]: MmdbValue };

export interface MmdbEntry {
  readonly cidr: string;
  readonly record: MmdbValue;
}

export interface MmdbOptions {
  /** metadata `database_type`; default 'GeoLite2-City' */
  databaseType?: string;
  /** metadata `build_epoch` in seconds; default 0 so the output is deterministic */
  buildEpoch?: number;
  /** metadata `languages`; default ['en'] */
  languages?: readonly string[];
  /** metadata `description`; default { en: 'Test database' } */
  description?: Readonly<Record<string, string>>;
  /** point ::ffff:0:0/96 at the IPv4 subtree; default true */
  aliasIpv4Mapped?: boolean;
}

const RECORD_SIZE = 32;
const NODE_BYTES = (RECORD_SIZE * 2) / 8;
const SEPARATOR_BYTES = 16;
const METADATA_MARKER = Buffer.concat([Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com')]);

// --- Output Data Section ---------------------------------------------------------------------

/** Spec "Data Field Format": control byte (type in the top 3 bits, 0 = extended), size. */
function control(type: number, size: number): Buffer {
  let sizeBits: number;
  let extra: number[];
  if (size < 29) [sizeBits, extra] = [size, []];
  else if (size < 285) [sizeBits, extra] = [29, [size - 29]];
  else if (size < 65_821) [sizeBits, extra] = [30, [(size - 285) >> 8, (size - 285) & 0xff]];
  else if (size < 65_821 + 2 ** 24) {
    const s = size - 65_821;
    [sizeBits, extra] = [31, [s >> 16, (s >> 8) & 0xff, s & 0xff]];
  } else throw new RangeError(`mmdb: field of ${size} bytes is too large`);
  // Extended types (8 and up): a zero type in the control byte, then a byte holding type - 7.
  const head = type <= 7 ? [(type << 5) | sizeBits] : [sizeBits, type - 7];
  return Buffer.from([...head, ...extra]);
}

/** Types 5 (uint16), 6 (uint32), 9 (uint64): big-endian with leading zero bytes dropped. */
function encodeUint(type: 5 | 6 | 9, value: number | bigint): Buffer {
  const bytes: number[] = [];
  for (let v = BigInt(value); v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

function encodeString(value: string): Buffer {
  const utf8 = Buffer.from(value, 'utf8');
  return Buffer.concat([control(2, utf8.length), utf8]);
}

function encodeNumber(value: number): Buffer {
  if (Number.isInteger(value) && !Object.is(value, -0)) {
    if (value >= 0 && value <= 0xffff) return encodeUint(5, value);
    if (value >= 0 && value <= 0xffff_ffff) return encodeUint(6, value);
    if (value > 0 && Number.isSafeInteger(value)) return encodeUint(9, value);
    if (value >= -(2 ** 31) && value < 0) {
      const int32 = Buffer.alloc(4);
      int32.writeInt32BE(value);
      return Buffer.concat([control(8, 4), int32]);
    }
  }
  const double = Buffer.alloc(8);
  double.writeDoubleBE(value);
  return Buffer.concat([control(3, 8), double]);
}

function encodeMap(pairs: readonly (readonly [string, Buffer])[]): Buffer {
  return Buffer.concat([control(7, pairs.length), ...pairs.flatMap(([k, v]) => [encodeString(k), v])]);
}

function encodeValue(value: MmdbValue): Buffer {
  if (value === null) throw new TypeError('mmdb: null is only allowed as a whole record (no data)');
  if (typeof value === 'string') return encodeString(value);
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'boolean') return control(14, value ? 1 : 0);
  if (Array.isArray(value)) {
    const items = value as readonly MmdbValue[];
    return Buffer.concat([control(11, items.length), ...items.map(encodeValue)]);
  }
  const map = value as { readonly [k: string]: MmdbValue };
  return encodeMap(Object.entries(map).map(([k, v]) => [k, encodeValue(v)] as const));
}

// --- Binary Search Tree Section --------------------------------------------------------------

/** A child slot: another node, a data-section offset, or null for "no data". */
type Slot = TreeNode | number | null;
interface TreeNode {
  children: [Slot, Slot];
}

const bitAt = (bytes: readonly number[], i: number): 0 | 1 => (((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) as 0 | 1;

/** Set the subtree for `bytes/prefix` to `value`, splitting any shorter record on the way. */
function insert(root: TreeNode, bytes: readonly number[], prefix: number, value: Slot): void {
  if (prefix === 0) {
    root.children = [value, value];
    return;
  }
  let node = root;
  for (let depth = 0; depth < prefix - 1; depth++) {
    const bit = bitAt(bytes, depth);
    const child = node.children[bit];
    if (child === null || typeof child === 'number') {
      const split: TreeNode = { children: [child, child] };
      node.children[bit] = split;
      node = split;
    } else node = child;
  }
  node.children[bitAt(bytes, prefix - 1)] = value;
}

/** What ::/96 resolves to without changing the tree. */
function ipv4Subtree(root: TreeNode): Slot {
  let slot: Slot = root;
  for (let depth = 0; depth < 96 && slot !== null && typeof slot !== 'number'; depth++) slot = slot.children[0];
  return slot;
}

/** Parse `address/prefix` into 16 bytes (IPv4 placed under ::/96) and a prefix of 0..128. */
function parseCidr(cidr: string, aliasIpv4Mapped: boolean): { bytes: number[]; prefix: number } {
  const match = /^([^/%]+)\/(\d{1,3})$/.exec(cidr);
  const family = match ? isIP(match[1] ?? '') : 0;
  const prefix = Number(match?.[2]);
  if (!match || family === 0 || prefix > (family === 4 ? 32 : 128)) {
    throw new Error(`mmdb: invalid CIDR ${JSON.stringify(cidr)}`);
  }
  const raw = ipaddr.parse(match[1] ?? '').toByteArray();
  const bytes = family === 4 ? [...new Array<number>(12).fill(0), ...raw] : raw;
  const bits = family === 4 ? prefix + 96 : prefix;
  for (let i = bits; i < 128; i++) {
    if (bitAt(bytes, i)) throw new Error(`mmdb: CIDR ${JSON.stringify(cidr)} has host bits set`);
  }
  // Spec "IPv4 addresses in an IPv6 tree": with the alias on, ::ffff:a.b.c.d/n is stored as a.b.c.d/(n-96).
  const mapped = bits >= 96 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (aliasIpv4Mapped && mapped) bytes[10] = bytes[11] = 0;
  return { bytes, prefix: bits };
}

// --- Assembly: tree, Data Section Separator, data, Database Metadata ---------------------------

export function buildMmdb(entries: readonly MmdbEntry[], opts: MmdbOptions = {}): Buffer {
  const { databaseType = 'GeoLite2-City', buildEpoch = 0, languages = ['en'], aliasIpv4Mapped = true } = opts;
  const description = opts.description ?? { en: 'Test database' };
  if (!Number.isSafeInteger(buildEpoch) || buildEpoch < 0) throw new RangeError('mmdb: invalid buildEpoch');

  const root: TreeNode = { children: [null, null] };
  const data: Buffer[] = [];
  const offsets = new Map<string, number>(); // identical records are stored once
  let dataSize = 0;
  for (const { cidr, record } of entries) {
    const { bytes, prefix } = parseCidr(cidr, aliasIpv4Mapped);
    let value: Slot = null;
    if (record !== null) {
      const encoded = encodeValue(record);
      const key = encoded.toString('hex');
      value = offsets.get(key) ?? dataSize;
      if (!offsets.has(key)) {
        offsets.set(key, dataSize);
        data.push(encoded);
        dataSize += encoded.length;
      }
    }
    insert(root, bytes, prefix, value);
  }
  if (aliasIpv4Mapped) {
    const ipv4 = ipv4Subtree(root);
    if (ipv4 !== null) insert(root, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96, ipv4);
  }

  // Number the nodes depth-first from the root (node 0); the IPv4 subtree may be reached twice.
  const numbers = new Map<TreeNode, number>();
  const order: TreeNode[] = [];
  const visit = (node: TreeNode): void => {
    if (numbers.has(node)) return;
    numbers.set(node, order.length);
    order.push(node);
    for (const child of node.children) if (child !== null && typeof child === 'object') visit(child);
  };
  visit(root);

  // Records: a node number, node_count for "no data", node_count + 16 + offset for data.
  const nodeCount = order.length;
  if (nodeCount + SEPARATOR_BYTES + dataSize > 0xffff_ffff) throw new RangeError('mmdb: too large for 32-bit records');
  const tree = Buffer.alloc(nodeCount * NODE_BYTES);
  order.forEach((node, i) => {
    node.children.forEach((child, side) => {
      const record =
        child === null
          ? nodeCount
          : typeof child === 'number'
            ? nodeCount + SEPARATOR_BYTES + child
            : numbers.get(child)!;
      tree.writeUInt32BE(record, i * NODE_BYTES + side * 4);
    });
  });

  const metadata = encodeMap([
    ['node_count', encodeUint(6, nodeCount)],
    ['record_size', encodeUint(5, RECORD_SIZE)],
    ['ip_version', encodeUint(5, 6)],
    ['database_type', encodeString(databaseType)],
    ['languages', Buffer.concat([control(11, languages.length), ...languages.map(encodeString)])],
    ['binary_format_major_version', encodeUint(5, 2)],
    ['binary_format_minor_version', encodeUint(5, 0)],
    ['build_epoch', encodeUint(9, buildEpoch)],
    ['description', encodeMap(Object.entries(description).map(([k, v]) => [k, encodeString(v)] as const))],
  ]);
  return Buffer.concat([tree, Buffer.alloc(SEPARATOR_BYTES), ...data, METADATA_MARKER, metadata]);
}

export function writeMmdb(path: string, entries: readonly MmdbEntry[], opts?: MmdbOptions): void {
  writeFileSync(path, buildMmdb(entries, opts));
}
