import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_LENGTH,
} from '../../src/authn/factors/recovery/recovery-codes.ts';
import { type Random, systemRandom } from '../../src/random.ts';

/** A Random that hands out the given bytes, then repeats them. */
const scripted = (bytes: number[]): Random => {
  let at = 0;
  return {
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => bytes[at++ % bytes.length] as number)),
  };
};

describe('generateRecoveryCodes', () => {
  it('makes 10 distinct xxxx-xxxx-xxxx codes from the unambiguous alphabet by default', () => {
    const codes = generateRecoveryCodes(systemRandom);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) {
      assert.match(code, /^[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}$/);
      assert.doesNotMatch(code, /[01oli]/);
    }
    assert.equal(generateRecoveryCodes(systemRandom, 3).length, 3);
    assert.deepEqual(generateRecoveryCodes(systemRandom, 0), []);
  });

  it('has an alphabet without look-alikes, and about 60 bits per code', () => {
    assert.equal(RECOVERY_CODE_ALPHABET.length, 31);
    assert.equal(new Set(RECOVERY_CODE_ALPHABET).size, 31);
    for (const c of '01oli') assert.ok(!RECOVERY_CODE_ALPHABET.includes(c), c);
    const bits = RECOVERY_CODE_LENGTH * Math.log2(RECOVERY_CODE_ALPHABET.length);
    assert.ok(bits > 59 && bits < 61, `${bits} bits`);
  });

  it('rejects bytes that would bias the choice (256 is not a multiple of 31)', () => {
    // 248 and above are skipped; 0 → '2', 30 → 'z', 31 → '2' again, 247 → 'z', 1 → '3'.
    const codes = generateRecoveryCodes(scripted([255, 0, 248, 30, 31, 247, 250, 1]), 1);
    assert.deepEqual(codes, ['2z2z-32z2-z32z']);
  });

  it('uses every character of the alphabet with roughly equal frequency', () => {
    const counts = new Map<string, number>();
    for (const code of generateRecoveryCodes(systemRandom, 2000)) {
      for (const c of code.replaceAll('-', '')) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    assert.equal(counts.size, 31);
    const expected = (2000 * 12) / 31; // ≈ 774
    for (const [c, count] of counts) assert.ok(Math.abs(count - expected) < expected * 0.25, `${c}: ${count}`);
  });

  it('fails loudly rather than loop forever on a broken random source', () => {
    assert.throws(() => generateRecoveryCodes(scripted([0]), 2), /repeating/);
    assert.throws(() => generateRecoveryCodes(systemRandom, -1), TypeError);
  });
});

describe('normalizeRecoveryCode', () => {
  it('case-folds and drops dashes and spaces', () => {
    assert.equal(normalizeRecoveryCode('abcd-efgh-jkmn'), 'abcdefghjkmn');
    assert.equal(normalizeRecoveryCode('ABCD-EFGH-JKMN'), 'abcdefghjkmn');
    assert.equal(normalizeRecoveryCode('  abcd efgh\tjkmn\n'), 'abcdefghjkmn');
    assert.equal(normalizeRecoveryCode('abcdefghjkmn'), 'abcdefghjkmn');
    assert.equal(normalizeRecoveryCode('abcd\u2013efgh\u2014jkmn'), 'abcdefghjkmn', 'pasted typographic dashes');
  });

  it('returns null for the wrong length, a character outside the alphabet, or a non-string', () => {
    for (const bad of [
      '',
      'abcd-efgh-jkm',
      'abcd-efgh-jkmnp',
      'abcd-efgh-jkm0',
      'abcd-efgh-jkmo',
      'abcd-efgh-jkm1',
      'abcd-efgh-jkml',
      'abcd-efgh-jkmi',
      'abcd_efgh_jkmn',
      'abcd.efgh.jkmn',
      'abcd-efgh-jkmé',
      'ａbcd-efgh-jkmn', // full-width a
      `abcd-efgh-jkmn${'-'.repeat(100)}`,
    ]) {
      assert.equal(normalizeRecoveryCode(bad), null, JSON.stringify(bad));
    }
    for (const bad of [undefined, null, 42, ['abcd-efgh-jkmn'], { code: 'abcd-efgh-jkmn' }]) {
      assert.equal(normalizeRecoveryCode(bad), null);
    }
  });

  it('accepts every generated code', () => {
    for (const code of generateRecoveryCodes(systemRandom, 50)) {
      assert.equal(normalizeRecoveryCode(code), code.replaceAll('-', ''));
      assert.equal(normalizeRecoveryCode(code.toUpperCase().replaceAll('-', ' ')), code.replaceAll('-', ''));
    }
  });
});

describe('hashRecoveryCode', () => {
  it('is hex SHA-256 of the normalised code, the same for every way of typing it', () => {
    const expected = createHash('sha256').update('abcdefghjkmn').digest('hex');
    assert.equal(hashRecoveryCode('abcd-efgh-jkmn'), expected);
    assert.equal(hashRecoveryCode('ABCD EFGH JKMN'), expected);
    assert.match(expected, /^[0-9a-f]{64}$/);
    assert.notEqual(hashRecoveryCode('abcd-efgh-jkmp'), expected);
  });

  it('is HMAC-SHA-256 keyed by the pepper when one is given', () => {
    const pepper = randomBytes(32);
    const hashed = hashRecoveryCode('abcd-efgh-jkmn', pepper);
    assert.equal(hashed, createHmac('sha256', pepper).update('abcdefghjkmn').digest('hex'));
    assert.notEqual(hashed, hashRecoveryCode('abcd-efgh-jkmn'));
    assert.notEqual(hashed, hashRecoveryCode('abcd-efgh-jkmn', randomBytes(32)));
    assert.equal(hashRecoveryCode('ABCDEFGHJKMN', pepper), hashed);
  });

  it('refuses what is not a code (normalise user input first)', () => {
    assert.throws(() => hashRecoveryCode('nope'), TypeError);
    assert.throws(() => hashRecoveryCode('abcd-efgh-jkmn', Buffer.alloc(0)), TypeError);
  });
});
