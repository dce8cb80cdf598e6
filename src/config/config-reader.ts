/**
 * Where the configuration files are read from: the disk, or a snapshot of what one successful
 * read saw. With several worker processes the primary validates the files and hands the workers
 * the snapshot of exactly what it validated, so a worker that starts or reloads while someone is
 * halfway through editing a file serves the last valid version, never a broken one, and every
 * worker serves the same one.
 */
import { constants } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';

export interface ConfigEntry {
  readonly name: string;
  readonly isFile: boolean;
}

export interface ConfigReader {
  /** The file's text; rejects like fs (err.code ENOENT, EACCES, EISDIR). */
  read(file: string): Promise<string>;
  exists(file: string): Promise<boolean>;
  /** The folder's entries; rejects like fs (ENOENT, ENOTDIR). */
  list(dir: string): Promise<ConfigEntry[]>;
}

/** What a read saw, as plain data (sent between processes). */
export interface ConfigSnapshot {
  readonly files: Record<string, string>;
  readonly missing: readonly string[];
  readonly dirs: Record<string, ConfigEntry[]>;
}

export const diskReader: ConfigReader = {
  read: (file) => readFile(file, 'utf8'),
  exists: (file) =>
    access(file, constants.F_OK).then(
      () => true,
      () => false,
    ),
  list: async (dir) =>
    (await readdir(dir, { withFileTypes: true })).map((e) => ({
      name: e.name,
      isFile: e.isFile() || e.isSymbolicLink(),
    })),
};

/** A reader that passes through to `inner` and keeps what it saw. */
export function recordingReader(inner: ConfigReader = diskReader): {
  reader: ConfigReader;
  snapshot(): ConfigSnapshot;
} {
  const files: Record<string, string> = {};
  const missing = new Set<string>();
  const dirs: Record<string, ConfigEntry[]> = {};
  return {
    reader: {
      async read(file) {
        const text = await inner.read(file);
        files[file] = text;
        return text;
      },
      async exists(file) {
        const found = await inner.exists(file);
        if (!found) missing.add(file);
        return found;
      },
      async list(dir) {
        const entries = await inner.list(dir);
        dirs[dir] = entries;
        return entries;
      },
    },
    snapshot: () => ({ files: { ...files }, missing: [...missing], dirs: { ...dirs } }),
  };
}

function notFound(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`not in the validated configuration: ${path}`), { code: 'ENOENT' });
}

/** A reader that answers only from a snapshot: what was not read then does not exist now. */
export function snapshotReader(snapshot: ConfigSnapshot): ConfigReader {
  return {
    async read(file) {
      const text = snapshot.files[file];
      if (text === undefined) throw notFound(file);
      return text;
    },
    async exists(file) {
      return snapshot.files[file] !== undefined;
    },
    async list(dir) {
      const entries = snapshot.dirs[dir];
      if (entries === undefined) throw notFound(dir);
      return entries;
    },
  };
}
