/**
 * SecretBox: AES-256-GCM encryption of small secrets at rest (TOTP seeds and the like) in the
 * durable store.
 *
 * A sealed secret is a self-describing string `v1.<keyId>.<iv>.<ciphertext>.<tag>` (the last
 * three base64url): a random 96-bit IV per seal, a 128-bit tag, and the caller's `context` as
 * additional authenticated data. The context binds a secret to its row (e.g.
 * `totp:alice:<factor id>`): a ciphertext copied to another user's row does not open.
 *
 * Keys rotate: the box is built from a list of 32-byte keys, the first one seals, every one
 * opens (picked by the key id written in the sealed string, the first 8 characters of
 * base64url(SHA-256(key)), which identifies a key without revealing it). To rotate, put a new
 * key first and keep the old ones after it until every secret has been sealed again.
 *
 * Random IVs are safe for far more seals than a gateway makes under one key (the usual bound
 * is 2^32 seals per key).
 *
 * open() refuses (PortcullisError 'PC_ERR_SECRET') an unknown key id, a malformed string, a
 * tampered IV, ciphertext or tag, and a wrong context. No error message holds the plaintext,
 * the context or a key.
 *
 * loadSecretKeys() finds the keys: the configured ones (comma-separated base64, from the
 * configuration or the environment) or else `secret.key` in the data folder, generated on first
 * use (32 random bytes, base64, mode 0600, written atomically and never overwritten). When keys
 * are configured the file is not read: an installation moving from the generated file to a
 * configured key must list the file's key after the new one (`NEW,OLD`) to keep opening what
 * the old key sealed.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PortcullisError } from '../errors.ts';
import { type Random, systemRandom } from '../random.ts';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The name of the generated key file in the data folder. */
export const SECRET_KEY_FILE = 'secret.key';

/** A key's id: the first 8 characters of base64url(SHA-256(key)). */
export function secretKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

const refuse = (message: string) => new PortcullisError('PC_ERR_SECRET', message);

/** base64url without padding, exactly as Buffer encodes it (no alternative spellings). */
function decodeB64url(text: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

function checkContext(context: unknown): asserts context is string {
  if (typeof context !== 'string' || context === '')
    throw new TypeError('SecretBox: context must be a non-empty string');
}

export class SecretBox {
  readonly #keys = new Map<string, Buffer>();
  readonly #sealId: string;
  readonly #random: Random;

  /** `keys`: 32 bytes each; the first seals, all open. */
  constructor(keys: readonly Buffer[], options: { random?: Random } = {}) {
    if (keys.length === 0) throw new TypeError('SecretBox needs at least one key');
    for (const key of keys) {
      if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
        throw new TypeError(`SecretBox keys must be ${KEY_BYTES}-byte Buffers`);
      }
      const id = secretKeyId(key);
      const known = this.#keys.get(id);
      if (known && !known.equals(key)) throw new TypeError(`SecretBox: two different keys share the id ${id}`);
      // A private copy: the caller zeroing or reusing its buffer does not change the box.
      if (!known) this.#keys.set(id, Buffer.from(key));
    }
    this.#sealId = secretKeyId(keys[0] as Buffer);
    this.#random = options.random ?? systemRandom;
  }

  /** The id of the key that seals. */
  get keyId(): string {
    return this.#sealId;
  }

  /** The ids of every key that opens, the sealing one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Encrypts `plaintext` bound to `context`: `v1.<keyId>.<iv>.<ciphertext>.<tag>`. */
  seal(plaintext: string, context: string): string {
    if (typeof plaintext !== 'string') throw new TypeError('SecretBox.seal: plaintext must be a string');
    checkContext(context);
    const key = this.#keys.get(this.#sealId) as Buffer;
    const iv = this.#random.bytes(IV_BYTES);
    if (iv.length !== IV_BYTES) throw new TypeError(`SecretBox: random source gave ${iv.length} bytes for the IV`);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      this.#sealId,
      iv.toString('base64url'),
      ciphertext.toString('base64url'),
      tag.toString('base64url'),
    ].join('.');
  }

  /** Decrypts what seal() made with the same context; PortcullisError 'PC_ERR_SECRET' otherwise. */
  open(sealed: string, context: string): string {
    checkContext(context);
    if (typeof sealed !== 'string') throw refuse('sealed secret is not a string');
    const parts = sealed.split('.');
    if (parts.length !== 5) throw refuse('sealed secret is malformed');
    const [version, keyId, ivText, ciphertextText, tagText] = parts as [string, string, string, string, string];
    if (version !== VERSION) throw refuse('sealed secret has an unknown format version');
    const key = this.#keys.get(keyId);
    if (!key) {
      const shown = /^[A-Za-z0-9_-]{8}$/.test(keyId) ? ` ${keyId}` : '';
      throw refuse(
        `sealed secret was sealed with an unknown key${shown}: configure that key again (after the current one)`,
      );
    }
    const iv = decodeB64url(ivText);
    const ciphertext = decodeB64url(ciphertextText);
    const tag = decodeB64url(tagText);
    if (!iv || iv.length !== IV_BYTES || !ciphertext || !tag || tag.length !== TAG_BYTES) {
      throw refuse('sealed secret is malformed');
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      return plain.toString('utf8');
    } catch {
      throw refuse('sealed secret does not open: it was altered, or belongs to another record');
    }
  }
}

/** Decodes one configured key (standard or URL-safe base64, padding optional); null when invalid. */
function decodeKey(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === KEY_BYTES ? bytes : null;
}

function parseConfigured(env: string): Buffer[] {
  const entries = env.split(',').map((entry) => entry.trim());
  return entries.map((entry, index) => {
    const key = decodeKey(entry);
    if (!key) {
      const which =
        entries.length === 1 ? 'the configured secret key' : `configured secret key ${index + 1} of ${entries.length}`;
      const what = entry === '' ? 'is empty' : `is not base64 of exactly ${KEY_BYTES} bytes`;
      throw refuse(`${which} ${what} (make one with: openssl rand -base64 32)`);
    }
    return key;
  });
}

async function readKeyFile(path: string): Promise<Buffer | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw refuse(`cannot read ${SECRET_KEY_FILE}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const key = decodeKey(text.trim());
  if (!key) {
    throw refuse(`${SECRET_KEY_FILE} is not base64 of exactly ${KEY_BYTES} bytes: restore it from backup`);
  }
  return key;
}

/**
 * Writes a new key file atomically (a temporary file, synced, then linked into place) without
 * ever replacing an existing one: when another process (or call) won the race, its key is used.
 */
async function createKeyFile(dataDir: string, random: Random): Promise<Buffer> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, SECRET_KEY_FILE);
  const key = random.bytes(KEY_BYTES);
  if (key.length !== KEY_BYTES) throw new TypeError(`random source gave ${key.length} bytes for a key`);
  const tmp = `${path}.${process.pid}.${random.bytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(tmp, 0o600); // whatever the umask
    try {
      await link(tmp, path); // fails when the file exists: never overwrite a key in use
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        const existing = await readKeyFile(path);
        if (existing) return existing;
      }
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      // A file system without hard links: a rename is still atomic.
      await rename(tmp, path);
    }
    return key;
  } catch (err) {
    if (err instanceof PortcullisError) throw err;
    throw refuse(`cannot write ${SECRET_KEY_FILE}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/**
 * The secret keys, the sealing one first. `env`: the configured keys, comma-separated base64 of
 * 32 bytes each (blank means none); otherwise `<dataDir>/secret.key`, generated on first use.
 */
export async function loadSecretKeys(opts: { env?: string; dataDir: string; random?: Random }): Promise<Buffer[]> {
  if (opts.env !== undefined && opts.env.trim() !== '') return parseConfigured(opts.env);
  const path = join(opts.dataDir, SECRET_KEY_FILE);
  const existing = await readKeyFile(path);
  if (existing) return [existing];
  return [await createKeyFile(opts.dataDir, opts.random ?? systemRandom)];
}
