/** Argon2id hashing, verification that never throws, and the unknown-user dummy verifier. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  DEFAULT_ARGON2_PARAMS,
  hashPassword,
  isCommonPassword,
  mostCommonParams,
  PasswordVerifier,
  parseArgon2Params,
  passwordProblem,
  verifyPassword,
} from '../../src/users/password.ts';

const LOW = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const OTHER = { memoryCost: 2048, timeCost: 2, parallelism: 1 };

test('hash and verify round trip (argon2id, the given params)', async () => {
  const h = await hashPassword('correct horse battery staple', LOW);
  assert.match(h, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
  assert.deepEqual(parseArgon2Params(h), LOW);
  assert.equal(await verifyPassword(h, 'correct horse battery staple'), true);
  assert.equal(await verifyPassword(h, 'correct horse battery stapler'), false);
  assert.equal(await verifyPassword(h, ''), false);
});

test('two hashes of one password differ (random salt)', async () => {
  assert.notEqual(await hashPassword('same password here', LOW), await hashPassword('same password here', LOW));
});

test('a malformed hash verifies as false and never throws', async () => {
  const good = await hashPassword('a fine password', LOW);
  for (const bad of [
    '',
    'garbage',
    '$argon2id$',
    '$argon2id$v=19$m=1024,t=1,p=1$!!!$???',
    good.slice(0, -5),
    good.replace('argon2id', 'argon2i'),
    '$2b$10$abcdefghijklmnopqrstuv',
    good.replace('m=1024', 'm=1'),
  ]) {
    assert.equal(await verifyPassword(bad, 'a fine password'), false, bad);
  }
});

test('parseArgon2Params reads m, t, p and rejects other strings', () => {
  assert.deepEqual(parseArgon2Params('$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g'), {
    memoryCost: 65536,
    timeCost: 3,
    parallelism: 4,
  });
  assert.equal(parseArgon2Params('$argon2i$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA'), null);
  assert.equal(parseArgon2Params('$argon2id$v=19$m=65536,t=0,p=4$c2FsdA$aGFzaA'), null);
});

test('mostCommonParams: the majority wins, defaults when nothing parses', async () => {
  const low = await hashPassword('password one!', LOW);
  const other = await hashPassword('password two!', OTHER);
  assert.deepEqual(mostCommonParams([other, low, low, 'junk']), LOW);
  assert.deepEqual(mostCommonParams([other, low]), OTHER); // tie: first seen
  assert.deepEqual(mostCommonParams([]), DEFAULT_ARGON2_PARAMS);
  assert.deepEqual(mostCommonParams(['junk']), DEFAULT_ARGON2_PARAMS);
});

test('PasswordVerifier: the dummy uses the sample params; unknown users are false', async () => {
  const samples = [await hashPassword('first password', OTHER), await hashPassword('second password', LOW)];
  samples.push(await hashPassword('third password', LOW));
  const verifier = await PasswordVerifier.create(samples);
  assert.deepEqual(verifier.dummyParams, LOW);
  const dummy = (verifier as unknown as { dummyHash: string }).dummyHash;
  assert.deepEqual(parseArgon2Params(dummy), LOW);
  assert.equal(await verifier.verify(undefined, 'second password'), false);
  assert.equal(await verifier.verify(undefined, ''), false);
  assert.equal(await verifier.verify('not a hash', 'second password'), false);
  assert.equal(await verifier.verify(samples[1], 'second password'), true);
  assert.equal(await verifier.verify(samples[1], 'wrong password'), false);
});

test('PasswordVerifier with no samples uses the default params', async () => {
  const verifier = await PasswordVerifier.create([]);
  assert.deepEqual(verifier.dummyParams, DEFAULT_ARGON2_PARAMS);
});

test('passwordProblem: length bounds and a single repeated character', () => {
  assert.equal(passwordProblem('correct horse'), null);
  assert.equal(passwordProblem('x'.repeat(1024).replace(/x$/, 'y')), null);
  assert.match(passwordProblem('short') ?? '', /at least 12/);
  assert.match(passwordProblem('') ?? '', /at least 12/);
  assert.match(passwordProblem('aaaaaaaaaaaaaaaa') ?? '', /single character/);
  assert.match(passwordProblem('ab'.repeat(513)) ?? '', /at most 1024/);
  assert.equal(passwordProblem('😀'.repeat(11) + 'x'), null); // code points, not UTF-16 units
  assert.match(passwordProblem('😀'.repeat(6)) ?? '', /at least 12/);
  const secret = 'hunter2hunter2'.slice(0, 7);
  assert.ok(!(passwordProblem(secret) ?? '').includes(secret));
});

test('passwordProblem: the NIST SP 800-63B rules, as a table (password, user, what is said)', () => {
  const table: [string, string | undefined, RegExp | null][] = [
    ['correct horse battery staple', 'erin', null],
    ['qwerty123456', undefined, /most common/], // in the bundled list
    ['QWERTY123456', undefined, /most common/], // whatever the case
    ['1qaz2wsx3edc', 'erin', /most common/],
    ['Password2024!', undefined, /most common/], // a common word with digits and symbols added
    ['!!sunshine!!1234', undefined, /most common/],
    ['iloveyou and you', undefined, null], // a common password inside a longer one is fine
    ['my name is erin ok', 'erin', /user name/],
    ['MY NAME IS ERIN OK', 'Erin', /user name/],
    ['al is my best friend', 'al', null], // names under 3 characters are not looked for
    ['short', 'erin', /at least 12/], // length first
    [`${'ab'.repeat(513)}`, undefined, /at most 1024/],
    ['Tr0ub4dour&3 horse', undefined, null], // no composition rule either way
    ['abcdefghijklmnop', undefined, null],
  ];
  for (const [password, user, expected] of table) {
    const problem = passwordProblem(password, user);
    if (expected === null) assert.equal(problem, null, password);
    else assert.match(problem ?? '', expected, password);
    assert.ok(!(problem ?? '').toLowerCase().includes(password.toLowerCase()), 'never echoes the password');
  }
});

test('the bundled list holds the 10,000 most common passwords, lower-case', () => {
  const list = readFileSync(new URL('../../src/data/common-passwords.txt', import.meta.url), 'utf8').split('\n');
  assert.equal(list.at(-1), '');
  const entries = list.slice(0, -1);
  assert.equal(entries.length, 10_000);
  assert.equal(new Set(entries).size, 10_000);
  assert.deepEqual(entries.slice(0, 3), ['123456', 'password', '12345678']);
  assert.ok(entries.every((p) => p === p.toLowerCase() && p.trim() === p && p !== ''));
  assert.equal(isCommonPassword('123456'), true);
  assert.equal(isCommonPassword('correct horse battery staple'), false);
});
