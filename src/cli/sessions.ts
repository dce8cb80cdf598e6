/**
 * `portcullis user sessions NAME` and `portcullis user revoke-sessions NAME [--config F]`: list
 * or end a user's sessions in the shared ephemeral store. Revoked sessions end at their next
 * request, on every instance. With `stores.ephemeral: memory` the sessions live inside the
 * running gateway, so these commands refuse (exit 1) and say so. Exit codes: 0, 1, 2 (usage).
 */
import { recordAdminAction } from '../audit/admin-event.ts';
import { systemClock } from '../clock.ts';
import { systemRandom } from '../random.ts';
import { amrOf } from '../session/session.ts';
import { SessionStore } from '../session/session-store.ts';
import { openDurable, openEphemeral } from '../stores/open.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { loadStateOrReport } from './config-or-exit.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');

export async function runUserSessions(args: string[], io: CliIo, mode: 'list' | 'revoke'): Promise<number> {
  const usage = `portcullis user ${mode === 'list' ? 'sessions' : 'revoke-sessions'} NAME [--config F]`;
  const parsed = parseFlags(args, { config: 'string' });
  const user =
    'error' in parsed || parsed.positional.length !== 1 ? null : canonicalUsername(parsed.positional[0] as string);
  if ('error' in parsed || user === null) {
    io.stderr.write(`portcullis: ${'error' in parsed ? parsed.error : 'give one valid user name'}\nusage: ${usage}\n`);
    return 2;
  }
  const state = await loadStateOrReport(io, parsed.flags.config);
  if (state === null) return 1;
  const g = state.files.gateway;
  if (g.stores.ephemeral === 'memory') {
    io.stderr.write(
      'portcullis: sessions live in the memory of the running gateway (stores.ephemeral: memory); use a redis:// store to manage them from the command line, or restart the gateway to end them all\n',
    );
    return 1;
  }
  const store = await openEphemeral(g.stores.ephemeral, { clock: systemClock });
  try {
    const sessions = new SessionStore(store, systemClock, systemRandom, {
      idleMs: state.session.idleMs,
      maxLifetimeMs: state.session.maxLifetimeMs,
    });
    if (mode === 'list') {
      const list = await sessions.listForUser(user);
      if (list.length === 0) io.stdout.write(`${user} has no live session\n`);
      for (const s of list) {
        io.stdout.write(
          `${s.shortId}  signed in ${iso(s.session.authTime)}  amr ${amrOf(s.session).join(',')}  ends by ${iso(s.expiresAt)}  hosts ${s.scopes.join(',') || '-'}\n`,
        );
      }
      return 0;
    }
    const ended = await sessions.revokeUser(user);
    const durable = await openDurable(g.stores.durable, state.files.baseDir);
    try {
      await recordAdminAction(
        durable,
        systemClock,
        'admin.revoke_sessions',
        { user, tenant: state.users.get(user)?.tenant ?? null },
        { sessions: ended },
      );
    } finally {
      await durable.close();
    }
    io.stdout.write(`ended ${ended} session(s) of ${user}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
