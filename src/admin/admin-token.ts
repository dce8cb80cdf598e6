/**
 * The admin API's bearer token: `PORTCULLIS_ADMIN_TOKEN` when set (named `env-token` in the audit
 * trail), else the one generated into the data folder on first start (`admin.token`, mode 0600,
 * named `admin-token`). Only a SHA-256 hash of it stays in memory; a presented token is hashed
 * too and the two hashes are compared with timingSafeEqual, so neither the comparison nor a
 * length difference tells anything about the token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PortcullisError } from '../errors.ts';

export type AdminTokenName = 'admin-token' | 'env-token';

export interface AdminToken {
  readonly name: AdminTokenName;
  /** true when `presented` is the token; constant time whatever its length */
  matches(presented: string): boolean;
}

export const ADMIN_TOKEN_FILE = 'admin.token';
/** a token given in the environment must be at least this long (the generated one has 43 characters) */
export const MIN_ADMIN_TOKEN_LENGTH = 32;
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

const hash = (value: string) => createHash('sha256').update(value, 'utf8').digest();

function adminToken(name: AdminTokenName, token: string): AdminToken {
  const expected = hash(token);
  return { name, matches: (presented) => timingSafeEqual(hash(presented), expected) };
}

function checked(token: string, where: string): string {
  if (token.length < MIN_ADMIN_TOKEN_LENGTH || !TOKEN_SHAPE.test(token))
    throw new PortcullisError(
      'PC_ERR_ADMIN_TOKEN',
      `${where} must be at least ${MIN_ADMIN_TOKEN_LENGTH} printable characters without spaces`,
    );
  return token;
}

/** The token from the environment, else from `data/admin.token`, generated there when absent. */
export async function loadAdminToken(options: { env: string | undefined; dataDir: string }): Promise<AdminToken> {
  if (options.env !== undefined && options.env !== '')
    return adminToken('env-token', checked(options.env, 'PORTCULLIS_ADMIN_TOKEN'));
  const path = join(options.dataDir, ADMIN_TOKEN_FILE);
  try {
    return adminToken('admin-token', checked((await readFile(path, 'utf8')).trim(), `data/${ADMIN_TOKEN_FILE}`));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (err instanceof PortcullisError) throw err;
      throw new PortcullisError(
        'PC_ERR_ADMIN_TOKEN',
        `cannot read data/${ADMIN_TOKEN_FILE}: ${(err as Error).message}`,
      );
    }
  }
  const token = randomBytes(32).toString('base64url');
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, `${token}\n`, { mode: 0o600 });
  try {
    await chmod(tmp, 0o600);
    // never over a token another process sharing the folder (an instance, a worker) just made
    await link(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      return adminToken('admin-token', checked((await readFile(path, 'utf8')).trim(), `data/${ADMIN_TOKEN_FILE}`));
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    await rename(tmp, path); // a file system without hard links
  } finally {
    await unlink(tmp).catch(() => {});
  }
  return adminToken('admin-token', token);
}
