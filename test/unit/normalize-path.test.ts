/** Table tests for src/gate/normalize-path.ts: accepted spellings, path parameters, refused ambiguities, idempotence. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_PATH_LENGTH, normalizePath } from '../../src/gate/normalize-path.ts';

/** [raw request-target, expected path (judged and forwarded alike), expected query] */
const accepted: [string, string, string][] = [
  ['/', '/', ''],
  ['/a', '/a', ''],
  ['/a/', '/a/', ''],
  ['/a/../b', '/b', ''],
  ['/a/%2e%2E/b', '/b', ''],
  ['/a/%2E/b', '/a/b', ''],
  ['/a/.%2e/b', '/b', ''],
  ['//a///b', '/a/b', ''],
  ['/a//../b', '/b', ''],
  ['/a/./b/', '/a/b/', ''],
  ['/a/.', '/a/', ''],
  ['/a/..', '/', ''],
  ['/a/b/..', '/a/', ''],
  ['/.', '/', ''],
  ['/./', '/', ''],
  ['//', '/', ''],
  ['/a/b/../../c', '/c', ''],
  ['/%41', '/A', ''],
  ['/%7e', '/~', ''],
  ['/%7euser/%5F%2D', '/~user/_-', ''],
  ['/%61%62c', '/abc', ''],
  ['/a%20b', '/a%20b', ''],
  ['/%E2%82%AC', '/%E2%82%AC', ''],
  ['/%e2%82%ac', '/%E2%82%AC', ''],
  ['/%C3%A9', '/%C3%A9', ''],
  ['/\u00c3\u00a9', '/%C3%A9', ''], // 'é' as raw UTF-8 bytes, as a latin1 string
  ['/\u00e2\u0082\u00ac/x', '/%E2%82%AC/x', ''],
  ['/a b', '/a%20b', ''],
  ['/a|b^c`d{e}f"g<h>i[j]', '/a%7Cb%5Ec%60d%7Be%7Df%22g%3Ch%3Ei%5Bj%5D', ''],
  ["/!$&'()*+,=:@", "/!$&'()*+,=:@", ''],
  ['/...', '/...', ''],
  ['/.../a', '/.../a', ''],
  ['/..a/.b', '/..a/.b', ''],
  ['/a%25', '/a%25', ''],
  ['/a%25zz', '/a%25zz', ''],
  ['/a?b=%2f', '/a', '?b=%2f'],
  ['/a?', '/a', '?'],
  ['/a/../b?x=../..&y=%5C\\', '/b', '?x=../..&y=%5C\\'],
  ['/a?x=1?y=2', '/a', '?x=1?y=2'],
  ['/a?q=%0A%0d', '/a', '?q=%0A%0d'],
  ['/a?#frag', '/a', '?#frag'],
  ['/a?\u00e9', '/a', '?\u00e9'],
];

/**
 * Path parameters, read as Tomcat, Jetty and Spring read them: [raw request-target, judged path, forwarded path].
 * The judged path has the segment names only; the forwarded one keeps the parameters of the segments that stay.
 */
const parameters: [string, string, string][] = [
  ['/admin;x=1', '/admin', '/admin;x=1'],
  ['/admin;', '/admin', '/admin;'],
  ['/ADMIN;x', '/ADMIN', '/ADMIN;x'],
  ['/a;jsessionid=abc', '/a', '/a;jsessionid=abc'],
  ['/a;x=1/b;y', '/a/b', '/a;x=1/b;y'],
  ['/a;b/c', '/a/c', '/a;b/c'],
  ['/a;x;y=2/', '/a/', '/a;x;y=2/'],
  ['/a;x=/b', '/a/b', '/a;x=/b'],
  ["/!$&'()*+,;=:@", "/!$&'()*+,", "/!$&'()*+,;=:@"],
  ['/public/..;/admin', '/admin', '/admin'],
  ['/public/..;x=1/admin', '/admin', '/admin'],
  ['/public/%2e%2e;/admin', '/admin', '/admin'],
  ['/public/.;/x', '/public/x', '/public/x'],
  ['/public/.;x/x', '/public/x', '/public/x'],
  ['/public;p/../admin', '/admin', '/admin'],
  ['/a/b;p/..;q', '/a/', '/a/'],
  ['/a/.;', '/a/', '/a/'],
  ['/;x/admin', '/admin', '/admin'],
  ['/a/;x/b', '/a/b', '/a/b'],
  ['/a/;x', '/a/', '/a/'],
  ['/;', '/', '/'],
  ['/...;x', '/...', '/...;x'],
  ['/a;x/%41;%7e', '/a/A', '/a;x/A;~'],
  ['/a;x y', '/a', '/a;x%20y'],
  ['/a;..', '/a', '/a;..'],
  ['/a;x?y;z', '/a', '/a;x'],
];

/** [raw request-target, label] */
const refused: [string, string][] = [
  ['', 'empty'],
  ['a/b', 'relative'],
  ['*', 'asterisk-form'],
  ['http://evil.example/', 'absolute-form'],
  ['?x', 'query only'],
  ['/a%2fb', 'encoded slash'],
  ['/a%2Fb', 'encoded slash upper'],
  ['/a%5cb', 'encoded backslash'],
  ['/a%5Cb', 'encoded backslash upper'],
  ['/a\\b', 'literal backslash'],
  ['/..\\..\\etc', 'backslash traversal'],
  ['/%00', 'encoded NUL'],
  ['/a\u0000b', 'literal NUL'],
  ['/a%0ab', 'encoded LF'],
  ['/a%0D%0ASet-Cookie:x', 'encoded CRLF'],
  ['/a\r\nb', 'literal CRLF'],
  ['/a\tb', 'literal tab'],
  ['/a%09b', 'encoded tab'],
  ['/a%7fb', 'encoded DEL'],
  ['/a\u007fb', 'literal DEL'],
  ['/a%1F', 'encoded US'],
  ['/%c0%ae', 'overlong dot'],
  ['/%c0%ae%c0%ae/etc', 'overlong dot-dot'],
  ['/%c0%af', 'overlong slash'],
  ['/%ff', 'invalid UTF-8 byte'],
  ['/%C3', 'truncated UTF-8 sequence'],
  ['/%C3/%A9', 'UTF-8 sequence split by slash'],
  ['/%ED%A0%80', 'encoded surrogate'],
  ['/\u00ff', 'literal invalid byte'],
  ['/\u00c3', 'literal truncated sequence'],
  ['/\u20ac', 'character above 0xFF'],
  ['/%', 'trailing percent'],
  ['/a%4', 'truncated escape'],
  ['/%g1', 'non-hex escape'],
  ['/%1g', 'non-hex second digit'],
  ['/%u002e%u002e/', 'IIS %u escape'],
  ['/% 41', 'space in escape'],
  ['/..', 'dot-dot at root'],
  ['/../etc/passwd', 'climb above root'],
  ['/a/../../b', 'climb above root later'],
  ['/%2e%2e/x', 'encoded climb above root'],
  ['//..', 'collapsed slash then climb'],
  ['/..;/admin', 'dot-dot parameter at the root'],
  ['/a/..;/..;x/b', 'dot-dot parameters climbing above the root'],
  ['/a/..%3b/admin', 'encoded semicolon after dot-dot'],
  ['/admin%3bx', 'encoded semicolon, lower-case'],
  ['/admin%3Bx', 'encoded semicolon, upper-case'],
  ['/a%23b', 'encoded hash'],
  ['/a/%23', 'encoded hash at the end'],
  ['/%23/admin', 'encoded hash first'],
  ['/a;x%23y/b', 'encoded hash in a parameter'],
  ['/a%3fb', 'encoded question mark, lower-case'],
  ['/a%3Fb', 'encoded question mark, upper-case'],
  ['/admin%3F/x', 'encoded question mark after a segment'],
  ['/a;x%3Fy', 'encoded question mark in a parameter'],
  ['/a%253F', 'double-encoded question mark'],
  ['/a#frag', 'literal hash in path'],
  ['/a%2541', 'double encoding'],
  ['/a%25%34%31', 'double encoding via unreserved escapes'],
  ['/a%252f', 'double-encoded slash'],
  ['/a?x=%00', 'encoded NUL in query'],
  ['/a?x=\u0000', 'literal NUL in query'],
  ['/a?x=\r\nHost: evil', 'CRLF in query'],
  ['/a?\u20ac', 'character above 0xFF in query'],
  [`/${'a'.repeat(MAX_PATH_LENGTH)}`, 'path too long'],
  [`/${'\u00c3\u00a9'.repeat(MAX_PATH_LENGTH / 4)}`, 'path too long once encoded'],
];

describe('normalizePath', () => {
  it('has a big enough table', () => {
    assert.ok(accepted.length + refused.length >= 40);
  });

  for (const [raw, path, query] of accepted) {
    it(`accepts ${JSON.stringify(raw)}`, () => {
      assert.deepEqual(normalizePath(raw), { ok: true, path, forward: path, query });
    });
  }

  for (const [raw, path, forward] of parameters) {
    it(`judges ${JSON.stringify(raw)} as ${path}, forwards ${forward}`, () => {
      const query = raw.includes('?') ? raw.slice(raw.indexOf('?')) : '';
      assert.deepEqual(normalizePath(raw), { ok: true, path, forward, query });
    });
  }

  for (const [raw, label] of refused) {
    it(`refuses ${label}`, () => {
      const result = normalizePath(raw);
      assert.equal(result.ok, false, JSON.stringify(result));
      if (!result.ok) assert.ok(result.reason.length > 0);
    });
  }

  it('is idempotent on both paths and emits pure ASCII', () => {
    for (const [raw] of [...accepted, ...parameters]) {
      const once = normalizePath(raw);
      assert.ok(once.ok);
      if (!once.ok) continue;
      assert.match(once.forward, /^[\x21-\x7e]+$/);
      assert.deepEqual(normalizePath(once.forward + once.query), once, raw);
      const judged = normalizePath(once.path);
      assert.ok(judged.ok && judged.path === once.path && judged.forward === once.path, raw);
    }
  });

  it('accepts a path of exactly the maximum length', () => {
    const raw = `/${'a'.repeat(MAX_PATH_LENGTH - 1)}`;
    assert.deepEqual(normalizePath(raw), { ok: true, path: raw, forward: raw, query: '' });
  });

  it('does not count the query against the path limit', () => {
    const query = `?${'q'.repeat(MAX_PATH_LENGTH * 2)}`;
    assert.deepEqual(normalizePath(`/a${query}`), { ok: true, path: '/a', forward: '/a', query });
  });
});
