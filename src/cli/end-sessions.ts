/**
 * Ending a user's sessions from the command line, whatever the ephemeral store: a mark in the
 * durable store ("every session of this user created until now is over"), which every running
 * gateway reads within seconds (session/session-ends.ts), and, with a shared Redis, the sessions
 * deleted at once.
 */
import { endSessionsOf, type SessionsEnded } from '../admin/user-actions.ts';
import { systemClock } from '../clock.ts';
import { systemRandom } from '../random.ts';
import { SESSION_ENDS_POLL_MS } from '../session/session-ends.ts';
import { SessionStore } from '../session/session-store.ts';
import type { GatewayState } from '../state.ts';
import type { DurableStore } from '../stores/durable.ts';
import { openEphemeral } from '../stores/open.ts';

export type { SessionsEnded };

export async function endUserSessions(
  durable: DurableStore,
  state: GatewayState,
  user: string,
  now: number,
): Promise<SessionsEnded> {
  const spec = state.files.gateway.stores.ephemeral;
  if (spec === 'memory') return endSessionsOf(durable, null, user, now);
  const store = await openEphemeral(spec, { clock: systemClock });
  try {
    const { idleMs, maxLifetimeMs } = state.session;
    const sessions = new SessionStore(store, systemClock, systemRandom, { idleMs, maxLifetimeMs });
    return await endSessionsOf(durable, sessions, user, now);
  } finally {
    await store.close();
  }
}

/** What the administrator is told. */
export function sessionsEndedLine(ended: SessionsEnded, user: string): string {
  return ended === 'marked'
    ? `the sessions of ${user} end in the running gateway within ${SESSION_ENDS_POLL_MS / 1000} seconds (it keeps them in memory and reads the mark this command set in the durable store)`
    : `ended ${ended} session(s) of ${user} on every instance`;
}
