/**
 * `portcullis user sessions NAME` and `portcullis user revoke-sessions NAME [--config F]`: list
 * or end a user's sessions. Both ask the running gateway first (its admin API, live.ts), so they
 * work whatever its stores and end the sessions at once. When no gateway answers (with a notice):
 * revoking marks the sessions ended in the durable store, and deletes them from a shared Redis
 * (see end-sessions.ts); listing reads a shared Redis, and refuses with `stores.ephemeral:
 * memory` (the sessions live only in the gateway's memory). Exit codes: 0, 1, 2 (usage).
 */
import { recordAdminAction } from '../audit/admin-event.ts';
import { systemClock } from '../clock.ts';
import { findUser } from '../idp/provider-user.ts';
import { systemRandom } from '../random.ts';
import { amrOf } from '../session/session.ts';
import { SessionStore } from '../session/session-store.ts';
import { openDurable, openEphemeral } from '../stores/open.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { loadStateOrReport } from './config-or-exit.ts';
import { endUserSessions, type SessionsEnded, sessionsEndedLine } from './end-sessions.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';
import { askGateway, fallbackNotice, userPath } from './live.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** A session as the admin API answers it (GET users/{name}). */
interface LiveSession {
  id: string;
  signed_in_at: string;
  amr: string[];
  ends_by: string;
  hosts: string[];
}

/** One line per session; times to the second. */
function printSessions(io: CliIo, user: string, list: readonly LiveSession[]): void {
  const time = (t: string) => t.replace(/\.\d+Z$/, 'Z');
  if (list.length === 0) io.stdout.write(`${user} has no live session\n`);
  for (const s of list) {
    io.stdout.write(
      `${s.id}  signed in ${time(s.signed_in_at)}  amr ${s.amr.join(',')}  ends by ${time(s.ends_by)}  hosts ${s.hosts.join(',') || '-'}\n`,
    );
  }
}

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
    const live = await askGateway<{ sessions_ended: SessionsEnded }>(
      io,
      state.files,
      'POST',
      userPath(user, 'revoke-sessions'),
      200,
    );
    if (live.kind === 'refused') return 1;
    if (live.kind === 'answered') {
      io.stdout.write(`${sessionsEndedLine(live.body.sessions_ended, user)}\n`);
      return 0;
    }
    fallbackNotice(io, live.reason, 'ending the sessions through the stores directly');
    const durable = await openDurable(g.stores.durable, state.files.baseDir);
    try {
      const ended = await endUserSessions(durable, state, user, systemClock.now());
      await recordAdminAction(
        durable,
        systemClock,
        'admin.revoke_sessions',
        { user, tenant: (await findUser(state, durable, user))?.tenant ?? null },
        { sessions: ended },
      );
      io.stdout.write(`${sessionsEndedLine(ended, user)}\n`);
      return 0;
    } finally {
      await durable.close();
    }
  }
  const live = await askGateway<{ sessions: LiveSession[] }>(io, state.files, 'GET', userPath(user), 200);
  if (live.kind === 'refused') return 1;
  if (live.kind === 'answered') {
    printSessions(io, user, live.body.sessions);
    return 0;
  }
  if (g.stores.ephemeral === 'memory') {
    io.stderr.write(
      `portcullis: ${live.reason}; the sessions live in the memory of the running gateway (stores.ephemeral: memory), which only its admin API can reach: run this command where the gateway runs, or set PORTCULLIS_ADMIN_URL and PORTCULLIS_ADMIN_TOKEN\n`,
    );
    return 1;
  }
  fallbackNotice(io, live.reason, 'reading the sessions from the shared store directly');
  const store = await openEphemeral(g.stores.ephemeral, { clock: systemClock });
  try {
    const sessions = new SessionStore(store, systemClock, systemRandom, {
      idleMs: state.session.idleMs,
      maxLifetimeMs: state.session.maxLifetimeMs,
    });
    const list = await sessions.listForUser(user);
    printSessions(
      io,
      user,
      list.map((s) => ({
        id: s.shortId,
        signed_in_at: iso(s.session.authTime),
        amr: amrOf(s.session),
        ends_by: iso(s.expiresAt),
        hosts: s.scopes,
      })),
    );
    return 0;
  } finally {
    await store.close();
  }
}
