/** Table tests for src/session/cookies.ts: tolerant bounded parsing, strict Set-Cookie serialisation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CookieOptions,
  clearCookie,
  cookieValue,
  MAX_COOKIE_HEADER_LENGTH,
  MAX_COOKIES,
  parseCookies,
  serializeCookie,
} from '../../src/session/cookies.ts';

/** [Cookie header, expected entries in order] */
const cases: [string | undefined, [string, string][]][] = [
  [undefined, []],
  ['', []],
  ['a=1', [['a', '1']]],
  [
    'a=1; b=2',
    [
      ['a', '1'],
      ['b', '2'],
    ],
  ],
  [
    'a=1;b=2',
    [
      ['a', '1'],
      ['b', '2'],
    ],
  ],
  [
    '  a = 1 ;\tb=2\t;  ',
    [
      ['a', '1'],
      ['b', '2'],
    ],
  ],
  ['a=1; a=2', [['a', '1']]],
  [
    'a=; b=2',
    [
      ['a', ''],
      ['b', '2'],
    ],
  ],
  ['a="quoted"', [['a', 'quoted']]],
  ['a=""', [['a', '']]],
  ['a="', []],
  ['a=x=y', [['a', 'x=y']]],
  ['a=b%20c', [['a', 'b%20c']]],
  ['a=with space', []],
  ['a=x"y', []],
  ['a=x\\y', []],
  ['a=x,y', []],
  ['a=\u00e9', []],
  ['a=1\u0000', []],
  ['noequals; b=2', [['b', '2']]],
  ['=nameless; b=2', [['b', '2']]],
  ['a b=1; c=2', [['c', '2']]],
  ['a(b)=1', []],
  ['a@b=1', []],
  ['__Host-sid=abc', [['__Host-sid', 'abc']]],
  [
    'SID=1; sid=2',
    [
      ['SID', '1'],
      ['sid', '2'],
    ],
  ],
  ['a=bad value; a=good', [['a', 'good']]],
  [
    '__proto__=x; constructor=y',
    [
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ],
  ],
  [';;;', []],
];

describe('parseCookies', () => {
  for (const [header, entries] of cases) {
    it(`parses ${JSON.stringify(header)}`, () => {
      assert.deepEqual([...parseCookies(header)], entries);
    });
  }

  it(`keeps at most ${MAX_COOKIES} cookies`, () => {
    const header = Array.from({ length: 150 }, (_, i) => `c${i}=${i}`).join('; ');
    const cookies = parseCookies(header);
    assert.equal(cookies.size, MAX_COOKIES);
    assert.equal(cookies.get('c99'), '99');
    assert.equal(cookies.has('c100'), false);
  });

  it('duplicates do not count towards the cookie cap', () => {
    const header = `${'a=1; '.repeat(200)}b=2`;
    assert.deepEqual(
      [...parseCookies(header)],
      [
        ['a', '1'],
        ['b', '2'],
      ],
    );
  });

  it('reads only the first 8 KiB and drops the pair cut by the limit', () => {
    const filler = `f=${'x'.repeat(MAX_COOKIE_HEADER_LENGTH - 10)}`;
    const header = `${filler}; sid=abcdefghijkl; late=1`;
    const cookies = parseCookies(header);
    assert.equal(cookies.get('f')?.length, MAX_COOKIE_HEADER_LENGTH - 10);
    assert.equal(cookies.has('sid'), false, 'a truncated value must not be returned');
    assert.equal(cookies.has('late'), false);
  });

  it('keeps a pair ending exactly at the limit', () => {
    const first = `a=${'x'.repeat(MAX_COOKIE_HEADER_LENGTH - 2)}`;
    assert.equal(first.length, MAX_COOKIE_HEADER_LENGTH);
    const cookies = parseCookies(`${first};b=2`);
    assert.equal(cookies.get('a')?.length, MAX_COOKIE_HEADER_LENGTH - 2);
    assert.equal(cookies.has('b'), false);
  });

  it('drops a single oversized pair entirely', () => {
    assert.equal(parseCookies(`sid=${'x'.repeat(MAX_COOKIE_HEADER_LENGTH)}`).size, 0);
  });
});

describe('cookieValue', () => {
  /** A seeded generator of hostile headers: deterministic, so a failure repeats. */
  function* generated(count: number): Generator<string> {
    let seed = 0x2545f491;
    const next = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const parts = [
      'sid=v',
      '; sid=',
      'a=1; ',
      'sid',
      'sid2',
      'xsid',
      's',
      '=',
      ';',
      ' ',
      '\t',
      '"',
      'a',
      '1',
      ',',
      '\\',
      'id',
      '=sid',
    ];
    for (let i = 0; i < count; i++) {
      let header = '';
      const length = 1 + next(14);
      for (let j = 0; j < length; j++) header += parts[next(parts.length)];
      yield header;
    }
  }

  const limit = MAX_COOKIE_HEADER_LENGTH;
  const headers = [
    ...cases.map(([header]) => header),
    ...generated(5000),
    `f=${'x'.repeat(limit - 10)}; sid=abcdefghijkl; late=1`,
    `a=${'x'.repeat(limit - 2)};sid=2`,
    `sid=${'x'.repeat(limit - 4)};b=2`,
    `sid=${'x'.repeat(limit - 4)}x;b=2`,
    `sid=${'x'.repeat(limit)}`,
    `a=1; ${' '.repeat(limit)}sid=late`,
  ];

  it('reads each name exactly as parseCookies does, for every header of the table and 5000 generated ones', () => {
    let compared = 0;
    let found = 0;
    for (const header of headers) {
      const map = parseCookies(header);
      for (const name of new Set(['sid', 'sid2', 'xsid', 's', 'a', 'b', 'f', 'late', 'id', ...map.keys()])) {
        assert.equal(cookieValue(header, name), map.get(name), `${name} in ${JSON.stringify(header)?.slice(0, 80)}`);
        compared++;
        if (map.has(name)) found++;
      }
    }
    assert.ok(compared > 40000 && found > 1000, `${compared} names compared, ${found} present`);
  });

  it('finds a cookie after the 100 others that bound the map', () => {
    const header = `${Array.from({ length: 150 }, (_, i) => `c${i}=${i}`).join('; ')}; sid=kept`;
    assert.equal(parseCookies(header).has('sid'), false);
    assert.equal(cookieValue(header, 'sid'), 'kept');
  });
});

describe('serializeCookie', () => {
  const base: CookieOptions = { secure: true };

  /** [name, value, options, expected] */
  const good: [string, string, CookieOptions, string][] = [
    ['sid', 'abc', base, 'sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax'],
    ['sid', '', base, 'sid=; Path=/; Secure; HttpOnly; SameSite=Lax'],
    ['sid', 'abc', { secure: false }, 'sid=abc; Path=/; HttpOnly; SameSite=Lax'],
    ['sid', 'abc', { ...base, httpOnly: false }, 'sid=abc; Path=/; Secure; SameSite=Lax'],
    ['sid', 'abc', { ...base, sameSite: 'Strict' }, 'sid=abc; Path=/; Secure; HttpOnly; SameSite=Strict'],
    ['sid', 'abc', { ...base, sameSite: 'None' }, 'sid=abc; Path=/; Secure; HttpOnly; SameSite=None'],
    ['sid', 'abc', { ...base, maxAgeSeconds: 3600 }, 'sid=abc; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Lax'],
    ['sid', 'abc', { ...base, maxAgeSeconds: 0 }, 'sid=abc; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax'],
    [
      'sid',
      'abc',
      { ...base, expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)) },
      'sid=abc; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Path=/; Secure; HttpOnly; SameSite=Lax',
    ],
    [
      'sid',
      'abc',
      { ...base, domain: 'acme.example', path: '/app' },
      'sid=abc; Domain=acme.example; Path=/app; Secure; HttpOnly; SameSite=Lax',
    ],
    ['__Host-sid', 'a.b-c_d~', base, '__Host-sid=a.b-c_d~; Path=/; Secure; HttpOnly; SameSite=Lax'],
    [
      '__Secure-sid',
      'v',
      { ...base, domain: 'acme.example' },
      '__Secure-sid=v; Domain=acme.example; Path=/; Secure; HttpOnly; SameSite=Lax',
    ],
    ["a!#$%&'*+-.^_`|~", 'x', base, "a!#$%&'*+-.^_`|~=x; Path=/; Secure; HttpOnly; SameSite=Lax"],
  ];
  for (const [name, value, options, expected] of good) {
    it(`serialises ${expected}`, () => {
      assert.equal(serializeCookie(name, value, options), expected);
    });
  }

  it('round-trips through parseCookies', () => {
    const setCookie = serializeCookie('sid', 'abc.DEF-123_~', base);
    const pair = setCookie.slice(0, setCookie.indexOf(';'));
    assert.equal(parseCookies(pair).get('sid'), 'abc.DEF-123_~');
  });

  /** [label, name, value, options] */
  const bad: [string, string, string, CookieOptions][] = [
    ['empty name', '', 'x', base],
    ['name with space', 'a b', 'x', base],
    ['name with =', 'a=b', 'x', base],
    ['name with ;', 'a;b', 'x', base],
    ['name with non-ASCII', 'é', 'x', base],
    ['value with ;', 'a', 'x;y', base],
    ['value with space', 'a', 'x y', base],
    ['value with comma', 'a', 'x,y', base],
    ['value with quote', 'a', 'x"y', base],
    ['value with backslash', 'a', 'x\\y', base],
    ['value with CRLF', 'a', 'x\r\nSet-Cookie: evil=1', base],
    ['value with non-ASCII', 'a', 'é', base],
    ['non-string value', 'a', 1 as unknown as string, base],
    ['missing secure', 'a', 'x', {} as CookieOptions],
    ['SameSite=None without Secure', 'a', 'x', { secure: false, sameSite: 'None' }],
    ['bad SameSite', 'a', 'x', { ...base, sameSite: 'lax' as 'Lax' }],
    ['negative Max-Age', 'a', 'x', { ...base, maxAgeSeconds: -1 }],
    ['fractional Max-Age', 'a', 'x', { ...base, maxAgeSeconds: 1.5 }],
    ['NaN Max-Age', 'a', 'x', { ...base, maxAgeSeconds: Number.NaN }],
    ['infinite Max-Age', 'a', 'x', { ...base, maxAgeSeconds: Number.POSITIVE_INFINITY }],
    ['invalid Expires', 'a', 'x', { ...base, expires: new Date('nope') }],
    ['Expires not a Date', 'a', 'x', { ...base, expires: 0 as unknown as Date }],
    ['relative path', 'a', 'x', { ...base, path: 'app' }],
    ['empty path', 'a', 'x', { ...base, path: '' }],
    ['path with ;', 'a', 'x', { ...base, path: '/a;Domain=evil.example' }],
    ['path with CRLF', 'a', 'x', { ...base, path: '/a\r\n' }],
    ['domain with ;', 'a', 'x', { ...base, domain: 'a.example;Secure' }],
    ['domain with leading dot', 'a', 'x', { ...base, domain: '.acme.example' }],
    ['domain with port', 'a', 'x', { ...base, domain: 'acme.example:443' }],
    ['empty domain', 'a', 'x', { ...base, domain: '' }],
    ['__Host- without Secure', '__Host-sid', 'x', { secure: false }],
    ['__Host- with Domain', '__Host-sid', 'x', { ...base, domain: 'acme.example' }],
    ['__Host- with a non-root Path', '__Host-sid', 'x', { ...base, path: '/app' }],
    ['__host- (any case) without Secure', '__host-sid', 'x', { secure: false }],
    ['__Secure- without Secure', '__Secure-sid', 'x', { secure: false }],
    ['non-boolean httpOnly', 'a', 'x', { ...base, httpOnly: 'yes' as unknown as boolean }],
  ];
  for (const [label, name, value, options] of bad) {
    it(`throws TypeError: ${label}`, () => {
      assert.throws(() => serializeCookie(name, value, options), TypeError);
    });
  }
});

describe('clearCookie', () => {
  /** [name, options, expected] */
  const cases: [string, Parameters<typeof clearCookie>[1], string][] = [
    [
      '__Host-sid',
      { secure: true },
      '__Host-sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Secure; HttpOnly; SameSite=Lax',
    ],
    [
      'pref',
      { secure: false, path: '/app', domain: 'acme.example', httpOnly: false, sameSite: 'Strict' },
      'pref=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Domain=acme.example; Path=/app; SameSite=Strict',
    ],
  ];
  for (const [name, options, expected] of cases) {
    it(`clears ${name}`, () => {
      assert.equal(clearCookie(name, options), expected);
    });
  }

  it('validates like serializeCookie', () => {
    assert.throws(() => clearCookie('__Host-sid', { secure: false }), TypeError);
    assert.throws(() => clearCookie('bad name', { secure: true }), TypeError);
  });
});
