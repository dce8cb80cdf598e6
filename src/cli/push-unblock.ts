/**
 * `portcullis user push-unblock NAME [--config F]`: lifts the push block a user's "this wasn't
 * me" answer set (and a running cooldown), once the account is safe again. Asks the running
 * gateway (its admin API, live.ts); when none answers, lifts the block in the durable store
 * directly, and the cooldown in a shared Redis, with a notice. Audited `push.unblocked`.
 * Exit codes: 0 done (unblocked, or was not blocked), 1 refused or unreachable store, 2 usage.
 */
import { recordAdminAction } from '../audit/admin-event.ts';
import { systemClock } from '../clock.ts';
import { findUser } from '../idp/provider-user.ts';
import { pushLimits } from '../push/push-settings.ts';
import { PushRequests } from '../push/requests/push-requests.ts';
import { systemRandom } from '../random.ts';
import { openDurable, openEphemeral } from '../stores/open.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { loadStateOrReport, userKnown } from './config-or-exit.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';
import { askGateway, fallbackNotice, userPath } from './live.ts';

const USAGE = 'portcullis user push-unblock NAME [--config F]';

export async function runUserPushUnblock(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(args, { config: 'string' });
  const user =
    'error' in parsed || parsed.positional.length !== 1 ? null : canonicalUsername(parsed.positional[0] as string);
  if ('error' in parsed || user === null) {
    io.stderr.write(`portcullis: ${'error' in parsed ? parsed.error : 'give one valid user name'}\nusage: ${USAGE}\n`);
    return 2;
  }
  const state = await loadStateOrReport(io, parsed.flags.config);
  if (state === null || !userKnown(io, state.files, user)) return 1;
  const live = await askGateway<{ unblocked: boolean }>(io, state.files, 'POST', userPath(user, 'push/unblock'), 200);
  if (live.kind === 'refused') return 1;
  let unblocked: boolean;
  if (live.kind === 'answered') {
    unblocked = live.body.unblocked;
  } else {
    fallbackNotice(io, live.reason, 'lifting the block in the stores directly');
    const g = state.files.gateway;
    const durable = await openDurable(g.stores.durable, state.files.baseDir);
    try {
      const ephemeral =
        g.stores.ephemeral === 'memory' ? null : await openEphemeral(g.stores.ephemeral, { clock: systemClock });
      try {
        unblocked =
          ephemeral === null
            ? await durable.unblockPush(user)
            : await new PushRequests({
                store: ephemeral,
                durable,
                clock: systemClock,
                random: systemRandom,
                limits: () => pushLimits(state),
              }).unblock(user);
      } finally {
        await ephemeral?.close();
      }
      await recordAdminAction(
        durable,
        systemClock,
        'push.unblocked',
        { user, tenant: (await findUser(state, durable, user))?.tenant ?? null },
        { unblocked },
      );
    } finally {
      await durable.close();
    }
  }
  io.stdout.write(unblocked ? `${user} may receive pushes again\n` : `${user} was not blocked from push\n`);
  return 0;
}
