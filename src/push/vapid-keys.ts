/**
 * The VAPID key pair (RFC 8292) the gateway signs its Web Push requests with. A browser's
 * subscription is bound to the public key (the `applicationServerKey`): a new pair means every
 * phone enrols again, so the pair is made once and kept.
 *
 * - `mfa.push.vapid: {public_key, private_key}` when given (base64url, the private key
 *   typically `${VAPID_PRIVATE_KEY}`);
 * - else `data/vapid.json` (mode 0600), generated at first start. Instances that share the data
 *   folder and start together agree: the file is created exclusively (link, never overwritten),
 *   and the one that loses the race reads the winner's.
 *
 * Either way the public key must be the private key's, or the start stops with PC_ERR_VAPID
 * (the message never holds the private key).
 */
import { createECDH, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PortcullisError } from '../errors.ts';

export interface VapidKeys {
  /** uncompressed P-256 point, base64url (65 bytes): the applicationServerKey */
  readonly publicKey: string;
  /** base64url (32 bytes) */
  readonly privateKey: string;
}

export const VAPID_FILE = 'vapid.json';

/** The public key of `privateKey`, or null when it is not a P-256 private key in base64url. */
function publicOf(privateKey: string): string | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(privateKey)) return null;
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
    return ecdh.getPublicKey().toString('base64url');
  } catch {
    return null;
  }
}

/** The pair, checked: both halves well formed and the public key the private key's. */
export function checkedVapidKeys(keys: { publicKey: unknown; privateKey: unknown }, where: string): VapidKeys {
  const { publicKey, privateKey } = keys;
  const derived = typeof privateKey === 'string' ? publicOf(privateKey) : null;
  if (derived === null) throw new PortcullisError('PC_ERR_VAPID', `${where}: the private key is not a P-256 key`);
  if (derived !== publicKey)
    throw new PortcullisError('PC_ERR_VAPID', `${where}: the public key is not the private key's`);
  return { publicKey: derived, privateKey: privateKey as string };
}

/** A new pair. */
export function generateVapidKeys(): VapidKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  // the private key is a 32-byte number: Node drops its leading zero bytes (1 in 256 keys), VAPID wants all 32
  const privateKey = Buffer.alloc(32);
  const raw = ecdh.getPrivateKey();
  raw.copy(privateKey, 32 - raw.length);
  return {
    publicKey: ecdh.getPublicKey().toString('base64url'),
    privateKey: privateKey.toString('base64url'),
  };
}

async function readKeyFile(path: string): Promise<VapidKeys | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PortcullisError('PC_ERR_VAPID', `cannot read data/${VAPID_FILE}: ${(err as NodeJS.ErrnoException).code}`);
  }
  let parsed: { public_key?: unknown; private_key?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new PortcullisError('PC_ERR_VAPID', `data/${VAPID_FILE} is not JSON`);
  }
  return checkedVapidKeys({ publicKey: parsed?.public_key, privateKey: parsed?.private_key }, `data/${VAPID_FILE}`);
}

/** The configured pair, else the one in `data/vapid.json`, generated there at first start. */
export async function loadVapidKeys(options: {
  configured: { public_key: string; private_key: string } | undefined;
  dataDir: string;
}): Promise<VapidKeys> {
  if (options.configured !== undefined) {
    const c = options.configured;
    return checkedVapidKeys({ publicKey: c.public_key, privateKey: c.private_key }, 'mfa.push.vapid');
  }
  const path = join(options.dataDir, VAPID_FILE);
  const existing = await readKeyFile(path);
  if (existing !== null) return existing;
  const keys = generateVapidKeys();
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ public_key: keys.publicKey, private_key: keys.privateKey }, null, 2)}\n`, {
    mode: 0o600,
  });
  await chmod(tmp, 0o600);
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // another instance made the pair first: theirs is the one
    return (await readKeyFile(path)) as VapidKeys;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  return keys;
}
