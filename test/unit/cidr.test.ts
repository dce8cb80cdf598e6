/** Table tests for src/context/cidr.ts: IP canonicalisation and CIDR set membership. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CidrSet, canonicalIp } from '../../src/context/cidr.ts';
import { PortcullisError } from '../../src/errors.ts';

/** [input, canonical text or null] */
const canonical: [string, string | null][] = [
  ['1.2.3.4', '1.2.3.4'],
  ['0.0.0.0', '0.0.0.0'],
  ['255.255.255.255', '255.255.255.255'],
  ['::ffff:1.2.3.4', '1.2.3.4'],
  ['::FFFF:1.2.3.4', '1.2.3.4'],
  ['::ffff:102:304', '1.2.3.4'],
  ['0:0:0:0:0:ffff:0102:0304', '1.2.3.4'],
  ['2001:DB8::1', '2001:db8::1'],
  ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ['::1', '::1'],
  ['::', '::'],
  ['::1.2.3.4', '::102:304'],
  ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
  ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
  ['0000:0000:0000:0000:0000:ffff:255.255.255.255', '255.255.255.255'],
  ['1:2:3:4:5:6:7:1.2.3.4', null],
  ['1.2.3.4::', null],
  ['::1.2.3.4.5', null],
  ['::ffff:1.2.3.4:1', null],
  ['12345::1', null],
  ['g::1', null],
  ['fe80::1%eth0', null],
  ['fe80::1%25eth0', null],
  ['10.1', null],
  ['10', null],
  ['167772161', null],
  ['0x0a.0.0.1', null],
  ['010.0.0.1', null],
  ['1.2.3.04', null],
  ['1.2.3.256', null],
  ['1.2.3.4.5', null],
  ['::ffff:127.1', null],
  ['::ffff:0x7f.0.0.1', null],
  ['::ffff:010.0.0.1', null],
  [' 1.2.3.4', null],
  ['1.2.3.4 ', null],
  ['[::1]', null],
  ['1.2.3.4:80', null],
  ['1.2.3.4/32', null],
  ['unknown', null],
  ['', null],
  ['2001:db8::1::1', null],
  ['2001:db8:::1', null],
  ['1:2:3:4:5:6:7:8:9', null],
  [`${'0'.repeat(100)}::1`, null],
];

describe('canonicalIp', () => {
  for (const [input, expected] of canonical) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(canonicalIp(input), expected);
    });
  }
});

describe('CidrSet.parse', () => {
  it('accepts nets, single hosts, IPv6 and IPv4-mapped ranges', () => {
    const { set, errors } = CidrSet.parse([
      '10.0.0.0/8',
      '203.0.113.7',
      '2001:db8::/32',
      '::ffff:192.168.0.0/112',
      '198.51.100.0/24',
      '::1',
    ]);
    assert.deepEqual(errors, []);
    assert.equal(set.size, 6);
  });

  /** [entry, expected message fragment] */
  const bad: [string, string][] = [
    ['10.0.0.1/8', 'host bits'],
    ['2001:db8::1/32', 'host bits'],
    ['::ffff:10.0.0.1/104', 'did you mean ::ffff:10.0.0.0/104'],
    ['10.0.0.0/33', 'exceeds 32'],
    ['2001:db8::/129', 'exceeds 128'],
    ['10.0.0.0/', 'prefix'],
    ['10.0.0.0/08', 'prefix'],
    ['10.0.0.0/-1', 'prefix'],
    ['10.0.0.0/8/8', 'prefix'],
    ['10.0.0.0/ 8', 'prefix'],
    ['::ffff:10.0.0.0/95', 'at least 96'],
    ['fe80::/10%eth0', 'prefix'],
    ['fe80::1%eth0', 'zone'],
    ['10.1/16', 'not an IPv4'],
    ['0x0a.0.0.0/8', 'not an IPv4'],
    ['', 'not an IPv4'],
    [' 10.0.0.0/8', 'not an IPv4'],
    ['example.com', 'not an IPv4'],
    ['/8', 'not an IPv4'],
  ];
  for (const [entry, fragment] of bad) {
    it(`reports ${JSON.stringify(entry)}`, () => {
      const { set, errors } = CidrSet.parse(['192.0.2.0/24', entry]);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]?.index, 1);
      assert.ok(errors[0]?.message.includes(fragment), errors[0]?.message);
      assert.ok(errors[0]?.message.includes(JSON.stringify(entry)), errors[0]?.message);
      assert.equal(set.size, 1, 'good entries are kept');
    });
  }

  it('reports a non-string entry without throwing', () => {
    const { errors } = CidrSet.parse([8 as unknown as string]);
    assert.equal(errors.length, 1);
  });

  it('CidrSet.from throws a PortcullisError naming every bad entry', () => {
    assert.throws(
      () => CidrSet.from(['10.0.0.0/8', 'nope', '1.2.3.4/40'], 'trusted_proxies'),
      (error: unknown) =>
        error instanceof PortcullisError &&
        error.code === 'PC_ERR_CONFIG_INVALID' &&
        error.message.includes('trusted_proxies') &&
        error.message.includes('[1]') &&
        error.message.includes('[2]'),
    );
    assert.equal(CidrSet.from(['10.0.0.0/8']).size, 1);
  });
});

describe('CidrSet.contains', () => {
  const set = CidrSet.from(['10.0.0.0/8', '203.0.113.7', '2001:db8::/32', '::ffff:192.168.0.0/112', 'fd00::1/128']);

  /** [ip, expected] */
  const membership: [string, boolean][] = [
    ['10.0.0.0', true],
    ['10.255.255.255', true],
    ['11.0.0.0', false],
    ['9.255.255.255', false],
    ['203.0.113.7', true],
    ['203.0.113.8', false],
    ['::ffff:10.1.2.3', true],
    ['::ffff:a01:203', true],
    ['::FFFF:203.0.113.7', true],
    ['192.168.4.5', true],
    ['::ffff:192.168.4.5', true],
    ['192.169.0.0', false],
    ['2001:db8::1', true],
    ['2001:DB8:FFFF::1', true],
    ['2001:db9::1', false],
    ['fd00::1', true],
    ['fd00::2', false],
    ['::a00:1', false],
    ['10.1', false],
    ['012.0.0.1', false],
    ['0x0a.0.0.1', false],
    ['::ffff:0x0a.0.0.1', false],
    ['fe80::1%eth0', false],
    ['2001:db8::1%1', false],
    ['', false],
    ['garbage', false],
    ['10.0.0.1, 10.0.0.2', false],
  ];
  for (const [ip, expected] of membership) {
    it(`${JSON.stringify(ip)} ${expected ? 'is' : 'is not'} in the set`, () => {
      assert.equal(set.contains(ip), expected);
    });
  }

  it('IPv6 ranges never match IPv4 clients', () => {
    const all6 = CidrSet.from(['::/0']);
    assert.equal(all6.contains('2001:db8::1'), true);
    assert.equal(all6.contains('1.2.3.4'), false);
    assert.equal(all6.contains('::ffff:1.2.3.4'), false);
  });

  it('::ffff:0:0/96 is every IPv4 address', () => {
    const all4 = CidrSet.from(['::ffff:0:0/96']);
    assert.equal(all4.contains('1.2.3.4'), true);
    assert.equal(all4.contains('::1'), false);
  });

  it('an empty set contains nothing', () => {
    assert.equal(CidrSet.parse([]).set.contains('1.2.3.4'), false);
  });
});
