/**
 * SecretBox: round trip, context binding, tampering, key rotation, unknown keys, and
 * loadSecretKeys (generated key file, mode 0600, reused; configured keys validated). No error
 * message holds a plaintext or a key.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadSecretKeys, SECRET_KEY_FILE, SecretBox, secretKeyId } from '../../src/crypto/secret-box.ts';
import { PortcullisError } from '../../src/errors.ts';

const root = mkdtempSync(join(tmpdir(), 'pc-secret-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `case-${++n}`, 'data');

const PLAINTEXT = 'JBSWY3DPEHPK3PXP-totp-seed';
const CONTEXT = 'totp:alice:f-123';
const keyA = randomBytes(32);
const keyB = randomBytes(32);

/** Every spelling of a key an error message must not contain. */
const spellings = (key: Buffer) => [key.toString('base64'), key.toString('base64url'), key.toString('hex')];

/** Asserts a PC_ERR_SECRET whose message holds none of `forbidden`. */
function secretError(forbidden: string[], pattern?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof PortcullisError, `a PortcullisError, got ${String(err)}`);
    assert.equal(err.code, 'PC_ERR_SECRET');
    for (const word of forbidden) assert.ok(!err.message.includes(word), `the message does not hold ${word}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}
const noLeak = [PLAINTEXT, CONTEXT, ...spellings(keyA), ...spellings(keyB)];

/** Replaces part `index` of a sealed string by `change(part)`. */
function alter(sealed: string, index: number, change: (bytes: Buffer) => Buffer): string {
  const parts = sealed.split('.');
  parts[index] = change(Buffer.from(parts[index] ?? '', 'base64url')).toString('base64url');
  return parts.join('.');
}
const flipFirstBit = (bytes: Buffer) => {
  const copy = Buffer.from(bytes);
  copy[0] = (copy[0] ?? 0) ^ 1;
  return copy;
};

describe('SecretBox', () => {
  it('seals to v1.<keyId>.<iv>.<ciphertext>.<tag> and opens it again', () => {
    const box = new SecretBox([keyA]);
    const sealed = box.seal(PLAINTEXT, CONTEXT);
    const parts = sealed.split('.');
    assert.equal(parts.length, 5);
    assert.equal(parts[0], 'v1');
    assert.equal(parts[1], secretKeyId(keyA));
    assert.equal(parts[1]?.length, 8);
    assert.equal(Buffer.from(parts[2] ?? '', 'base64url').length, 12, '96-bit IV');
    assert.equal(Buffer.from(parts[4] ?? '', 'base64url').length, 16, '128-bit tag');
    assert.ok(!sealed.includes(PLAINTEXT));
    assert.equal(box.open(sealed, CONTEXT), PLAINTEXT);
    assert.equal(box.keyId, secretKeyId(keyA));
  });

  it('uses a fresh IV every time, and round-trips empty and non-ASCII text', () => {
    const box = new SecretBox([keyA]);
    const one = box.seal(PLAINTEXT, CONTEXT);
    const two = box.seal(PLAINTEXT, CONTEXT);
    assert.notEqual(one, two);
    assert.notEqual(one.split('.')[2], two.split('.')[2]);
    assert.equal(box.open(box.seal('', CONTEXT), CONTEXT), '');
    assert.equal(box.open(box.seal('clé 🔑', 'ctx é'), 'ctx é'), 'clé 🔑');
  });

  it('refuses a wrong context: a secret copied to another row does not open', () => {
    const box = new SecretBox([keyA]);
    const sealed = box.seal(PLAINTEXT, CONTEXT);
    for (const other of ['totp:bob:f-123', 'totp:alice:f-124', 'TOTP:alice:f-123', `${CONTEXT} `]) {
      assert.throws(() => box.open(sealed, other), secretError([...noLeak, other]));
    }
  });

  it('refuses a tampered IV, ciphertext or tag', () => {
    const box = new SecretBox([keyA]);
    const sealed = box.seal(PLAINTEXT, CONTEXT);
    for (const index of [2, 3, 4]) {
      assert.throws(() => box.open(alter(sealed, index, flipFirstBit), CONTEXT), secretError(noLeak), `part ${index}`);
    }
    // truncated, extended or swapped parts
    assert.throws(
      () =>
        box.open(
          alter(sealed, 4, (t) => t.subarray(0, 12)),
          CONTEXT,
        ),
      secretError(noLeak),
    );
    assert.throws(
      () =>
        box.open(
          alter(sealed, 2, (iv) => Buffer.concat([iv, iv])),
          CONTEXT,
        ),
      secretError(noLeak),
    );
    assert.throws(
      () =>
        box.open(
          alter(sealed, 3, (c) => Buffer.concat([c, Buffer.from([0])])),
          CONTEXT,
        ),
      secretError(noLeak),
    );
    assert.throws(
      () =>
        box.open(
          alter(sealed, 3, () => Buffer.alloc(0)),
          CONTEXT,
        ),
      secretError(noLeak),
    );
    const other = box.seal('another secret', CONTEXT).split('.');
    const spliced = sealed.split('.');
    spliced[3] = other[3] ?? '';
    assert.throws(() => box.open(spliced.join('.'), CONTEXT), secretError(noLeak), 'ciphertext from another seal');
  });

  it('refuses malformed strings', () => {
    const box = new SecretBox([keyA]);
    const sealed = box.seal(PLAINTEXT, CONTEXT);
    const [, id, iv, ct, tag] = sealed.split('.');
    const bad = [
      '',
      'not sealed',
      sealed.slice(0, -1),
      `${sealed}.`,
      `v2.${id}.${iv}.${ct}.${tag}`,
      `v1.${id}.${iv}=.${ct}.${tag}`,
      `v1.${id}.${iv}.${ct}.${tag}!`,
      `v1.${id}.${(iv ?? '').replace(/./, '+')}.${ct}.${tag}`,
      sealed.replace(/^v1\./, 'V1.'),
    ];
    for (const text of bad) assert.throws(() => box.open(text, CONTEXT), secretError(noLeak), JSON.stringify(text));
    assert.throws(() => box.open(42 as unknown as string, CONTEXT), secretError(noLeak));
  });

  it('rotates: an old seal opens after a new key is put first; new seals use the new key', () => {
    const old = new SecretBox([keyA]);
    const sealedOld = old.seal(PLAINTEXT, CONTEXT);
    const rotated = new SecretBox([keyB, keyA]);
    assert.equal(rotated.keyId, secretKeyId(keyB));
    assert.deepEqual(rotated.keyIds, [secretKeyId(keyB), secretKeyId(keyA)]);
    assert.equal(rotated.open(sealedOld, CONTEXT), PLAINTEXT);
    const sealedNew = rotated.seal(PLAINTEXT, CONTEXT);
    assert.equal(sealedNew.split('.')[1], secretKeyId(keyB));
    assert.equal(rotated.open(sealedNew, CONTEXT), PLAINTEXT);
    // the old box does not know the new key
    assert.throws(() => old.open(sealedNew, CONTEXT), secretError(noLeak, /unknown key/));
    // and once the old key is retired, old seals no longer open
    assert.throws(
      () => new SecretBox([keyB]).open(sealedOld, CONTEXT),
      secretError(noLeak, new RegExp(`unknown key ${secretKeyId(keyA)}`)),
    );
  });

  it('refuses a key id it does not know, even with a valid-looking string', () => {
    const box = new SecretBox([keyA]);
    const sealed = box.seal(PLAINTEXT, CONTEXT);
    const forged = sealed.replace(secretKeyId(keyA), 'AAAAAAAA');
    assert.throws(() => box.open(forged, CONTEXT), secretError(noLeak, /unknown key/));
    // a key id that is garbage is not echoed
    const garbage = sealed.replace(secretKeyId(keyA), '<script>');
    assert.throws(() => box.open(garbage, CONTEXT), secretError([...noLeak, '<script>']));
  });

  it('refuses to be built without keys or with keys of the wrong size (programming mistakes)', () => {
    assert.throws(() => new SecretBox([]), TypeError);
    assert.throws(() => new SecretBox([randomBytes(16)]), TypeError);
    assert.throws(() => new SecretBox([keyA]).seal(PLAINTEXT, ''), TypeError, 'a context is required');
    assert.throws(() => new SecretBox([keyA]).open('v1', ''), TypeError);
  });

  it('keeps its own copy of the keys', () => {
    const key = Buffer.from(keyA);
    const box = new SecretBox([key]);
    const sealed = box.seal(PLAINTEXT, CONTEXT);
    key.fill(0);
    assert.equal(box.open(sealed, CONTEXT), PLAINTEXT);
  });
});

describe('loadSecretKeys', () => {
  it('generates data/secret.key on first use (32 bytes, base64, mode 0600) and reuses it', async () => {
    const dataDir = freshDir();
    const [first, ...rest] = await loadSecretKeys({ dataDir });
    assert.equal(rest.length, 0);
    assert.ok(first);
    assert.equal(first.length, 32);
    const file = join(dataDir, SECRET_KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').toString('hex'), first.toString('hex'));
    assert.deepEqual(readdirSync(dataDir), [SECRET_KEY_FILE], 'no temporary file is left behind');

    const again = await loadSecretKeys({ dataDir });
    assert.equal(again[0]?.toString('hex'), first.toString('hex'), 'the next start reads the same key');
    const sealed = new SecretBox([first]).seal(PLAINTEXT, CONTEXT);
    assert.equal(new SecretBox(again).open(sealed, CONTEXT), PLAINTEXT);
    const blank = await loadSecretKeys({ dataDir, env: '  ' });
    assert.equal(blank[0]?.toString('hex'), first.toString('hex'), 'a blank setting means none');
  });

  it('concurrent first uses agree on one key', async () => {
    const dataDir = freshDir();
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadSecretKeys({ dataDir })));
    const distinct = new Set(keys.map(([k]) => k?.toString('hex')));
    assert.equal(distinct.size, 1);
    assert.deepEqual(readdirSync(dataDir), [SECRET_KEY_FILE]);
  });

  it('uses configured keys, in order, without touching the data folder', async () => {
    const dataDir = freshDir();
    const keys = await loadSecretKeys({ env: `${keyB.toString('base64')}, ${keyA.toString('base64url')}`, dataDir });
    assert.deepEqual(
      keys.map((k) => k.toString('hex')),
      [keyB.toString('hex'), keyA.toString('hex')],
    );
    assert.throws(() => statSync(dataDir), /ENOENT/, 'no key file is generated');
  });

  it('refuses a configured key that is not base64 of exactly 32 bytes, naming the entry and not the value', async () => {
    const dataDir = freshDir();
    const short = randomBytes(31).toString('base64');
    const long = randomBytes(33).toString('base64');
    const cases: [string, RegExp][] = [
      [short, /the configured secret key is not base64 of exactly 32 bytes/],
      [long, /the configured secret key is not base64/],
      ['not base64 at all!', /the configured secret key is not base64/],
      [`${keyA.toString('base64')},${short}`, /configured secret key 2 of 2 is not base64/],
      [`${keyA.toString('base64')},,${keyB.toString('base64')}`, /configured secret key 2 of 3 is empty/],
    ];
    for (const [env, pattern] of cases) {
      await assert.rejects(
        loadSecretKeys({ env, dataDir }),
        secretError([short, long, 'not base64 at all', ...spellings(keyA), ...spellings(keyB)], pattern),
      );
    }
  });

  it('refuses a key file that is not a key, without printing it', async () => {
    const dataDir = freshDir();
    mkdirSync(dataDir, { recursive: true });
    const content = randomBytes(20).toString('base64');
    writeFileSync(join(dataDir, SECRET_KEY_FILE), `${content}\n`, { mode: 0o600 });
    await assert.rejects(loadSecretKeys({ dataDir }), secretError([content], /secret\.key is not base64/));
    assert.equal(readFileSync(join(dataDir, SECRET_KEY_FILE), 'utf8'), `${content}\n`, 'never overwritten');
  });
});
