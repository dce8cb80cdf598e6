/** Table tests of the path globs (src/policy/glob.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compilePathGlob, compilePathShape, compilePathTest, pathGlobProblem } from '../../src/policy/glob.ts';

/** glob -> paths it matches, paths it does not (case-sensitive). */
const TABLE: [glob: string, yes: string[], no: string[]][] = [
  ['/', ['/'], ['', '/a', '//']],
  ['/health', ['/health'], ['/health/', '/healthz', '/Health', '/x/health', '/health/x']],
  ['/a/*', ['/a/b', '/a/b.c', '/a/'], ['/a', '/a/b/', '/a/b/c', '/ab']],
  ['/a/*/c', ['/a/b/c', '/a/b-b/c'], ['/a/c', '/a/b/b/c', '/a/b/c/d']],
  ['/files/*.pdf', ['/files/x.pdf', '/files/.pdf'], ['/files/x.pdf/y', '/files/a/x.pdf', '/files/xpdf']],
  ['/a*', ['/a', '/abc'], ['/a/b', '/b']],
  ['/admin/**', ['/admin', '/admin/', '/admin/x', '/admin/x/y/z'], ['/administrator', '/adminx/y', '/x/admin', '/']],
  ['/**', ['/', '/a', '/a/b/c'], []],
  ['/a/**/b', ['/a/b', '/a/x/b', '/a/x/y/b'], ['/a/xb', '/ab', '/a/b/c', '/a/x/b/']],
  ['/**/b', ['/b', '/x/b', '/x/y/b'], ['/xb', '/b/c']],
  ['/a/**/*.js', ['/a/x.js', '/a/b/c/x.js'], ['/a/x.css', '/ax.js']],
  ['/a/**/', ['/a/', '/a/x/', '/a/x/y/'], ['/a', '/a/x']],
  // regular-expression characters are literal
  ['/v1.0/(x)+[y]$', ['/v1.0/(x)+[y]$'], ['/v1x0/(x)+[y]$', '/v1.0/xx[y]']],
  ['/a?b', ['/a?b'], ['/ab', '/axb']],
  ['/%7Euser/*', ['/%7Euser/x'], ['/~user/x']],
];

describe('compilePathGlob', () => {
  for (const [glob, yes, no] of TABLE) {
    test(glob, () => {
      const re = compilePathGlob(glob, false);
      for (const path of yes) assert.ok(re.test(path), `${glob} should match ${path}`);
      for (const path of no) assert.ok(!re.test(path), `${glob} should not match ${path}`);
    });
  }

  test('case-insensitive apps', () => {
    assert.ok(compilePathGlob('/Admin/**', true).test('/ADMIN/Users'));
    assert.ok(compilePathGlob('/admin/*', true).test('/Admin/X'));
    assert.ok(!compilePathGlob('/Admin/**', false).test('/admin/users'));
  });

  test('one anchored RegExp', () => {
    const re = compilePathGlob('/a/*', false);
    assert.ok(re instanceof RegExp);
    assert.ok(re.source.startsWith('^') && re.source.endsWith('$'));
  });
});

describe('compilePathTest: the RegExp answers, mostly without running it', () => {
  const globs = [
    ...TABLE.map(([glob]) => glob),
    '/Admin/**',
    '/API/*/Status',
    '/a/B',
    '/café/**',
    '/k',
    '/s/**',
    '/x**',
    '/a/**b',
    '/a*a',
  ];
  const paths = [
    ...new Set(TABLE.flatMap(([, yes, no]) => [...yes, ...no])),
    '/ADMIN',
    '/Admin/',
    '/admin/X/y',
    '/administrator',
    '/api/v1/status',
    '/API/V1/STATUS',
    '/api/v1/status/',
    '/A/b',
    '/a/B',
    '/CAFÉ/x',
    '/café',
    '/\u212a',
    '/K',
    '/\u017f/x',
    '/S/x',
    '/admin/x\ny',
    '/admin\n',
    '/a/x\r',
    '/a/\u2028',
    '/x\u2029',
    '/a/xb',
    '/a/b',
    '/aa',
    '/a',
  ];
  for (const caseInsensitive of [false, true]) {
    test(caseInsensitive ? 'case-insensitive' : 'case-sensitive', () => {
      for (const glob of globs) {
        const re = compilePathGlob(glob, caseInsensitive);
        const fast = compilePathTest(glob, caseInsensitive);
        for (const path of paths)
          assert.equal(fast(path), re.test(path), `${glob} on ${JSON.stringify(path)} (i: ${caseInsensitive})`);
      }
    });
  }

  test('common globs need no RegExp at request time', () => {
    assert.equal(compilePathShape('/health', false).kind, 'exact');
    assert.equal(compilePathShape('/Health', true).kind, 'exact');
    assert.equal(compilePathShape('/admin/**', false).kind, 'below');
    assert.equal(compilePathShape('/**', true).kind, 'below');
    assert.equal(compilePathShape('/api/*/status', false).kind, 'regexp');
    // non-ASCII letters fold as only the RegExp knows
    assert.equal(compilePathShape('/café', true).kind, 'regexp');
    assert.equal(compilePathShape('/café', false).kind, 'exact');
  });
});

describe('pathGlobProblem', () => {
  const ok = ['/', '/a', '/a/*', '/a/**', '/a/**/b', '/**', '/a*b/c', '/*.js'];
  const bad: [string, RegExp][] = [
    ['admin/**', /must start with "\/"/],
    ['', /must start with "\/"/],
    ['*', /must start with "\/"/],
    ['/a**', /whole path segment/],
    ['/**a/b', /whole path segment/],
    ['/a/b**/c', /whole path segment/],
    ['/a/***', /not "\*\*\*"/],
    ['/admin;*', /cannot hold ";"/],
    ['/a;jsessionid=*/b', /cannot hold ";"/],
    ['/a%3Bb', /encoded/],
    ['/a%3fb', /encoded/],
    ['/a%23', /encoded/],
    ['/a%2F**', /encoded/],
  ];
  for (const glob of ok) test(`${glob} is fine`, () => assert.equal(pathGlobProblem(glob), null));
  for (const [glob, why] of bad)
    test(`${JSON.stringify(glob)} is refused`, () => assert.match(pathGlobProblem(glob) ?? '', why));
});
