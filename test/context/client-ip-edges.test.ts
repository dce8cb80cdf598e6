/**
 * The client IP as `networks` conditions see it, against the inputs an attacker would try: spellings of the
 * peer address, X-Forwarded-For from untrusted and trusted peers, chains, repeated headers, unparsable and
 * obfuscated entries, headers the gateway does not read; then CIDR membership across IPv4, IPv6 and
 * IPv4-mapped forms. Each case says whether the result lies in the `office` network, the question a policy asks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CidrSet, canonicalIp } from '../../src/context/cidr.ts';
import { type ClientAddress, clientAddress, type ForwardedHeaders } from '../../src/context/client-ip.ts';

const trusted = CidrSet.from(['10.0.0.0/8', '192.0.2.10', '2001:db8:ffff::/48', 'fe80::/10']);
const office = CidrSet.from(['203.0.113.0/24', '2001:db8:ace::/48']);
const direct = { proto: 'https', host: 'app.acme.example' } as const;

/** Whether a `networks: [office]` condition matches: an unknown IP never does. */
const inOffice = (ip: string | null): boolean => ip !== null && office.contains(ip);

interface Case {
  name: string;
  peer: string | undefined;
  headers?: ForwardedHeaders;
  ip: string | null;
  office: boolean;
}

function check(cases: readonly Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const got: ClientAddress = clientAddress(c.peer, c.headers ?? {}, trusted, direct);
      assert.equal(got.ip, c.ip);
      assert.equal(inOffice(got.ip), c.office);
    });
  }
}

describe('the peer address: every spelling is canonical before any CIDR match', () => {
  check([
    { name: 'IPv4', peer: '203.0.113.9', ip: '203.0.113.9', office: true },
    { name: 'IPv4-mapped IPv6 is the IPv4 address', peer: '::ffff:203.0.113.9', ip: '203.0.113.9', office: true },
    { name: 'IPv4-mapped, upper-case hex groups', peer: '::FFFF:CB00:7109', ip: '203.0.113.9', office: true },
    { name: 'IPv4-mapped, uncompressed', peer: '0:0:0:0:0:ffff:203.0.113.9', ip: '203.0.113.9', office: true },
    { name: 'IPv6, upper case', peer: '2001:DB8:ACE::9', ip: '2001:db8:ace::9', office: true },
    {
      name: 'IPv6, fully written out',
      peer: '2001:0db8:0ace:0000:0000:0000:0000:0009',
      ip: '2001:db8:ace::9',
      office: true,
    },
    { name: 'IPv6 loopback', peer: '::1', ip: '::1', office: false },
    { name: 'IPv4-compatible ::a.b.c.d is IPv6, not IPv4', peer: '::203.0.113.9', ip: '::cb00:7109', office: false },
    { name: 'NAT64 is IPv6, not IPv4', peer: '64:ff9b::203.0.113.9', ip: '64:ff9b::cb00:7109', office: false },
    {
      name: 'IPv4-translated ::ffff:0:a.b.c.d is not mapped',
      peer: '::ffff:0:203.0.113.9',
      ip: '::ffff:0:cb00:7109',
      office: false,
    },
    { name: 'link-local peer: the zone Node reports is dropped', peer: 'fe80::1%eth0', ip: 'fe80::1', office: false },
    { name: 'link-local peer with a numeric zone', peer: 'FE80::A%2', ip: 'fe80::a', office: false },
    { name: 'missing peer', peer: undefined, ip: null, office: false },
    { name: 'empty peer', peer: '', ip: null, office: false },
  ]);
});

describe('X-Forwarded-For from an untrusted peer is ignored entirely', () => {
  const spoof = { 'x-forwarded-for': '203.0.113.9' };
  check([
    {
      name: 'IPv4 peer claims an office address',
      peer: '198.51.100.7',
      headers: spoof,
      ip: '198.51.100.7',
      office: false,
    },
    {
      name: 'IPv4-mapped peer claims an office address',
      peer: '::ffff:198.51.100.7',
      headers: spoof,
      ip: '198.51.100.7',
      office: false,
    },
    {
      name: 'IPv6 peer claims an office IPv6 address',
      peer: '2001:db8:bad::1',
      headers: { 'x-forwarded-for': '2001:db8:ace::1' },
      ip: '2001:db8:bad::1',
      office: false,
    },
    {
      name: 'a chain ending in a trusted proxy address does not make the peer trusted',
      peer: '198.51.100.7',
      headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' },
      ip: '198.51.100.7',
      office: false,
    },
    {
      name: 'IPv4-compatible ::10.0.0.1 is not the trusted 10.0.0.1',
      peer: '::10.0.0.1',
      headers: spoof,
      ip: '::a00:1',
      office: false,
    },
    {
      name: 'the address just outside a trusted range',
      peer: '::ffff:11.0.0.0',
      headers: spoof,
      ip: '11.0.0.0',
      office: false,
    },
    {
      name: 'a link-local peer outside fe80::/10 is not trusted',
      peer: 'fec0::1%eth0',
      headers: spoof,
      ip: 'fec0::1',
      office: false,
    },
    {
      name: 'repeated headers',
      peer: '198.51.100.7',
      headers: { 'x-forwarded-for': ['203.0.113.9', '203.0.113.10'] },
      ip: '198.51.100.7',
      office: false,
    },
  ]);
});

describe('a trusted peer, spelled every way, is believed', () => {
  check([
    { name: 'IPv4', peer: '10.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' }, ip: '203.0.113.9', office: true },
    {
      name: 'IPv4-mapped hex spelling of 10.0.0.1',
      peer: '::ffff:a00:1',
      headers: { 'x-forwarded-for': '203.0.113.9' },
      ip: '203.0.113.9',
      office: true,
    },
    {
      name: 'upper-case IPv6',
      peer: '2001:DB8:FFFF::1',
      headers: { 'x-forwarded-for': '203.0.113.9' },
      ip: '203.0.113.9',
      office: true,
    },
    {
      name: 'link-local with its zone',
      peer: 'fe80::1%eth0',
      headers: { 'x-forwarded-for': '2001:db8:ace::5' },
      ip: '2001:db8:ace::5',
      office: true,
    },
  ]);
});

describe('X-Forwarded-For from a trusted peer: the right-most untrusted hop is the client', () => {
  const peer = '10.0.0.1';
  const xff = (value: string | string[]): ForwardedHeaders => ({ 'x-forwarded-for': value });
  check([
    { name: 'IPv4-mapped forwarded value', peer, headers: xff('::ffff:203.0.113.9'), ip: '203.0.113.9', office: true },
    {
      name: 'IPv4-mapped forwarded value in upper-case hex',
      peer,
      headers: xff('::FFFF:CB00:7109'),
      ip: '203.0.113.9',
      office: true,
    },
    {
      name: 'upper-case IPv6 forwarded value',
      peer,
      headers: xff('2001:DB8:ACE:0:0:0:0:5'),
      ip: '2001:db8:ace::5',
      office: true,
    },
    {
      name: 'walks right to left over trusted IPv4, mapped and IPv6 hops',
      peer: '2001:db8:ffff::1',
      headers: xff('203.0.113.9, 10.0.0.3, ::ffff:10.0.0.2, 2001:db8:ffff::2'),
      ip: '203.0.113.9',
      office: true,
    },
    {
      name: 'an office address left of the real client is the client’s own claim',
      peer,
      headers: xff('203.0.113.9, 198.51.100.7, 10.0.0.2'),
      ip: '198.51.100.7',
      office: false,
    },
    {
      name: 'a trusted address left of the real client does not extend the walk',
      peer,
      headers: xff('203.0.113.9, 10.9.9.9, 198.51.100.7'),
      ip: '198.51.100.7',
      office: false,
    },
    {
      name: 'IPv4-compatible ::203.0.113.9 forwarded is not the office address',
      peer,
      headers: xff('::203.0.113.9'),
      ip: '::cb00:7109',
      office: false,
    },
    {
      name: 'repeated headers: the client’s own header first, the proxy’s appended last',
      peer,
      headers: xff(['203.0.113.9', '198.51.100.7']),
      ip: '198.51.100.7',
      office: false,
    },
    {
      name: 'repeated headers as Node joins them',
      peer,
      headers: xff('203.0.113.9, 198.51.100.7'),
      ip: '198.51.100.7',
      office: false,
    },
    {
      name: 'repeated headers with trusted hops in each',
      peer,
      headers: xff(['198.51.100.7, 203.0.113.9', '10.0.0.3', '10.0.0.2, 10.0.0.4']),
      ip: '203.0.113.9',
      office: true,
    },
    {
      name: 'an empty last header is skipped',
      peer,
      headers: xff(['198.51.100.7', '']),
      ip: '198.51.100.7',
      office: false,
    },
    {
      name: 'spaces and tabs around entries',
      peer,
      headers: xff('  203.0.113.9\t,\t 10.0.0.2  '),
      ip: '203.0.113.9',
      office: true,
    },
    {
      name: 'empty elements between and after entries',
      peer,
      headers: xff(',203.0.113.9,,  ,10.0.0.2,,'),
      ip: '203.0.113.9',
      office: true,
    },
    { name: 'nothing but separators: the peer', peer, headers: xff(' , ,, '), ip: '10.0.0.1', office: false },
    {
      name: 'garbage left of the client does not matter',
      peer,
      headers: xff('unknown, 0x7f.1, 203.0.113.9'),
      ip: '203.0.113.9',
      office: true,
    },
  ]);
});

/**
 * A right-most value that is not a plain address stops the walk at the last trusted hop: the office address
 * written left of it is never reached, and no spelling of an office or loopback address is taken for one.
 */
describe('an unparsable forwarded value is not believed', () => {
  const unparsable = [
    'unknown',
    '_hidden',
    '_SEVKISEK',
    '1.2.3',
    '300.1.1.1',
    '203.0.113.256',
    '1.2.3.4:80',
    '203.0.113.9:443',
    '[2001:db8:ace::1]:443',
    '[2001:db8:ace::1]',
    '0x7f.1',
    '127.1',
    '017.0.0.1',
    '203.0.113.09',
    '0xcb.0.113.9',
    '0xcb007109',
    '3405803785',
    '203.0.28937',
    '::ffff:203.0.113.09',
    '::ffff:0xcb.0.113.9',
    '2001:db8:ace::1%eth0',
    '::ffff:203.0.113.9%1',
    '203.0.113.9/32',
    '203.0.113.0/24',
    '203.0.113.9.',
    '"203.0.113.9"',
    'for=203.0.113.9',
    '203.0.113.9 198.51.100.7',
    '203.0.113.9;198.51.100.7',
    '２０３.0.113.9',
    '203.0.113.9\u0000',
    'localhost',
    'office.example',
    `203.0.113.9${'0'.repeat(100_000)}`,
    'x'.repeat(100_000),
  ];
  for (const value of unparsable) {
    it(`${JSON.stringify(value.length > 40 ? `${value.slice(0, 20)}… (${value.length} chars)` : value)}`, () => {
      assert.equal(canonicalIp(value), null, 'not an address');
      for (const header of [value, `203.0.113.9, ${value}`]) {
        const got = clientAddress('10.0.0.1', { 'x-forwarded-for': header }, trusted, direct);
        assert.equal(got.ip, '10.0.0.1', 'attributed to the trusted peer');
        assert.equal(inOffice(got.ip), false);
      }
      const behind = clientAddress(
        '10.0.0.1',
        { 'x-forwarded-for': `203.0.113.9, ${value}, 10.0.0.2` },
        trusted,
        direct,
      );
      assert.equal(behind.ip, '10.0.0.2', 'attributed to the last trusted hop');
    });
  }

  it('a trusted peer without a usable header never yields null or a forwarded string', () => {
    for (const headers of [{}, { 'x-forwarded-for': '' }, { 'x-forwarded-for': [] }, { 'x-forwarded-for': ',' }]) {
      assert.equal(clientAddress('::ffff:10.0.0.1', headers, trusted, direct).ip, '10.0.0.1');
    }
  });
});

describe('very long headers', () => {
  it('ten thousand spoofed office entries left of the real client', () => {
    const header = `${Array(10_000).fill('203.0.113.9').join(', ')}, 198.51.100.7`;
    assert.equal(clientAddress('10.0.0.1', { 'x-forwarded-for': header }, trusted, direct).ip, '198.51.100.7');
  });

  it('a long chain of trusted hops is walked to its end', () => {
    const header = `203.0.113.9, ${Array(10_000).fill('10.0.0.2').join(',')}`;
    assert.equal(clientAddress('10.0.0.1', { 'x-forwarded-for': header }, trusted, direct).ip, '203.0.113.9');
  });

  it('ten thousand empty elements', () => {
    const header = `203.0.113.9${','.repeat(10_000)}`;
    assert.equal(clientAddress('10.0.0.1', { 'x-forwarded-for': header }, trusted, direct).ip, '203.0.113.9');
  });
});

describe('only X-Forwarded-For is read: other client-address headers are ignored, even from a trusted peer', () => {
  const others: Record<string, string>[] = [
    { forwarded: 'for=203.0.113.9' },
    { forwarded: 'for="[2001:db8:ace::1]:443";proto=https' },
    { 'x-real-ip': '203.0.113.9' },
    { 'true-client-ip': '203.0.113.9' },
    { 'cf-connecting-ip': '203.0.113.9' },
    { 'x-client-ip': '203.0.113.9' },
    { 'x-original-forwarded-for': '203.0.113.9' },
    { 'x-cluster-client-ip': '203.0.113.9' },
  ];
  for (const headers of others) {
    it(`${Object.keys(headers)[0]}`, () => {
      assert.equal(clientAddress('10.0.0.1', headers, trusted, direct).ip, '10.0.0.1');
      assert.equal(clientAddress('198.51.100.7', headers, trusted, direct).ip, '198.51.100.7');
    });
  }

  it('X-Forwarded-For wins over Forwarded', () => {
    const headers = { forwarded: 'for=203.0.113.9', 'x-forwarded-for': '198.51.100.7' };
    assert.equal(clientAddress('10.0.0.1', headers, trusted, direct).ip, '198.51.100.7');
  });
});

describe('CIDR matching across address families', () => {
  /** [set entries, address, expected] */
  const table: [readonly string[], string, boolean][] = [
    // IPv4-mapped addresses against IPv4 ranges
    [['203.0.113.0/24'], '::ffff:203.0.113.9', true],
    [['203.0.113.0/24'], '::ffff:cb00:7109', true],
    [['203.0.113.0/24'], '::FFFF:CB00:7109', true],
    [['203.0.113.0/24'], '0:0:0:0:0:ffff:203.0.113.255', true],
    [['203.0.113.0/24'], '::ffff:203.0.114.0', false],
    [['203.0.113.0/24'], '::203.0.113.9', false],
    [['203.0.113.0/24'], '::ffff:0:203.0.113.9', false],
    [['203.0.113.0/24'], '64:ff9b::203.0.113.9', false],
    [['203.0.113.0/24'], '2002:cb00:7109::1', false],
    // an IPv4-mapped range is the IPv4 range
    [['::ffff:203.0.113.0/120'], '203.0.113.9', true],
    [['::ffff:203.0.113.0/120'], '::ffff:203.0.113.9', true],
    [['::ffff:203.0.113.0/120'], '203.0.112.255', false],
    [['::ffff:203.0.113.9/128'], '203.0.113.9', true],
    [['::ffff:203.0.113.9/128'], '203.0.113.10', false],
    // /32 and /128 are exact, whatever the spelling
    [['203.0.113.9/32'], '203.0.113.9', true],
    [['203.0.113.9/32'], '::ffff:203.0.113.9', true],
    [['203.0.113.9/32'], '203.0.113.8', false],
    [['203.0.113.9/32'], '203.0.113.10', false],
    [['2001:db8::1/128'], '2001:0DB8:0000:0000:0000:0000:0000:0001', true],
    [['2001:db8::1/128'], '2001:db8::2', false],
    [['2001:db8::1/128'], '2001:db8::1:0', false],
    [['2001:DB8::1'], '2001:db8::1', true],
    // boundaries
    [['203.0.113.8/31'], '203.0.113.8', true],
    [['203.0.113.8/31'], '203.0.113.9', true],
    [['203.0.113.8/31'], '203.0.113.10', false],
    [['203.0.113.8/31'], '203.0.113.7', false],
    [['2001:db8:ace::/48'], '2001:db8:ace:ffff:ffff:ffff:ffff:ffff', true],
    [['2001:db8:ace::/48'], '2001:db8:acf::', false],
    [['2001:db8:ace::/48'], '2001:db8:acd:ffff:ffff:ffff:ffff:ffff', false],
    // /0 of each family covers that family only
    [['0.0.0.0/0'], '198.51.100.7', true],
    [['0.0.0.0/0'], '::ffff:198.51.100.7', true],
    [['0.0.0.0/0'], '2001:db8::1', false],
    [['0.0.0.0/0'], '::1', false],
    [['::/0'], '2001:db8::1', true],
    [['::/0'], '::', true],
    [['::/0'], '198.51.100.7', false],
    [['::/0'], '::ffff:198.51.100.7', false],
    [['0.0.0.0/0', '::/0'], '::ffff:198.51.100.7', true],
    [['0.0.0.0/0', '::/0'], 'fe80::1', true],
    [['0.0.0.0/0', '::/0'], 'fe80::1%eth0', false],
    [['0.0.0.0/0', '::/0'], 'unknown', false],
    // a mix
    [['203.0.113.0/24', '2001:db8:ace::/48', '::ffff:192.0.2.0/120'], '192.0.2.77', true],
    [['203.0.113.0/24', '2001:db8:ace::/48', '::ffff:192.0.2.0/120'], '::ffff:203.0.113.1', true],
    [['203.0.113.0/24', '2001:db8:ace::/48', '::ffff:192.0.2.0/120'], '2001:db8:ace::77', true],
    [['203.0.113.0/24', '2001:db8:ace::/48', '::ffff:192.0.2.0/120'], '2001:db8:acf::77', false],
    [['203.0.113.0/24', '2001:db8:ace::/48', '::ffff:192.0.2.0/120'], '198.51.100.7', false],
    [['203.0.113.0/24', '2001:db8:ace::/48', '::ffff:192.0.2.0/120'], '::cb00:7101', false],
    // obfuscated spellings of an address inside the set never match
    [['127.0.0.0/8'], '127.1', false],
    [['127.0.0.0/8'], '0x7f.0.0.1', false],
    [['127.0.0.0/8'], '017.0.0.1', false],
    [['127.0.0.0/8'], '2130706433', false],
    [['127.0.0.0/8'], '::ffff:127.1', false],
  ];
  for (const [entries, address, expected] of table) {
    it(`${JSON.stringify(address)} ${expected ? 'is' : 'is not'} in ${entries.join(' ')}`, () => {
      assert.equal(CidrSet.from(entries).contains(address), expected);
    });
  }
});
