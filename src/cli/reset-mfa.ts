/**
 * `portcullis user reset-mfa NAME [--config F]`: an administrator's recovery of a user who lost
 * their device. Removes every second factor of the user and voids their recovery codes; the
 * user enrols again at the next sign-in that needs a second factor. Every device of the user is
 * forgotten too (the lost one may be trusted), and every session of the user ends (a thief
 * holding the phone and a session is out): at once in a shared Redis, and within seconds in a
 * gateway that keeps them in memory (it reads the mark this command sets in the durable store).
 * The action is an audit event. Exit codes: 0 done, 1 refused (unknown user, invalid config,
 * store down), 2 usage.
 */
import { resetDetail, resetMfa } from '../admin/user-actions.ts';
import { recordAdminAction } from '../audit/admin-event.ts';
import { systemClock } from '../clock.ts';
import { openDurable } from '../stores/open.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { loadStateOrReport, userKnown } from './config-or-exit.ts';
import { endUserSessions, sessionsEndedLine } from './end-sessions.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';

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
  const state = await loadStateOrReport(io, parsed.flags.config);
  if (state === null || !userKnown(io, state.files, user)) return 1;
  const files = state.files;
  const durable = await openDurable(files.gateway.stores.durable, files.baseDir);
  try {
    const now = systemClock.now();
    const reset = await resetMfa(durable, user, now, () => endUserSessions(durable, state, user, now));
    await recordAdminAction(
      durable,
      systemClock,
      'admin.reset_mfa',
      { user, tenant: files.users[user]?.tenant ?? null },
      resetDetail(reset),
    );
    io.stdout.write(
      `removed ${reset.factorsRemoved} factor(s) and the recovery codes of ${user}, and forgot ${reset.devicesForgotten} device(s); they enrol again at their next sign-in that needs a second factor\n`,
    );
    io.stdout.write(`${sessionsEndedLine(reset.sessionsEnded, user)}\n`);
    return 0;
  } finally {
    await durable.close();
  }
}
