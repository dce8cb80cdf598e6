/**
 * The test MaxMind DB writer, read back with the real `maxmind` reader: IPv4 and IPv6 networks,
 * nested prefixes in either order, prefix lengths, metadata, every value type the writer emits,
 * the IPv4-mapped alias, input validation and deterministic output.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { open, Reader, type Response } from 'maxmind';
import { buildMmdb, type MmdbEntry, type MmdbOptions, type MmdbValue, writeMmdb } from '../helpers/mmdb.ts';

const US = { country: { iso_code: 'US' }, location: { latitude: 40.7128, longitude: -74.006 } };
const DE = { country: { iso_code: 'DE' }, location: { latitude: 52.52, longitude: 13.405 } };
const FR = { country: { iso_code: 'FR' }, location: { latitude: 48.8566, longitude: 2.3522 } };

function reader(entries: readonly MmdbEntry[], opts?: MmdbOptions): Reader<Response> {
  return new Reader<Response>(buildMmdb(entries, opts));
}

/** The record at `ip` as a plain value, so any shape can be compared. */
function lookup(r: Reader<Response>, ip: string): unknown {
  return r.get(ip);
}

describe('mmdb writer: IPv4', () => {
  it('finds a /24 for addresses inside it and nothing outside', () => {
    const r = reader([{ cidr: '203.0.113.0/24', record: US }]);
    for (const ip of ['203.0.113.0', '203.0.113.77', '203.0.113.255']) assert.deepEqual(lookup(r, ip), US);
    for (const ip of ['203.0.112.255', '203.0.114.0', '0.0.0.0', '255.255.255.255', '10.0.0.1']) {
      assert.equal(r.get(ip), null, ip);
    }
  });

  it('a more specific prefix after a broader one overrides only inside itself', () => {
    const r = reader([
      { cidr: '10.1.0.0/16', record: US },
      { cidr: '10.1.2.0/24', record: DE },
    ]);
    assert.deepEqual(lookup(r, '10.1.2.0'), DE);
    assert.deepEqual(lookup(r, '10.1.2.255'), DE);
    assert.deepEqual(lookup(r, '10.1.1.255'), US);
    assert.deepEqual(lookup(r, '10.1.3.0'), US);
    assert.deepEqual(lookup(r, '10.1.0.0'), US);
    assert.deepEqual(lookup(r, '10.1.255.255'), US);
    assert.equal(r.get('10.2.0.0'), null);
    assert.equal(r.get('10.0.255.255'), null);
  });

  it('a broader prefix after a more specific one replaces it (last entry wins)', () => {
    const r = reader([
      { cidr: '10.1.2.0/24', record: DE },
      { cidr: '10.1.0.0/16', record: US },
    ]);
    assert.deepEqual(lookup(r, '10.1.2.3'), US);
    assert.deepEqual(lookup(r, '10.1.9.9'), US);
  });

  it('three levels of nesting, and a null record clears a range', () => {
    const r = reader([
      { cidr: '0.0.0.0/0', record: FR },
      { cidr: '192.168.0.0/16', record: US },
      { cidr: '192.168.128.0/17', record: DE },
      { cidr: '192.168.200.0/24', record: null },
    ]);
    assert.deepEqual(lookup(r, '1.1.1.1'), FR);
    assert.deepEqual(lookup(r, '192.168.1.1'), US);
    assert.deepEqual(lookup(r, '192.168.128.1'), DE);
    assert.equal(r.get('192.168.200.1'), null);
    assert.deepEqual(lookup(r, '192.168.201.1'), DE);
    assert.deepEqual(lookup(r, '192.169.0.0'), FR);
  });

  it('single hosts (/32) and the last address of the space', () => {
    const r = reader([
      { cidr: '198.51.100.7/32', record: 'seven' },
      { cidr: '255.255.255.255/32', record: 'last' },
    ]);
    assert.equal(lookup(r, '198.51.100.7'), 'seven');
    assert.equal(r.get('198.51.100.6'), null);
    assert.equal(r.get('198.51.100.8'), null);
    assert.equal(lookup(r, '255.255.255.255'), 'last');
  });
});

describe('mmdb writer: IPv6', () => {
  it('finds IPv6 prefixes, nested ones included, next to IPv4 data', () => {
    const r = reader([
      { cidr: '2001:db8::/32', record: US },
      { cidr: '2001:db8:abcd::/48', record: DE },
      { cidr: '203.0.113.0/24', record: FR },
    ]);
    assert.deepEqual(lookup(r, '2001:db8::1'), US);
    assert.deepEqual(lookup(r, '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'), US);
    assert.deepEqual(lookup(r, '2001:db8:abcd:1::1'), DE);
    assert.deepEqual(lookup(r, '2001:db8:abce::1'), US);
    assert.equal(r.get('2001:db9::1'), null);
    assert.equal(r.get('2001:db7:ffff::1'), null);
    assert.equal(r.get('::1'), null);
    assert.deepEqual(lookup(r, '203.0.113.9'), FR);
    // IPv4 data sits under ::/96, where an IPv6 lookup of the same bits finds it
    assert.deepEqual(lookup(r, '::203.0.113.9'), FR);
  });

  it('::/0 answers everywhere an IPv4 entry does not', () => {
    const r = reader([
      { cidr: '::/0', record: FR },
      { cidr: '10.0.0.0/8', record: US },
    ]);
    assert.deepEqual(lookup(r, '2a00::1'), FR);
    assert.deepEqual(lookup(r, '11.0.0.1'), FR);
    assert.deepEqual(lookup(r, '10.9.9.9'), US);
  });
});

describe('mmdb writer: prefix lengths', () => {
  it('getWithPrefixLength reports the network each record came from', () => {
    const r = reader([
      { cidr: '172.20.0.0/16', record: FR },
      { cidr: '10.1.0.0/16', record: US },
      { cidr: '10.1.2.0/24', record: DE },
      { cidr: '2001:db8::/32', record: FR },
      { cidr: '198.51.100.7/32', record: 'host' },
    ]);
    assert.deepEqual(r.getWithPrefixLength('172.20.99.1'), [FR, 16]);
    assert.deepEqual(r.getWithPrefixLength('10.1.2.3'), [DE, 24]);
    assert.deepEqual(r.getWithPrefixLength('2001:db8:1::1'), [FR, 32]);
    assert.deepEqual(r.getWithPrefixLength('198.51.100.7'), ['host', 32]);
    assert.equal(r.getWithPrefixLength('::ffff:10.1.2.3')[1], 120);
    assert.equal(r.getWithPrefixLength('172.16.0.1')[0], null);
  });

  it('the rest of a split /16 is answered by the networks the split left (/17 .. /24)', () => {
    const r = reader([
      { cidr: '10.1.0.0/16', record: US },
      { cidr: '10.1.2.0/24', record: DE },
    ]);
    assert.deepEqual(r.getWithPrefixLength('10.1.200.3'), [US, 17]); // 10.1.128.0/17
    assert.deepEqual(r.getWithPrefixLength('10.1.64.1'), [US, 18]); // 10.1.64.0/18
    assert.deepEqual(r.getWithPrefixLength('10.1.3.1'), [US, 24]); // 10.1.3.0/24
    assert.deepEqual(r.getWithPrefixLength('10.1.0.1'), [US, 23]); // 10.1.0.0/23
  });
});

describe('mmdb writer: metadata', () => {
  it('reads back database type, IP version, record size, node count and the rest', () => {
    const buffer = buildMmdb([{ cidr: '203.0.113.0/24', record: US }], {
      databaseType: 'Portcullis-Test',
      buildEpoch: 1_700_000_000,
      languages: ['en', 'de'],
      description: { en: 'English', de: 'Deutsch' },
      aliasIpv4Mapped: false,
    });
    const { metadata } = new Reader<Response>(buffer);
    assert.equal(metadata.databaseType, 'Portcullis-Test');
    assert.equal(metadata.ipVersion, 6);
    assert.equal(metadata.recordSize, 32);
    // one node per bit of the 120-bit path to 203.0.113.0/24 under ::/96
    assert.equal(metadata.nodeCount, 120);
    assert.equal(metadata.binaryFormatMajorVersion, 2);
    assert.equal(metadata.binaryFormatMinorVersion, 0);
    assert.deepEqual(metadata.buildEpoch, new Date(1_700_000_000_000));
    assert.deepEqual(metadata.languages, ['en', 'de']);
    assert.deepEqual(metadata.description, { en: 'English', de: 'Deutsch' });
    // the tree is node_count * 8 bytes, followed by the 16-byte zero separator
    assert.deepEqual(buffer.subarray(120 * 8, 120 * 8 + 16), Buffer.alloc(16));
  });

  it('the IPv4-mapped alias adds the ::ffff:0:0/96 path (15 nodes) and shares the IPv4 subtree', () => {
    const r = reader([{ cidr: '203.0.113.0/24', record: US }]);
    // the mapped path leaves the ::/96 path at bit 80; nodes for bits 81..95 are new
    assert.equal(r.metadata.nodeCount, 135);
    assert.equal(r.metadata.databaseType, 'GeoLite2-City');
    assert.deepEqual(r.metadata.buildEpoch, new Date(0));
  });

  it('an empty database has one node and answers nothing', () => {
    const r = reader([]);
    assert.equal(r.metadata.nodeCount, 1);
    assert.equal(r.get('1.2.3.4'), null);
    assert.equal(r.get('2001:db8::1'), null);
  });
});

describe('mmdb writer: data types', () => {
  it('round-trips maps, arrays, booleans, unicode strings, doubles and integers', () => {
    const record: Record<string, MmdbValue> = {
      names: { en: 'Zurich', de: 'Zürich', ja: 'チューリッヒ', zh: '苏黎世', emoji: '🏔️' },
      flags: [true, false],
      mixed: ['a', 1, 2.5, { nested: [[]] }, {}],
      lat: -33.8688,
      lon: 151.2093,
      tiny: -1e-9,
      half: 0.5,
      zero: 0,
      u16max: 65_535,
      u32min: 65_536,
      u32max: 4_294_967_295,
      negative: -42,
      int32min: -(2 ** 31),
      huge: -1e300,
    };
    const r = reader([{ cidr: '192.0.2.0/24', record }]);
    assert.deepEqual(lookup(r, '192.0.2.1'), record);
  });

  it('integers above 2^32 come back as uint64 (bigint)', () => {
    const r = reader([{ cidr: '192.0.2.0/24', record: { big: 2 ** 40 + 1 } }]);
    assert.deepEqual(lookup(r, '192.0.2.1'), { big: 2n ** 40n + 1n });
  });

  it('strings of every size class (under 29, 29+, 285+, 65821+ bytes)', () => {
    const sizes = [0, 28, 29, 284, 285, 65_820, 65_821, 70_000];
    const record = Object.fromEntries(sizes.map((n) => [`s${n}`, 'x'.repeat(n)]));
    const manyKeys: Record<string, MmdbValue> = {};
    for (let i = 0; i < 300; i++) manyKeys[`k${i}`] = i;
    const r = reader([
      { cidr: '192.0.2.0/25', record },
      { cidr: '192.0.2.128/25', record: { manyKeys, list: Array.from({ length: 300 }, (_, i) => i) } },
    ]);
    assert.deepEqual(lookup(r, '192.0.2.1'), record);
    assert.deepEqual(lookup(r, '192.0.2.200'), { manyKeys, list: Array.from({ length: 300 }, (_, i) => i) });
  });

  it('a bare value can be a whole record, and identical records are stored once', () => {
    const one = buildMmdb([{ cidr: '192.0.2.0/24', record: US }]);
    const two = buildMmdb([
      { cidr: '192.0.2.0/24', record: US },
      { cidr: '198.51.100.0/24', record: { ...US } },
    ]);
    const r = new Reader<Response>(two);
    assert.deepEqual(lookup(r, '198.51.100.1'), US);
    // the second network costs tree nodes only: same data section and metadata size
    const oneData = one.length - new Reader<Response>(one).metadata.nodeCount * 8;
    const twoData = two.length - r.metadata.nodeCount * 8;
    assert.equal(twoData, oneData);
    assert.equal(lookup(reader([{ cidr: '192.0.2.0/24', record: 42 }]), '192.0.2.9'), 42);
  });

  it('rejects null inside a record', () => {
    assert.throws(() => buildMmdb([{ cidr: '192.0.2.0/24', record: { a: null } }]), /null/);
    assert.throws(() => buildMmdb([{ cidr: '192.0.2.0/24', record: [1, null] }]), /null/);
  });
});

describe('mmdb writer: IPv4-mapped addresses', () => {
  it('::ffff:a.b.c.d answers like a.b.c.d by default', () => {
    const r = reader([
      { cidr: '1.2.3.0/24', record: US },
      { cidr: '2001:db8::/32', record: DE },
    ]);
    assert.deepEqual(lookup(r, '::ffff:1.2.3.4'), US);
    assert.equal(r.get('::ffff:1.2.4.4'), null);
    assert.deepEqual(lookup(r, '2001:db8::1'), DE);
  });

  it('an IPv4-mapped CIDR is stored as its IPv4 network', () => {
    const r = reader([{ cidr: '::ffff:10.0.0.0/104', record: US }]);
    assert.deepEqual(lookup(r, '10.20.30.40'), US);
    assert.deepEqual(lookup(r, '::ffff:10.20.30.40'), US);
  });

  it('without the alias, mapped addresses find nothing', () => {
    const r = reader([{ cidr: '1.2.3.0/24', record: US }], { aliasIpv4Mapped: false });
    assert.deepEqual(lookup(r, '1.2.3.4'), US);
    assert.equal(r.get('::ffff:1.2.3.4'), null);
  });
});

describe('mmdb writer: input and output', () => {
  it('rejects invalid CIDRs', () => {
    const bad = [
      '',
      '1.2.3.4',
      '1.2.3.0/',
      '1.2.3.0/33',
      '1.2.3.0/-1',
      '300.0.0.0/8',
      '1.2.3/24',
      '01.2.3.0/24',
      'example.com/24',
      '2001:db8::/129',
      '2001:db8:::/32',
      'fe80::%eth0/64',
      ' 10.0.0.0/8',
      '10.0.0.0/8/8',
      '1.2.3.4/24',
      '2001:db8::1/32',
    ];
    for (const cidr of bad) {
      assert.throws(() => buildMmdb([{ cidr, record: 'x' }]), /mmdb: (invalid CIDR|CIDR .* host bits)/, cidr);
    }
  });

  it('rejects an invalid build epoch', () => {
    assert.throws(() => buildMmdb([], { buildEpoch: -1 }), /buildEpoch/);
    assert.throws(() => buildMmdb([], { buildEpoch: 1.5 }), /buildEpoch/);
  });

  it('the same input gives the same bytes', () => {
    const entries: MmdbEntry[] = [
      { cidr: '10.0.0.0/8', record: US },
      { cidr: '10.1.0.0/16', record: DE },
      { cidr: '2001:db8::/32', record: FR },
    ];
    assert.deepEqual(buildMmdb(entries), buildMmdb(entries));
  });

  it('writeMmdb writes a file maxmind.open can read', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mmdb-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'geo.mmdb');
    writeMmdb(path, [{ cidr: '203.0.113.0/24', record: US }], { databaseType: 'GeoLite2-Country' });
    const r = await open<Response>(path);
    assert.equal(r.metadata.databaseType, 'GeoLite2-Country');
    assert.deepEqual(lookup(r, '203.0.113.5'), US);
  });
});
