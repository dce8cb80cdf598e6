/** Table tests for src/proxy/strip-headers.ts: identity-header stripping and gateway-cookie removal. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type HeaderBag, makeHeaderStripper, stripCookies } from '../../src/proxy/strip-headers.ts';

describe('makeHeaderStripper', () => {
  const strip = makeHeaderStripper(['X-Auth-User', 'x_auth_groups', 'Authorization-Email']);

  /** [header name, stripped?] */
  const names: [string, boolean][] = [
    ['x-auth-user', true],
    ['X-Auth-User', true],
    ['X_AUTH_USER', true],
    ['x.auth.user', true],
    ['x-auth_user', true],
    ['x-auth-groups', true],
    ['X.Auth.Groups', true],
    ['authorization_email', true],
    ['REMOTE_USER', true],
    ['remote.user', true],
    ['Remote-Groups', true],
    ['remote-anything-at-all', true],
    ['X_Portcullis_Assertion', true],
    ['x-portcullis-user', true],
    ['X.PORTCULLIS.ANYTHING', true],
    ['x-auth-user-extra', false],
    ['x-auth-use', false],
    ['xx-auth-user', false],
    ['remote', false],
    ['remoteuser', false],
    ['x-remote-user', false],
    ['x-portcullis', false],
    ['authorization', false],
    ['cookie', false],
    ['host', false],
    ['user-agent', false],
  ];

  for (const [name, stripped] of names) {
    it(`${stripped ? 'strips' : 'keeps'} ${name}`, () => {
      const headers: HeaderBag = { [name]: 'value', host: 'app.example' };
      strip(headers);
      assert.equal(name in headers, !stripped);
      assert.equal(headers['host'], 'app.example');
    });
  }

  it('strips array-valued and undefined-valued headers in place, keeping the rest', () => {
    const headers: HeaderBag = {
      'remote-user': ['a', 'b'],
      'x-auth-user': undefined,
      accept: 'text/html',
      'x-forwarded-for': '1.2.3.4',
    };
    strip(headers);
    assert.deepEqual(headers, { accept: 'text/html', 'x-forwarded-for': '1.2.3.4' });
  });

  it('with no identity names still strips the fixed prefixes', () => {
    const headers: HeaderBag = { 'remote-user': 'x', 'x-portcullis-a': 'y', 'x-auth-user': 'z' };
    makeHeaderStripper([])(headers);
    assert.deepEqual(headers, { 'x-auth-user': 'z' });
  });
});

describe('stripCookies', () => {
  const ours = new Set(['__Host-portcullis', 'pc_csrf']);

  /** [Cookie header, expected] */
  const cases: [string | undefined, string | undefined][] = [
    [undefined, undefined],
    ['', undefined],
    ['   ', undefined],
    [';', undefined],
    ['a=1', 'a=1'],
    ['a=1; b=2', 'a=1; b=2'],
    ['__Host-portcullis=abc', undefined],
    ['__Host-portcullis=abc; pc_csrf=t', undefined],
    ['__Host-portcullis=abc; a=1', 'a=1'],
    ['a=1; __Host-portcullis=abc', 'a=1'],
    ['a=1; __Host-portcullis=abc; b=2', 'a=1; b=2'],
    ['a=1;__Host-portcullis=abc;b=2', 'a=1;b=2'],
    ['a=1;   __Host-portcullis=abc;\tb=2', 'a=1;\tb=2'],
    ['  __Host-portcullis = abc ;  a = 1 ', 'a = 1 '],
    ['a=1; __Host-portcullis=one; b=2; __Host-portcullis=two', 'a=1; b=2'],
    ['__Host-portcullis=one; __Host-portcullis=two', undefined],
    ['a="x;y"; pc_csrf=t', 'a="x;y"'],
    ['a=1; __host-portcullis=abc', 'a=1; __host-portcullis=abc'],
    ['a=1; __HOST-PORTCULLIS=abc', 'a=1; __HOST-PORTCULLIS=abc'],
    ['a=1; __Secure-portcullis=abc', 'a=1; __Secure-portcullis=abc'],
    ['a=1; portcullis=abc', 'a=1; portcullis=abc'],
    ['a=1; __Host-portcullisX=abc', 'a=1; __Host-portcullisX=abc'],
    ['a=__Host-portcullis=abc', 'a=__Host-portcullis=abc'],
    ['a=1; pc_csrf', 'a=1'],
    ['a=1; pc_csrf=', 'a=1'],
    ['a=1; =pc_csrf', 'a=1; =pc_csrf'],
    ['a=1;; b=2', 'a=1;; b=2'],
    ['a=1; pc_csrf=x;', 'a=1;'],
    ['pc_csrf=x; ;', undefined],
    ['a=1, __Host-portcullis=abc', 'a=1, __Host-portcullis=abc'],
  ];

  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(stripCookies(header, ours), expected);
    });
  }

  it('returns the header unchanged (same string) when nothing is ours', () => {
    const header = ' a=1 ;b=2  ';
    assert.equal(stripCookies(header, ours), header);
  });

  it('an empty name set removes nothing', () => {
    assert.equal(stripCookies('pc_csrf=1', new Set()), 'pc_csrf=1');
  });
});
