import { resolve } from 'node:path';
import { ConfigError } from '../config/load.ts';
import { startWhoami } from '../demo/whoami.ts';
import { startRuntime } from '../runtime.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';

/**
 * `portcullis start [--config F]` (what `npm start` runs): the gateway, its admin listener and
 * the built-in whoami demo upstream. While no user exists it prints the one-time set-up link.
 * SIGHUP reloads the configuration; SIGTERM and SIGINT shut down gracefully.
 */
export async function runStart(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(args, { config: 'string' });
  if ('error' in parsed) {
    io.stderr.write(`${parsed.error}\nusage: portcullis start [--config config/gateway.yaml]\n`);
    return 2;
  }
  const configPath = resolve(String(parsed.flags.config ?? 'config/gateway.yaml'));
  const whoami = await startWhoami();
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  try {
    runtime = await startRuntime({ configPath, whoamiOrigin: whoami.origin });
  } catch (err) {
    await whoami.close();
    if (err instanceof ConfigError) {
      for (const p of err.problems) io.stderr.write(`${p}\n`);
      return 1;
    }
    // the cause says why (a file that is a directory, a refused connection); store errors never hold a password
    const cause = (err as Error).cause instanceof Error ? `: ${((err as Error).cause as Error).message}` : '';
    io.stderr.write(`portcullis: ${(err as Error).message}${cause}\n`);
    return 1;
  }
  const urls = await runtime.listen();
  const state = runtime.state();
  runtime.logger.info(
    { gateway: urls.gateway, admin: urls.admin, apps: state.apps.map((a) => a.facts.host) },
    'portcullis started',
  );
  if (state.users.size === 0) {
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
    runtime.logger.info('SIGHUP: reloading configuration');
    void runtime.reloader.reload();
  });
  await new Promise(() => {});
  return 0;
}
