import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PortcullisError } from '../errors.ts';

/**
 * The ES256 keys that sign X-Portcullis-Assertion. Generated into the data folder on first
 * start (`signing-keys.json`, mode 0600). The first key signs; every key is published in the
 * JWKS, so `portcullis keys rotate` adds a new signing key while upstreams still accept
 * assertions made with the previous one.
 */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: JsonWebKey & { kid: string; alg: 'ES256'; use: 'sig' };
}

interface KeyFile {
  keys: { kid: string; created_at: string; private_jwk: JsonWebKey }[];
}

const FILE = 'signing-keys.json';

/** RFC 7638 thumbprint: the key id. */
function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

function newKeyEntry(now: Date): KeyFile['keys'][number] {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  return { kid: thumbprint(jwk), created_at: now.toISOString(), private_jwk: jwk };
}

/**
 * Writes the key file through a temporary file of this call's own. `replace` false (a first start)
 * never overwrites: when another process sharing the folder (an instance on the same volume, a
 * worker) or another call made the file first, false is returned and that file is the one to use.
 */
async function writeKeyFile(dataDir: string, file: KeyFile, replace = true): Promise<boolean> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, FILE);
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  try {
    await chmod(tmp, 0o600);
    if (replace) {
      await rename(tmp, path);
      return true;
    }
    try {
      await link(tmp, path); // fails when the file exists
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      // a file system without hard links: a rename is still atomic, though it may replace
      await rename(tmp, path);
      return true;
    }
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

async function readKeyFile(dataDir: string): Promise<KeyFile | null> {
  let text: string;
  try {
    text = await readFile(join(dataDir, FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PortcullisError('PC_ERR_KEYS', `cannot read ${FILE}: ${(err as Error).message}`);
  }
  try {
    const file = JSON.parse(text) as KeyFile;
    if (!Array.isArray(file.keys) || file.keys.length === 0) throw new Error('no keys');
    return file;
  } catch (err) {
    throw new PortcullisError('PC_ERR_KEYS', `${FILE} is not a valid key file: ${(err as Error).message}`);
  }
}

function toSigningKeys(file: KeyFile): SigningKey[] {
  return file.keys.map((entry) => {
    const privateKey = createPrivateKey({ key: entry.private_jwk, format: 'jwk' });
    const pub = createPublicKey(privateKey).export({ format: 'jwk' });
    return { kid: entry.kid, privateKey, publicJwk: { ...pub, kid: entry.kid, alg: 'ES256', use: 'sig' } };
  });
}

/** Loads the key set, generating the first key when there is none. */
export async function loadSigningKeys(dataDir: string, now = new Date()): Promise<SigningKey[]> {
  let file = await readKeyFile(dataDir);
  if (file === null) {
    file = { keys: [newKeyEntry(now)] };
    if (!(await writeKeyFile(dataDir, file, false))) file = await readKeyFile(dataDir);
    if (file === null) throw new PortcullisError('PC_ERR_KEYS', `${FILE} vanished while it was being created`);
  }
  return toSigningKeys(file);
}

/** Adds a new signing key in front and keeps `keep` keys in all (the older ones stay published). */
export async function rotateSigningKeys(dataDir: string, keep = 2, now = new Date()): Promise<SigningKey[]> {
  const file = (await readKeyFile(dataDir)) ?? { keys: [] };
  file.keys = [newKeyEntry(now), ...file.keys].slice(0, Math.max(1, keep));
  await writeKeyFile(dataDir, file);
  return toSigningKeys(file);
}
