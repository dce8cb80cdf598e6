/** canonicalUsername: one spelling per account, whatever the input looks like. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalUsername } from '../../src/users/canonical.ts';

const cases: [string, string | null][] = [
  ['alice', 'alice'],
  ['Alice ', 'alice'],
  ['  alice\t', 'alice'],
  ['ALICE', 'alice'],
  ['ａｌｉｃｅ', 'alice'], // fullwidth
  ['\u212Aate', 'kate'], // KELVIN SIGN folds to K, then k
  ['alice\u0000', null],
  ['ali\u200Bce', null], // zero-width space
  ['аlice', null], // Cyrillic а: a look-alike, not an ASCII letter
  ['alice smith', null],
  ['alice.smith@msp.example', 'alice.smith@msp.example'],
  ['a_b-c.d@e', 'a_b-c.d@e'],
  ['', null],
  ['   ', null],
  ['.alice', null],
  ['-alice', null],
  ['alice/../bob', null],
  ['a'.repeat(128), 'a'.repeat(128)],
  ['a'.repeat(129), null],
  ['İstanbul', null], // lower-cases to i + combining dot
];

const label = (s: string | null) =>
  s === null
    ? 'null'
    : `'${(s.length > 20 ? `${s.slice(0, 12)}...(${s.length})` : s).replace(/[^\x20-\x7e]/gu, (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`)}'`;

for (const [input, expected] of cases) {
  test(`canonicalUsername(${label(input)}) is ${label(expected)}`, () => {
    assert.equal(canonicalUsername(input), expected);
  });
}

test('canonicalUsername is idempotent', () => {
  for (const [input] of cases) {
    const once = canonicalUsername(input);
    if (once !== null) assert.equal(canonicalUsername(once), once);
  }
});
