/** Table tests for src/proxy/strip-headers.ts: identity and method-override header stripping, gateway-cookie removal. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type HeaderBag, makeHeaderStripper, methodOverrides, stripCookies } from '../../src/proxy/strip-headers.ts';

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
    ['x-http-method-override', true],
    ['X-HTTP-Method-Override', true],
    ['X-Http-Method-Override', true],
    ['X_HTTP_METHOD_OVERRIDE', true],
    ['x_http_method_override', true],
    ['X-HTTP_Method-Override', true],
    ['x.http.method.override', true],
    ['x-http-method', true],
    ['X-HTTP-Method', true],
    ['X_HTTP_METHOD', true],
    ['x.Http_Method', true],
    ['x-method-override', true],
    ['X-Method-Override', true],
    ['X_METHOD_OVERRIDE', true],
    ['x-Method_override', true],
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
    ['x-http-method-overrides', false],
    ['x-http-method-override-x', false],
    ['xx-http-method-override', false],
    ['x-http-methods', false],
    ['x-http-override', false],
    ['x-method', false],
    ['x-method-overrid', false],
    ['method-override', false],
    ['x-forwarded-method', false],
    ['x-original-method', false],
    ['x-forwarded-for', false],
    ['x-requested-with', false],
    ['x-h', false],
    ['x', false],
    ['', false],
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

  it('with no identity names still strips the fixed prefixes and the method-override headers', () => {
    const headers: HeaderBag = {
      'remote-user': 'x',
      'x-portcullis-a': 'y',
      'x-auth-user': 'z',
      'X-HTTP-Method-Override': 'DELETE',
      x_method_override: 'PUT',
    };
    makeHeaderStripper([])(headers);
    assert.deepEqual(headers, { 'x-auth-user': 'z' });
  });

  it('identity names shorter than the prefilter (one or two letters) are stripped in every spelling', () => {
    const headers: HeaderBag = { U: 'a', u: 'b', 'a.b': 'c', A_B: 'd', 'a-b-': 'e', ua: 'f', 'a-': 'g' };
    makeHeaderStripper(['u', 'a-b'])(headers);
    assert.deepEqual(headers, { 'a-b-': 'e', ua: 'f', 'a-': 'g' });
  });
});

describe('methodOverrides', () => {
  /** [headers, the values read] */
  const cases: [HeaderBag, string[]][] = [
    [{}, []],
    [{ host: 'a', 'x-forwarded-method': 'POST', 'x-original-method': 'PUT' }, []],
    [{ 'x-http-method-override': 'DELETE' }, ['DELETE']],
    [{ X_HTTP_METHOD_OVERRIDE: 'delete' }, ['delete']],
    [{ 'x.http.method': 'PUT' }, ['PUT']],
    [{ 'X-Method-Override': 'PATCH, PUT' }, ['PATCH, PUT']],
    [{ 'x-http-method': ['PUT', 'DELETE'] }, ['PUT', 'DELETE']],
    [{ 'x-http-method-override': undefined }, []],
    [{ 'x-http-method-override': '' }, ['']],
    [
      { 'x-http-method-override': 'DELETE', x_http_method: 'PUT', 'x-method-override': 'GET' },
      ['DELETE', 'PUT', 'GET'],
    ],
  ];
  for (const [headers, values] of cases) {
    it(`${JSON.stringify(headers)} → ${JSON.stringify(values)}`, () => {
      assert.deepEqual(methodOverrides(headers), values);
    });
  }
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
