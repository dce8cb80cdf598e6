import { ConfigError, type LoadedFiles, loadConfigFiles } from '../config/load.ts';
import { buildState, type GatewayState } from '../state.ts';
import type { CliIo } from './io.ts';
import { DEFAULT_CONFIG } from './users.ts';

/**
 * The configuration an administrator's command works on (`--config F`, else the default), or
 * null after writing every located problem to stderr (the command then exits 1).
 */
export async function loadFilesOrReport(io: CliIo, config: unknown): Promise<LoadedFiles | null> {
  try {
    return await loadConfigFiles(typeof config === 'string' ? config : DEFAULT_CONFIG);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) io.stderr.write(`${p}\n`);
    return null;
  }
}

/** Like loadFilesOrReport, and the whole state built from the files (policy, users, settings). */
export async function loadStateOrReport(io: CliIo, config: unknown): Promise<GatewayState | null> {
  const files = await loadFilesOrReport(io, config);
  if (files === null) return null;
  try {
    return buildState(files, { whoamiOrigin: 'http://127.0.0.1:1' });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) io.stderr.write(`${p}\n`);
    return null;
  }
}

/** True when users.yaml has the user; otherwise says so on stderr (the command exits 1). */
export function userKnown(io: CliIo, files: LoadedFiles, user: string): boolean {
  if (files.users[user] !== undefined) return true;
  io.stderr.write(`portcullis: no user '${user}' in ${files.usersPath}\n`);
  return false;
}
