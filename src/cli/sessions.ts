/**
 * `portcullis user sessions NAME` and `portcullis user revoke-sessions NAME [--config F]`: list
 * or end a user's sessions. Revoking works whatever the ephemeral store (see end-sessions.ts): at
 * once with a shared Redis, within seconds in a gateway that keeps sessions in memory. Listing
 * needs the shared store: with `stores.ephemeral: memory` it refuses (exit 1) and says so.
 * Exit codes: 0, 1, 2 (usage).
 */
import { recordAdminAction } from '../audit/admin-event.ts';
import { systemClock } from '../clock.ts';
import { systemRandom } from '../random.ts';
import { amrOf } from '../session/session.ts';
import { SessionStore } from '../session/session-store.ts';
import { openDurable, openEphemeral } from '../stores/open.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { loadStateOrReport } from './config-or-exit.ts';
import { endUserSessions, sessionsEndedLine } from './end-sessions.ts';
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
  if (mode === 'revoke') {
    const durable = await openDurable(g.stores.durable, state.files.baseDir);
    try {
      const ended = await endUserSessions(durable, state, user, systemClock.now());
      await recordAdminAction(
        durable,
        systemClock,
        'admin.revoke_sessions',
        { user, tenant: state.users.get(user)?.tenant ?? null },
        { sessions: ended },
      );
      io.stdout.write(`${sessionsEndedLine(ended, user)}\n`);
      return 0;
    } finally {
      await durable.close();
    }
  }
  if (g.stores.ephemeral === 'memory') {
    io.stderr.write(
      'portcullis: sessions live in the memory of the running gateway (stores.ephemeral: memory); use a redis:// store to list them from the command line\n',
    );
    return 1;
  }
  const store = await openEphemeral(g.stores.ephemeral, { clock: systemClock });
  try {
    const sessions = new SessionStore(store, systemClock, systemRandom, {
      idleMs: state.session.idleMs,
      maxLifetimeMs: state.session.maxLifetimeMs,
    });
    const list = await sessions.listForUser(user);
    if (list.length === 0) io.stdout.write(`${user} has no live session\n`);
    for (const s of list) {
      io.stdout.write(
        `${s.shortId}  signed in ${iso(s.session.authTime)}  amr ${amrOf(s.session).join(',')}  ends by ${iso(s.expiresAt)}  hosts ${s.scopes.join(',') || '-'}\n`,
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
