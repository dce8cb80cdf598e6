import type { ManualClock } from './clock.ts';

/**
 * Work a gateway repeats in the background (the audit trim, the metrics gauges), injected like
 * the clock so a test runs it when it wants, without sleeping. A task never throws: it reports
 * its own failures (the runtime wraps each one).
 */
export interface Timers {
  /** Runs `task` `firstMs` from now, then every `everyMs`; the returned function stops it. */
  repeat(task: () => Promise<void>, everyMs: number, firstMs: number): () => void;
}

/** Real timers, unref'd: they never keep the process alive. */
export const systemTimers: Timers = {
  repeat(task, everyMs, firstMs) {
    let interval: NodeJS.Timeout | undefined;
    const first = setTimeout(() => {
      void task();
      interval = setInterval(() => void task(), everyMs);
      interval.unref();
    }, firstMs);
    first.unref();
    return () => {
      clearTimeout(first);
      if (interval !== undefined) clearInterval(interval);
    };
  },
};

interface Repeated {
  readonly task: () => Promise<void>;
  readonly everyMs: number;
  due: number;
  stopped: boolean;
}

/** Timers a test drives with its ManualClock: nothing runs until tick() or advance(). */
export class ManualTimers implements Timers {
  readonly #clock: ManualClock;
  readonly #tasks: Repeated[] = [];

  constructor(clock: ManualClock) {
    this.#clock = clock;
  }

  repeat(task: () => Promise<void>, everyMs: number, firstMs: number): () => void {
    const r: Repeated = { task, everyMs, due: this.#clock.now() + firstMs, stopped: false };
    this.#tasks.push(r);
    return () => {
      r.stopped = true;
    };
  }

  /**
   * Runs, once each and in the order they were started, the tasks due at the clock's time; the
   * next run of each is a period after now (like setInterval, missed runs are not caught up).
   */
  async tick(): Promise<void> {
    const now = this.#clock.now();
    for (const r of this.#tasks) {
      if (r.stopped || r.due > now) continue;
      r.due = now + r.everyMs;
      await r.task();
    }
  }

  /** Moves the clock by `ms`, then tick(). */
  async advance(ms: number): Promise<void> {
    this.#clock.advance(ms);
    await this.tick();
  }
}
