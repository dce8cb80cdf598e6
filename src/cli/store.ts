/**
 * `portcullis migrate`: brings the configured durable store's schema up to date and says what
 * it did (start does the same; this lets an operator do it first, under watch, before rolling
 * out instances). `portcullis store copy FROM TO`: copies a whole durable store into a new, empty
 * one (store-copy.ts), e.g. `sqlite:data/portcullis.db` to `postgres://...`; relative paths are
 * from the current folder. Neither ever prints a password.
 */
import { resolve } from 'node:path';
import { LATEST_SCHEMA_VERSION } from '../stores/migrations.ts';
import { openDurable } from '../stores/open.ts';
import type { SqlDurableStore } from '../stores/sql-store.ts';
import { copyStore } from '../stores/store-copy.ts';
import { loadFilesOrReport } from './config-or-exit.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';

const MIGRATE_USAGE = 'portcullis migrate [--config F]';
const COPY_USAGE = 'portcullis store copy FROM TO   (e.g. sqlite:data/portcullis.db postgres://user@host:5432/db)';

/** A durable store spec as it may be shown: a postgres URL without its password. */
export function shownSpec(spec: string): string {
  return spec.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/i, '$1@');
}

export async function runMigrate(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(args, { config: 'string' });
  if ('error' in parsed || parsed.positional.length > 0) {
    io.stderr.write(
      `portcullis: ${'error' in parsed ? parsed.error : 'migrate takes no argument'}\nusage: ${MIGRATE_USAGE}\n`,
    );
    return 2;
  }
  const files = await loadFilesOrReport(io, parsed.flags.config);
  if (files === null) return 1;
  const spec = files.gateway.stores.durable;
  const store = await openDurable(spec, files.baseDir);
  try {
    const applied = (store as SqlDurableStore).applied;
    const version = await store.schemaVersion();
    io.stdout.write(
      applied.length === 0
        ? `${shownSpec(spec)}: schema version ${version}, up to date\n`
        : `${shownSpec(spec)}: applied migration${applied.length > 1 ? 's' : ''} ${applied.join(', ')}; schema version ${version}\n`,
    );
    return version === LATEST_SCHEMA_VERSION ? 0 : 1;
  } finally {
    await store.close();
  }
}

export async function runStoreCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const parsed = parseFlags(rest, {});
  if (sub !== 'copy' || 'error' in parsed || parsed.positional.length !== 2) {
    io.stderr.write(`usage: ${COPY_USAGE}\n`);
    return 2;
  }
  const [fromSpec, toSpec] = parsed.positional as [string, string];
  if (fromSpec === toSpec) {
    io.stderr.write('portcullis: FROM and TO are the same store\n');
    return 2;
  }
  const cwd = resolve('.');
  const from = (await openDurable(fromSpec, cwd)) as SqlDurableStore;
  try {
    const to = (await openDurable(toSpec, cwd)) as SqlDurableStore;
    try {
      const report = await copyStore(from, to);
      for (const { table, rows } of report.tables) io.stdout.write(`${table.padEnd(16)} ${rows}\n`);
      io.stdout.write(`copied ${shownSpec(fromSpec)} to ${shownSpec(toSpec)}\n`);
      return 0;
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}
