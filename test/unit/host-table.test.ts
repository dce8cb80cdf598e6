/** Table tests for src/routing/host-table.ts: Host header parsing and exact/wildcard host matching. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PortcullisError } from '../../src/errors.ts';
import { HostTable, normalizeHost, parseHost } from '../../src/routing/host-table.ts';

/** [Host header, normalizeHost(header), normalizeHost(header, 'https')] */
const valid: [string, string, string][] = [
  ['rmm.acme.example', 'rmm.acme.example', 'rmm.acme.example'],
  ['RMM.Acme.Example', 'rmm.acme.example', 'rmm.acme.example'],
  ['rmm.acme.example.', 'rmm.acme.example', 'rmm.acme.example'],
  ['RMM.Acme.Example.:443', 'rmm.acme.example:443', 'rmm.acme.example'],
  ['rmm.acme.example:80', 'rmm.acme.example:80', 'rmm.acme.example:80'],
  ['rmm.acme.example:8443', 'rmm.acme.example:8443', 'rmm.acme.example:8443'],
  ['rmm.acme.example:00443', 'rmm.acme.example:443', 'rmm.acme.example'],
  ['rmm.acme.example:65535', 'rmm.acme.example:65535', 'rmm.acme.example:65535'],
  ['localhost', 'localhost', 'localhost'],
  ['xn--bcher-kva.example', 'xn--bcher-kva.example', 'xn--bcher-kva.example'],
  ['XN--BCHER-KVA.example', 'xn--bcher-kva.example', 'xn--bcher-kva.example'],
  ['my_host.corp.local', 'my_host.corp.local', 'my_host.corp.local'],
  ['203.0.113.7', '203.0.113.7', '203.0.113.7'],
  ['203.0.113.7:443', '203.0.113.7:443', '203.0.113.7'],
  ['[::1]', '[::1]', '[::1]'],
  ['[::1]:443', '[::1]:443', '[::1]'],
  ['[0:0:0:0:0:0:0:1]:8080', '[::1]:8080', '[::1]:8080'],
  ['[2001:DB8::A]', '[2001:db8::a]', '[2001:db8::a]'],
  ['[::ffff:192.0.2.1]', '[::ffff:c000:201]', '[::ffff:c000:201]'],
  [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
];

/** [Host header, label] */
const malformed: [string, string][] = [
  ['', 'empty'],
  [' ', 'space'],
  ['rmm.acme.example ', 'trailing space'],
  [' rmm.acme.example', 'leading space'],
  ['rmm acme.example', 'inner space'],
  ['rmm.acme.example\t', 'tab'],
  ['a@b', 'userinfo'],
  ['user@rmm.acme.example', 'userinfo before host'],
  ['evil.com\\@rmm.acme.example', 'backslash userinfo trick'],
  ['evil.com/rmm.acme.example', 'slash'],
  ['evil.com?.rmm.acme.example', 'question mark'],
  ['evil.com#.rmm.acme.example', 'hash'],
  ['rmm%2eacme.example', 'percent-encoding'],
  ['rmm.acme.example:443:443', 'two colons'],
  ['::1', 'bare IPv6'],
  ['rmm.acme.example:', 'empty port'],
  ['rmm.acme.example:0', 'port 0'],
  ['rmm.acme.example:65536', 'port too large'],
  ['rmm.acme.example:123456', 'port too long'],
  ['rmm.acme.example:-1', 'negative port'],
  ['rmm.acme.example:+443', 'signed port'],
  ['rmm.acme.example:http', 'named port'],
  ['.', 'only a dot'],
  ['..', 'two dots'],
  ['.rmm.acme.example', 'leading dot'],
  ['rmm..acme.example', 'empty label'],
  ['rmm.acme.example..', 'two trailing dots'],
  [`${'a'.repeat(64)}.example`, 'label too long'],
  [`${'a.'.repeat(127)}ab`, 'name too long'],
  ['bücher.example', 'raw non-ASCII'],
  ['\u212Aey.example', 'Kelvin sign that lower-cases to k'],
  ['*.acme.example', 'wildcard in a header'],
  ['[::1', 'unclosed bracket'],
  ['[::1]x', 'junk after bracket'],
  ['[::1]:0', 'bracketed with port 0'],
  ['[fe80::1%25eth0]', 'zone id'],
  ['[not-an-ip]', 'bracketed name'],
  ['[1.2.3.4]', 'bracketed IPv4'],
  ['[::ffff:0x7f.0.0.1]', 'legacy embedded IPv4'],
  ['[]', 'empty brackets'],
  ['rmm.acme.example\r\nX-Evil: 1', 'CRLF'],
];

describe('normalizeHost / parseHost', () => {
  for (const [header, plain, https] of valid) {
    it(`normalises ${JSON.stringify(header)}`, () => {
      assert.equal(normalizeHost(header), plain);
      assert.equal(normalizeHost(header, 'https'), https);
    });
  }
  for (const [header, label] of malformed) {
    it(`refuses ${label}`, () => {
      assert.equal(normalizeHost(header), null);
      assert.equal(parseHost(header), null);
    });
  }
  it('drops :80 only for http and :443 only for https', () => {
    assert.equal(normalizeHost('a.example:80', 'http'), 'a.example');
    assert.equal(normalizeHost('a.example:443', 'http'), 'a.example:443');
    assert.equal(normalizeHost('a.example:80', 'https'), 'a.example:80');
  });
  it('splits hostname and port', () => {
    assert.deepEqual(parseHost('A.Example.:8080'), { hostname: 'a.example', port: 8080 });
    assert.deepEqual(parseHost('[::1]'), { hostname: '[::1]', port: null });
  });
});

describe('HostTable', () => {
  const table = new HostTable<string>([
    { pattern: 'rmm.acme.example', value: 'rmm' },
    { pattern: '*.acme.example', value: 'acme-any' },
    { pattern: '*.b.acme.example', value: 'b-any' },
    { pattern: 'x.b.acme.example', value: 'x-exact' },
    { pattern: 'Upper.Example.', value: 'upper' },
    { pattern: 'xn--bcher-kva.example', value: 'idn' },
    { pattern: '[::1]', value: 'loopback6' },
    { pattern: '203.0.113.7', value: 'ip4' },
  ]);

  /** [Host header, expected value] */
  const lookups: [string, string | undefined][] = [
    ['rmm.acme.example', 'rmm'],
    ['RMM.Acme.Example.:443', 'rmm'],
    ['rmm.acme.example:80', 'rmm'],
    ['rmm.acme.example:8443', 'rmm'],
    ['rmm.acme.example.', 'rmm'],
    ['other.acme.example', 'acme-any'],
    ['a.b.c.acme.example', 'acme-any'],
    ['acme.example', undefined],
    ['b.acme.example', 'acme-any'],
    ['y.b.acme.example', 'b-any'],
    ['deep.y.b.acme.example', 'b-any'],
    ['x.b.acme.example', 'x-exact'],
    ['X.B.ACME.EXAMPLE.', 'x-exact'],
    ['upper.example', 'upper'],
    ['xn--bcher-kva.example:443', 'idn'],
    ['[::1]:8080', 'loopback6'],
    ['[0::1]', 'loopback6'],
    ['203.0.113.7:443', 'ip4'],
    ['evilacme.example', undefined],
    ['rmm.acme.example.evil.com', undefined],
    ['evil.com\\@rmm.acme.example', undefined],
    ['rmm.acme.example@evil.com', undefined],
    ['rmm.acme.example:0', undefined],
    ['rmm.acme.example:1:2', undefined],
    ['example', undefined],
    ['', undefined],
    ['.acme.example', undefined],
    ['*.acme.example', undefined],
  ];
  for (const [header, expected] of lookups) {
    it(`looks up ${JSON.stringify(header)}`, () => {
      assert.equal(table.lookup(header), expected);
    });
  }

  it('returns falsy values stored in the table', () => {
    const t = new HostTable<number>([
      { pattern: 'zero.example', value: 0 },
      { pattern: '*.zero.example', value: 0 },
    ]);
    assert.equal(t.lookup('zero.example'), 0);
    assert.equal(t.lookup('a.zero.example'), 0);
  });

  it('empty table matches nothing', () => {
    assert.equal(new HostTable<string>([]).lookup('a.example'), undefined);
  });

  /** [pattern, label] */
  const badPatterns: [string, string][] = [
    ['', 'empty'],
    ['*', 'bare star'],
    ['*.', 'star dot'],
    ['a.*.example', 'inner star'],
    ['*.*.example', 'double star'],
    ['*example.com', 'star without dot'],
    ['foo*.example', 'partial star'],
    ['rmm.acme.example:443', 'port'],
    ['rmm acme', 'space'],
    ['*.[::1]', 'wildcard over IP literal'],
    ['user@host.example', 'userinfo'],
  ];
  for (const [pattern, label] of badPatterns) {
    it(`rejects pattern: ${label}`, () => {
      assert.throws(
        () => new HostTable([{ pattern, value: 1 }]),
        (error: unknown) => error instanceof PortcullisError && error.code === 'PC_ERR_CONFIG_INVALID',
      );
    });
  }

  it('rejects duplicate patterns after normalisation', () => {
    assert.throws(
      () =>
        new HostTable([
          { pattern: 'A.example', value: 1 },
          { pattern: 'a.example.', value: 2 },
        ]),
      PortcullisError,
    );
    assert.throws(
      () =>
        new HostTable([
          { pattern: '*.a.example', value: 1 },
          { pattern: '*.A.EXAMPLE', value: 2 },
        ]),
      PortcullisError,
    );
  });

  it('allows an exact and a wildcard pattern on the same name', () => {
    const t = new HostTable([
      { pattern: 'a.example', value: 'exact' },
      { pattern: '*.a.example', value: 'wild' },
    ]);
    assert.equal(t.lookup('a.example'), 'exact');
    assert.equal(t.lookup('b.a.example'), 'wild');
  });
});
