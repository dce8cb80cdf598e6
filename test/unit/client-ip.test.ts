/** Table tests for src/context/client-ip.ts: X-Forwarded-* trust and the right-to-left XFF walk. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CidrSet } from '../../src/context/cidr.ts';
import { type ClientAddress, clientAddress, type ForwardedHeaders } from '../../src/context/client-ip.ts';

const trusted = CidrSet.from(['10.0.0.0/8', '2001:db8:ffff::/48', '192.0.2.10']);
const direct = { proto: 'https', host: 'rmm.acme.example' } as const;
const viaDirect = (ip: string | null): ClientAddress => ({ ip, proto: 'https', host: 'rmm.acme.example' });

interface Case {
  name: string;
  peer: string | undefined;
  headers: ForwardedHeaders;
  expected: ClientAddress;
}

const cases: Case[] = [
  {
    name: 'untrusted peer without headers',
    peer: '198.51.100.9',
    headers: {},
    expected: viaDirect('198.51.100.9'),
  },
  {
    name: 'spoofed X-Forwarded-* from an untrusted peer are ignored',
    peer: '198.51.100.9',
    headers: { 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'evil.example' },
    expected: viaDirect('198.51.100.9'),
  },
  {
    name: 'IPv4-mapped untrusted peer is canonicalised',
    peer: '::ffff:198.51.100.9',
    headers: { 'x-forwarded-for': '1.1.1.1' },
    expected: viaDirect('198.51.100.9'),
  },
  {
    name: 'IPv4-mapped trusted peer is trusted',
    peer: '::ffff:10.1.2.3',
    headers: { 'x-forwarded-for': '203.0.113.5' },
    expected: viaDirect('203.0.113.5'),
  },
  {
    name: 'missing peer',
    peer: undefined,
    headers: { 'x-forwarded-for': '203.0.113.5' },
    expected: viaDirect(null),
  },
  {
    name: 'garbage peer',
    peer: 'not-an-ip',
    headers: { 'x-forwarded-for': '203.0.113.5' },
    expected: viaDirect(null),
  },
  {
    name: 'trusted peer without XFF is the client',
    peer: '10.0.0.1',
    headers: {},
    expected: viaDirect('10.0.0.1'),
  },
  {
    name: 'one trusted proxy',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '203.0.113.5' },
    expected: viaDirect('203.0.113.5'),
  },
  {
    name: 'chain through two trusted proxies',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '203.0.113.5, 192.0.2.10' },
    expected: viaDirect('203.0.113.5'),
  },
  {
    name: 'client-supplied prefix left of the real client is ignored',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '127.0.0.1, 10.9.9.9, 203.0.113.5, 10.0.0.2' },
    expected: viaDirect('203.0.113.5'),
  },
  {
    name: 'all hops trusted: the leftmost trusted hop',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '10.0.0.3, 10.0.0.2' },
    expected: viaDirect('10.0.0.3'),
  },
  {
    name: 'garbage entry stops the walk at the last trusted hop',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '203.0.113.5, <script>, 10.0.0.2' },
    expected: viaDirect('10.0.0.2'),
  },
  {
    name: 'garbage as the only entry: attributed to the peer',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': 'unknown' },
    expected: viaDirect('10.0.0.1'),
  },
  {
    name: 'entry with a port is not an address',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '203.0.113.5:4711' },
    expected: viaDirect('10.0.0.1'),
  },
  {
    name: 'legacy IPv4 spelling is not an address',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '0x7f.1' },
    expected: viaDirect('10.0.0.1'),
  },
  {
    name: 'zone id is not an address',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': 'fe80::1%eth0' },
    expected: viaDirect('10.0.0.1'),
  },
  {
    name: 'empty header',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '' },
    expected: viaDirect('10.0.0.1'),
  },
  {
    name: 'empty list elements are skipped',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': ' ,203.0.113.5,, 10.0.0.2 ,' },
    expected: viaDirect('203.0.113.5'),
  },
  {
    name: 'tabs and spaces around entries',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '\t203.0.113.5 \t' },
    expected: viaDirect('203.0.113.5'),
  },
  {
    name: 'multiple XFF headers are joined in order',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': ['198.51.100.1, 203.0.113.5', '10.0.0.3', '10.0.0.2'] },
    expected: viaDirect('203.0.113.5'),
  },
  {
    name: 'multiple XFF headers: last header decides first',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': ['10.0.0.3', '203.0.113.5'] },
    expected: viaDirect('203.0.113.5'),
  },
  {
    name: 'IPv4-mapped XFF entries are canonicalised',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '::ffff:203.0.113.5, ::ffff:10.0.0.2' },
    expected: viaDirect('203.0.113.5'),
  },
  {
    name: 'IPv6 peer and IPv6 client',
    peer: '2001:db8:ffff::1',
    headers: { 'x-forwarded-for': '2001:DB8:1::0:5, 2001:db8:ffff:0::2' },
    expected: viaDirect('2001:db8:1::5'),
  },
  {
    name: 'untrusted IPv6 peer is compressed lower-case',
    peer: '2001:0DB8:0001:0000:0000:0000:0000:0009',
    headers: { 'x-forwarded-for': '10.0.0.1' },
    expected: viaDirect('2001:db8:1::9'),
  },
  {
    name: 'bracketed IPv6 entry is not an address',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '[2001:db8::1]' },
    expected: viaDirect('10.0.0.1'),
  },
  {
    name: 'X-Forwarded-Proto and X-Forwarded-Host from a trusted peer',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'App.Acme.Example:8080' },
    expected: { ip: '10.0.0.1', proto: 'http', host: 'app.acme.example:8080' },
  },
  {
    name: 'X-Forwarded-Proto is case-insensitive; the first value wins',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-proto': 'HTTP , https' },
    expected: { ip: '10.0.0.1', proto: 'http', host: 'rmm.acme.example' },
  },
  {
    name: 'X-Forwarded-Proto as several headers: the first header wins',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-proto': ['http', 'https'] },
    expected: { ip: '10.0.0.1', proto: 'http', host: 'rmm.acme.example' },
  },
  {
    name: 'X-Forwarded-Proto garbage falls back',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-proto': 'javascript' },
    expected: viaDirect('10.0.0.1'),
  },
  {
    name: 'X-Forwarded-Proto empty falls back',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-proto': '' },
    expected: viaDirect('10.0.0.1'),
  },
  {
    name: 'X-Forwarded-Host default port for the forwarded proto is dropped',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.acme.example:443' },
    expected: { ip: '10.0.0.1', proto: 'https', host: 'app.acme.example' },
  },
  {
    name: 'X-Forwarded-Host first value wins',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-host': 'a.acme.example, b.acme.example' },
    expected: { ip: '10.0.0.1', proto: 'https', host: 'a.acme.example' },
  },
  {
    name: 'X-Forwarded-Host with userinfo falls back',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-host': 'evil.example\\@rmm.acme.example' },
    expected: viaDirect('10.0.0.1'),
  },
  {
    name: 'X-Forwarded-Host with a path falls back',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-host': 'evil.example/x' },
    expected: viaDirect('10.0.0.1'),
  },
  {
    name: 'X-Forwarded-Host with a bad port falls back',
    peer: '10.0.0.1',
    headers: { 'x-forwarded-host': 'app.acme.example:99999' },
    expected: viaDirect('10.0.0.1'),
  },
];

describe('clientAddress', () => {
  for (const { name, peer, headers, expected } of cases) {
    it(name, () => {
      assert.deepEqual(clientAddress(peer, headers, trusted, direct), expected);
    });
  }

  it('trusts nothing with an empty trusted set', () => {
    const none = CidrSet.from([]);
    assert.deepEqual(
      clientAddress('10.0.0.1', { 'x-forwarded-for': '203.0.113.5', 'x-forwarded-proto': 'http' }, none, direct),
      viaDirect('10.0.0.1'),
    );
  });

  it('accepts Node-style IncomingHttpHeaders', () => {
    const headers: Record<string, string | string[] | undefined> = { 'x-forwarded-for': '203.0.113.5', host: 'x' };
    assert.equal(clientAddress('10.0.0.1', headers, trusted, direct).ip, '203.0.113.5');
  });
});
