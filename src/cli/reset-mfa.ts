/**
 * `portcullis user reset-mfa NAME [--config F]`: an administrator's recovery of a user who lost
 * their device. Removes every second factor of the user and voids their recovery codes; the
 * user enrols again at the next sign-in that needs a second factor. Every device of the user is
 * forgotten too (the lost one may be trusted), and every session of the user ends (a thief
 * holding the phone and a session is out): at once in a shared Redis, and within seconds in a
 * gateway that keeps them in memory (it reads the mark this command sets in the durable store).
 * The action is an audit event. Asks the running gateway first (its admin API, live.ts: the
 * sessions end at once whatever its store); when none answers, acts on the stores directly with
 * a notice. Exit codes: 0 done, 1 refused (unknown user, invalid config,
 * store down), 2 usage.
 */
import { type MfaReset, resetDetail, resetMfa } from '../admin/user-actions.ts';
import { recordAdminAction } from '../audit/admin-event.ts';
import { systemClock } from '../clock.ts';
import { openDurable } from '../stores/open.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { loadStateOrReport, userKnown } from './config-or-exit.ts';
import { endUserSessions, type SessionsEnded, sessionsEndedLine } from './end-sessions.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';
import { askGateway, fallbackNotice, userPath } from './live.ts';

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
  const live = await askGateway<{ factors_removed: number; devices_forgotten: number; sessions_ended: SessionsEnded }>(
    io,
    files,
    'POST',
    userPath(user, 'reset-mfa'),
    200,
  );
  if (live.kind === 'refused') return 1;
  if (live.kind === 'answered') {
    const b = live.body;
    printReset(io, user, {
      factorsRemoved: b.factors_removed,
      devicesForgotten: b.devices_forgotten,
      sessionsEnded: b.sessions_ended,
    });
    return 0;
  }
  fallbackNotice(io, live.reason, 'resetting in the stores directly');
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
    printReset(io, user, reset);
    return 0;
  } finally {
    await durable.close();
  }
}

function printReset(io: CliIo, user: string, reset: MfaReset): void {
  io.stdout.write(
    `removed ${reset.factorsRemoved} factor(s) and the recovery codes of ${user}, and forgot ${reset.devicesForgotten} device(s); they enrol again at their next sign-in that needs a second factor\n`,
  );
  io.stdout.write(`${sessionsEndedLine(reset.sessionsEnded, user)}\n`);
}
