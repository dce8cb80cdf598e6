/**
 * `portcullis user reset-mfa NAME [--config F]`: an administrator's recovery of a user who lost
 * their device. Removes every second factor of the user and voids their recovery codes; the
 * user enrols again at the next sign-in that needs a second factor. Every device of the user is
 * forgotten too (the lost one may be trusted). The action is an audit event; the user's
 * sessions are left to `portcullis user revoke-sessions`. Exit codes: 0 done, 1 refused
 * (unknown user, invalid config, store down), 2 usage.
 */
import { recordAdminAction } from '../audit/admin-event.ts';
import { systemClock } from '../clock.ts';
import { ConfigError, loadConfigFiles } from '../config/load.ts';
import { openDurable } from '../stores/open.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';
import { DEFAULT_CONFIG } from './users.ts';

const USAGE = 'portcullis user reset-mfa NAME [--config F]';

export async function runUserResetMfa(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(args, { config: 'string' });
  if ('error' in parsed || parsed.positional.length !== 1) {
    io.stderr.write(
      `portcullis: ${'error' in parsed ? parsed.error : 'give exactly one user name'}\nusage: ${USAGE}\n`,
    );
    return 2;
  }
  const user = canonicalUsername(parsed.positional[0] as string);
  if (user === null) {
    io.stderr.write(`portcullis: invalid user name\nusage: ${USAGE}\n`);
    return 2;
  }
  let files: Awaited<ReturnType<typeof loadConfigFiles>>;
  try {
    files = await loadConfigFiles(typeof parsed.flags.config === 'string' ? parsed.flags.config : DEFAULT_CONFIG);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) io.stderr.write(`${p}\n`);
    return 1;
  }
  if (files.users[user] === undefined) {
    io.stderr.write(`portcullis: no user '${user}' in ${files.usersPath}\n`);
    return 1;
  }
  const durable = await openDurable(files.gateway.stores.durable, files.baseDir);
  try {
    const now = systemClock.now();
    const removed = await durable.removeAllFactors(user);
    await durable.replaceRecoveryCodes(user, [], now);
    const forgotten = await durable.removeAllDevices(user);
    await recordAdminAction(
      durable,
      systemClock,
      'admin.reset_mfa',
      { user, tenant: files.users[user]?.tenant ?? null },
      { factors_removed: removed, devices_forgotten: forgotten },
    );
    io.stdout.write(
      `removed ${removed} factor(s) and the recovery codes of ${user}, and forgot ${forgotten} device(s); they enrol again at their next sign-in that needs a second factor\n`,
    );
    io.stdout.write(`their live sessions are not ended: see portcullis user revoke-sessions ${user}\n`);
    return 0;
  } finally {
    await durable.close();
  }
}
