/**
 * Geography sources (src/context/geo.ts): an operator .mmdb built by the test MMDB writer in the
 * layouts of the common free databases, and the bundled geoip-lite data for one public address.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { bundledGeo, factsOfRecord, locate, openMmdb } from '../../src/context/geo.ts';
import { writeMmdb } from '../helpers/mmdb.ts';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-geo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a MaxMind DB file', () => {
  const city = join(dir, 'city.mmdb');
  writeMmdb(
    city,
    [
      {
        cidr: '203.0.113.0/24',
        record: { country: { iso_code: 'US' }, location: { latitude: 40.7128, longitude: -74.006 } },
      },
      {
        cidr: '198.51.100.0/24',
        record: { country: { iso_code: 'gb' }, location: { latitude: 51.5072, longitude: -0.1276 } },
      },
      {
        cidr: '2001:db8::/32',
        record: { country: { iso_code: 'DE' }, location: { latitude: 52.52, longitude: 13.405 } },
      },
      // anycast: only a registered country
      { cidr: '192.0.2.0/24', record: { registered_country: { iso_code: 'AU' } } },
    ],
    { databaseType: 'GeoLite2-City', buildEpoch: Date.UTC(2026, 10, 24) / 1000 },
  );
  const source = openMmdb(city);

  test('names the database and knows it has coordinates', () => {
    assert.equal(source.description, 'mmdb:GeoLite2-City (2026-11-24)');
    assert.equal(source.hasCoordinates, true);
  });

  const table: [string, string, object | null][] = [
    ['an IPv4 address', '203.0.113.9', { country: 'US', latitude: 40.7128, longitude: -74.006 }],
    ['a lower-case code is upper-cased', '198.51.100.1', { country: 'GB', latitude: 51.5072, longitude: -0.1276 }],
    ['an IPv6 address', '2001:db8::1', { country: 'DE', latitude: 52.52, longitude: 13.405 }],
    ['the registered country when no other', '192.0.2.7', { country: 'AU', latitude: null, longitude: null }],
    ['a private address: nothing', '10.1.2.3', null],
    ['loopback: nothing', '127.0.0.1', null],
    ['an address the file does not list', '8.8.8.8', null],
  ];
  for (const [name, ip, want] of table) test(name, () => assert.deepEqual(source.lookup(ip), want));

  test('no IP or no source: null, never a throw', () => {
    assert.equal(locate(source, null), null);
    assert.equal(locate(null, '203.0.113.9'), null);
    assert.equal(source.lookup('not an ip'), null);
  });

  test('the file is parsed once while it is unchanged, again after it changes', () => {
    assert.equal(openMmdb(city), source);
    utimesSync(city, new Date(), new Date(Date.UTC(2030, 0, 1)));
    assert.notEqual(openMmdb(city), source);
  });

  test('a country database has no coordinates', () => {
    const file = join(dir, 'country.mmdb');
    writeMmdb(file, [{ cidr: '203.0.113.0/24', record: { country: { iso_code: 'US' } } }], {
      databaseType: 'GeoLite2-Country',
    });
    const s = openMmdb(file);
    assert.equal(s.hasCoordinates, false);
    assert.deepEqual(s.lookup('203.0.113.1'), { country: 'US', latitude: null, longitude: null });
  });

  test('a missing or foreign file is refused with a readable message', () => {
    assert.throws(() => openMmdb(join(dir, 'nope.mmdb')), /cannot read .*nope\.mmdb: ENOENT/);
    const junk = join(dir, 'junk.mmdb');
    writeFileSync(junk, 'not a database');
    assert.throws(() => openMmdb(junk), /is not a MaxMind DB file/);
  });
});

describe('record layouts', () => {
  const table: [string, unknown, object | null][] = [
    [
      'IPinfo Lite (country_code)',
      { country_code: 'FR', country: 'France' },
      { country: 'FR', latitude: null, longitude: null },
    ],
    ['a plain country string', { country: 'NL' }, { country: 'NL', latitude: null, longitude: null }],
    ['a code that is not two letters is no country', { country: { iso_code: 'USA' } }, null],
    [
      'out-of-range coordinates are dropped',
      { country: { iso_code: 'US' }, location: { latitude: 91, longitude: 0 } },
      { country: 'US', latitude: null, longitude: null },
    ],
    [
      'a location without a country',
      { location: { latitude: 1.5, longitude: 2.5 } },
      { country: null, latitude: 1.5, longitude: 2.5 },
    ],
    ['an empty record', {}, null],
    ['no record', null, null],
  ];
  for (const [name, record, want] of table)
    test(name, () => assert.deepEqual(factsOfRecord(record as Parameters<typeof factsOfRecord>[0]), want));
});

describe('the bundled geoip-lite data', () => {
  const geo = bundledGeo();
  test('places a well-known public address', () => {
    // 8.8.8.8 has been listed as US since long before the bundled data was made
    const found = geo.lookup('8.8.8.8');
    assert.equal(found?.country, 'US');
    assert.equal(typeof found?.latitude, 'number');
  });
  test('private and reserved addresses are unknown', () => {
    assert.equal(geo.lookup('10.0.0.1'), null);
    assert.equal(geo.lookup('192.168.1.1'), null);
  });
  test('is loaded once', () => assert.equal(bundledGeo(), geo));
});
