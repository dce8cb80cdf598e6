import cluster from 'node:cluster';
import { resolve } from 'node:path';
import type { WorkerLink } from '../cluster/worker-link.ts';
import { workerCount } from '../cluster/workers-setting.ts';
import { snapshotReader } from '../config/config-reader.ts';
import { ConfigError, type LoadedFiles, loadConfigFiles } from '../config/load.ts';
import { startWhoami } from '../demo/whoami.ts';
import { createLogger } from '../observability/logger.ts';
import { startRuntime } from '../runtime.ts';
import { buildState } from '../state.ts';
import { openDurable, openEphemeral } from '../stores/open.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';

/** Writes why a start failed: the located problems, or the error and its cause (never a password). */
function reportFailure(io: CliIo, err: unknown): number {
  if (err instanceof ConfigError) {
    for (const p of err.problems) io.stderr.write(`${p}\n`);
    return 1;
  }
  // the cause says why (a file that is a directory, a refused connection); store errors never hold a password
  const cause = (err as Error).cause instanceof Error ? `: ${((err as Error).cause as Error).message}` : '';
  io.stderr.write(`portcullis: ${(err as Error).message}${cause}\n`);
  return 1;
}

/**
 * `portcullis start [--config F]` (what `npm start` runs): the gateway, its admin listener and
 * the built-in whoami demo upstream. While no user exists it prints the one-time set-up link.
 * SIGHUP reloads the configuration; SIGTERM and SIGINT shut down gracefully.
 *
 * With `server.workers` above 1, this process becomes the primary (cluster/primary.ts): it
 * checks the configuration and the stores once (migrating the durable store), then forks the
 * workers, each of which runs the gateway as below, told by the primary when to reload.
 */
export async function runStart(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(args, { config: 'string' });
  if ('error' in parsed) {
    io.stderr.write(`${parsed.error}\nusage: portcullis start [--config config/gateway.yaml]\n`);
    return 2;
  }
  const configPath = resolve(String(parsed.flags.config ?? 'config/gateway.yaml'));
  if (cluster.isWorker) {
    // serve() returns only when the start failed; the channel to the primary would keep the process up
    const { workerLink } = await import('../cluster/worker-link.ts');
    const code = await serve(configPath, io, await workerLink());
    process.exit(code);
  }
  let files: LoadedFiles;
  try {
    files = await loadConfigFiles(configPath);
  } catch (err) {
    return reportFailure(io, err);
  }
  const count = workerCount(files.gateway.server.workers);
  if (count <= 1) return serve(configPath, io, null);
  try {
    const state = buildState(files, { whoamiOrigin: 'http://127.0.0.1:1' });
    // once here rather than by every worker at once: the migrations, and a clear reason when a store is down
    const durable = await openDurable(files.gateway.stores.durable, files.baseDir);
    await durable.close();
    const ephemeral = await openEphemeral(files.gateway.stores.ephemeral, { clock: { now: Date.now } });
    await ephemeral.close();
    if (state.users.size === 0)
      io.stdout.write(
        '\nNo user exists yet. With several workers there is no set-up link: create the first administrator with\n\n  portcullis user add NAME --password-stdin\n\n',
      );
  } catch (err) {
    return reportFailure(io, err);
  }
  const logger = createLogger({ level: files.gateway.log?.level ?? 'info' });
  // the cluster's modules only when there are workers
  const { runPrimary } = await import('../cluster/primary.ts');
  return runPrimary({ configPath, count, logger, whoamiOrigin: 'http://127.0.0.1:1' });
}

/** Runs the gateway in this process (alone, or as one worker of several). */
async function serve(configPath: string, io: CliIo, link: WorkerLink | null): Promise<number> {
  const whoami = await startWhoami();
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  try {
    runtime = await startRuntime({
      configPath,
      whoamiOrigin: whoami.origin,
      ...(link
        ? {
            worker: { id: link.id, metrics: () => link.metrics() },
            watch: false,
            configReader: () => snapshotReader(link.snapshot),
          }
        : {}),
    });
  } catch (err) {
    await whoami.close();
    return reportFailure(io, err);
  }
  const urls = await runtime.listen();
  const state = runtime.state();
  if (link) {
    link.share(runtime.metrics.registry);
    link.onReload(async () => {
      await runtime.reloader.reload();
      return runtime.state().files.version;
    });
    link.ready(state.files.version);
    runtime.logger.info({ worker: link.id, version: state.files.version }, 'worker started');
  } else {
    runtime.logger.info(
      { gateway: urls.gateway, admin: urls.admin, apps: state.apps.map((a) => a.facts.host) },
      'portcullis started',
    );
  }
  if (state.users.size === 0 && !link) {
    const t = runtime.setup.issue();
    io.stdout.write(
      `\nNo user exists yet. Create the first administrator within the hour at this one-time link:\n\n  ${state.publicUrl.origin}/.portcullis/setup#${t}\n\n(The part after # is the set-up token; browsers never send it to a server. Without JavaScript, paste it into the form.)\n\n`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    runtime.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await runtime.close();
    await whoami.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => {
    // a worker's reloads come from the primary, which watches the files
    if (link) return;
    runtime.logger.info('SIGHUP: reloading configuration');
    void runtime.reloader.reload();
  });
  await new Promise(() => {});
  return 0;
}
