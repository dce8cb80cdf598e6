/**
 * How long the primary waits before restarting a worker that died: 1 s, doubling for each death
 * in a row up to 30 s, back to 1 s once a worker has served for a minute. A worker that dies at
 * once (a broken upstream library, a store refusing it) is retried, never in a tight loop.
 */
export const FIRST_DELAY_MS = 1000;
export const MAX_DELAY_MS = 30_000;
export const HEALTHY_AFTER_MS = 60_000;

export class RestartBackoff {
  #deaths = 0;

  /** The delay before restarting a worker that lived `livedMs`. */
  next(livedMs: number): number {
    this.#deaths = livedMs >= HEALTHY_AFTER_MS ? 1 : this.#deaths + 1;
    return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (this.#deaths - 1));
  }
}
