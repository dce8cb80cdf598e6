import { resolve } from 'node:path';
import { loadConfigFiles } from '../config/load.ts';
import { rotateSigningKeys } from '../proxy/signing-keys.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';

/** `portcullis keys rotate [--keep 2]`: a new assertion signing key; older ones stay published. Restart or SIGHUP-less: restart to sign with it. */
export async function runKeys(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(args, { config: 'string', keep: 'string' });
  if ('error' in parsed || parsed.positional[0] !== 'rotate') {
    io.stderr.write('usage: portcullis keys rotate [--keep 2] [--config config/gateway.yaml]\n');
    return 2;
  }
  const keep = Number(parsed.flags.keep ?? 2);
  if (!Number.isInteger(keep) || keep < 1 || keep > 10) {
    io.stderr.write('--keep must be a whole number from 1 to 10\n');
    return 2;
  }
  const files = await loadConfigFiles(resolve(String(parsed.flags.config ?? 'config/gateway.yaml')));
  const keys = await rotateSigningKeys(files.gateway.data_dir, keep);
  io.stdout.write(
    `signing key ${keys[0]?.kid} is now first; ${keys.length} key(s) published. Restart the gateway to sign with it.\n`,
  );
  return 0;
}
