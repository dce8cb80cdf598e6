import type { DurableStore } from '../stores/durable.ts';

/** How often a gateway reads the marks from the durable store. */
export const SESSION_ENDS_POLL_MS = 2_000;

/**
 * The "sessions ended before" marks that administrators set in the durable store
 * (`portcullis user reset-mfa`, `user revoke-sessions`), held in memory: a session lookup asks
 * `before(user)` and costs no I/O. `refresh()` reads the marks set since the last read; the
 * runtime calls it at start and every SESSION_ENDS_POLL_MS, so a command-line tool ends sessions
 * that live in a running gateway's memory within seconds, on every instance.
 */
export class SessionEnds {
  readonly #marks = new Map<string, number>();
  #since = 0;

  constructor(private readonly durable: Pick<DurableStore, 'listSessionEnds'>) {}

  /** The time at or before which the user's sessions are over, or undefined. */
  before(user: string): number | undefined {
    return this.#marks.get(user);
  }

  /** Reads the marks set since the last read; rejects when the durable store is down (the marks held stay). */
  async refresh(): Promise<void> {
    for (const end of await this.durable.listSessionEnds(this.#since)) {
      if (end.before > (this.#marks.get(end.user) ?? -1)) this.#marks.set(end.user, end.before);
      if (end.before > this.#since) this.#since = end.before;
    }
  }
}
