/**
 * `portcullis user unlock NAME [--config F]`: clears an account's lockout: the account's lock and
 * failure count (clients without a device cookie of it) and those of each of its browsers
 * (device cookies). Address throttles are not touched: they concern no account (they end after
 * lockout.duration; lockout.address.exempt lifts them for a network at the next reload).
 *
 * Asks the running gateway (its admin API, live.ts), so it works whatever the ephemeral store.
 * When no gateway answers, it clears the lockout in the shared Redis directly, with a notice;
 * with `stores.ephemeral: memory` there is nothing it could reach (the lockouts live only in the
 * gateway's memory), so it refuses and says how to reach the gateway. Exit codes: 0 done
 * (unlocked, or was not locked), 1 refused or unreachable, 2 usage error. The store URL is never
 * printed with its password.
 */

import { Lockout } from '../authn/lockout.ts';
import { lockoutSettings } from '../authn/lockout-settings.ts';
import { systemClock } from '../clock.ts';
import { PortcullisError } from '../errors.ts';
import type { EphemeralStore } from '../stores/ephemeral.ts';
import { openEphemeral } from '../stores/open.ts';
import { redactRedisUrl } from '../stores/redis-url.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { loadFilesOrReport } from './config-or-exit.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';
import { askGateway, fallbackNotice, userPath } from './live.ts';
import { DEFAULT_CONFIG } from './users.ts';

const UNLOCK_USAGE = 'portcullis user unlock NAME [--config F]';

export async function runUserUnlock(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(args, { config: 'string' });
  const usage = (message: string): number => {
    io.stderr.write(`portcullis: ${message}\nusage: ${UNLOCK_USAGE}\n`);
    return 2;
  };
  const refuse = (message: string): number => {
    io.stderr.write(`portcullis: ${message}\n`);
    return 1;
  };
  if ('error' in parsed) return usage(parsed.error);
  if (parsed.positional.length !== 1) return usage('give exactly one user name');
  const user = canonicalUsername(parsed.positional[0] as string);
  if (user === null) return usage('invalid user name: 1-128 of a-z 0-9 . _ @ -, starting with a letter or digit');
  const config = typeof parsed.flags.config === 'string' ? parsed.flags.config : DEFAULT_CONFIG;

  const files = await loadFilesOrReport(io, config);
  if (files === null) return 1;
  const live = await askGateway<{ account: boolean; devices: number }>(
    io,
    files,
    'POST',
    userPath(user, 'unlock'),
    200,
  );
  if (live.kind === 'answered') {
    io.stdout.write(`${unlockReport(user, live.body)}\n`);
    return 0;
  }
  if (live.kind === 'refused') return 1;
  const spec = files.gateway.stores.ephemeral;
  if (spec === 'memory') {
    return refuse(
      `cannot unlock ${user}: ${live.reason}.\n` +
        "With stores.ephemeral: 'memory' the lockouts live in the memory of the running gateway, which only its " +
        'admin API can reach: run this command where the gateway runs, or set PORTCULLIS_ADMIN_URL (and ' +
        'PORTCULLIS_ADMIN_TOKEN) to reach it. A gateway that is not running holds no lockout.',
    );
  }
  fallbackNotice(io, live.reason, 'clearing the lockout in the shared store directly');

  let store: EphemeralStore;
  try {
    store = await openEphemeral(spec, { clock: systemClock });
  } catch (err) {
    if (err instanceof PortcullisError) return refuse(storeProblem(err, spec));
    throw err;
  }
  try {
    const settings = lockoutSettings(files, []);
    const lockout = new Lockout({ store, clock: systemClock, settings: () => settings });
    const cleared = await lockout.unlock(user);
    io.stdout.write(`${unlockReport(user, cleared)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof PortcullisError) return refuse(storeProblem(err, spec));
    throw err;
  } finally {
    await store.close();
  }
}

/** What unlock cleared: the account's lock (for browsers without its device cookie), its browsers' locks. */
function unlockReport(user: string, cleared: { account: boolean; devices: number }): string {
  if (!cleared.account && cleared.devices === 0) return `${user} was not locked`;
  const what = [
    ...(cleared.account ? ['the account'] : []),
    ...(cleared.devices > 0 ? [`${cleared.devices} of its browsers`] : []),
  ];
  return `unlocked ${user} (${what.join(' and ')})`;
}

/** The store error with its (already scrubbed) cause and the URL without its password. */
function storeProblem(err: PortcullisError, spec: string): string {
  const cause = err.cause instanceof Error && err.cause.message ? `: ${err.cause.message}` : '';
  return `${err.message}${cause} (${redactRedisUrl(spec)})`;
}
