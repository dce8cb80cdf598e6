/**
 * Hot reload: rebuilds the WHOLE state (config, users, compiled policies, ...) when a watched
 * file changes or `reload()` is called (the caller wires SIGHUP to it), then swaps it in
 * atomically. A failed build keeps the last good state and logs the located problems.
 *
 * Triggers coalesce: at most one build runs at a time, and any number of triggers arriving
 * during a build schedule exactly one more build after it. File events are debounced
 * (`debounceMs`, default 100) because editors write a file in several steps.
 * Files are watched through their folder, so editors that save by rename keep being seen.
 */
import { type FSWatcher, statSync, watch } from 'node:fs';
import path from 'node:path';
import type { LoadedFiles } from './load.ts';

/** A pino-compatible subset. */
export interface ReloadLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type SwapListener<S> = (next: S, prev: S) => void | Promise<void>;

export interface ReloaderOptions<S> {
  build: () => Promise<S>;
  initial: S;
  logger: ReloadLogger;
  /** files and folders to watch; a function is re-evaluated against each new state */
  watch?: readonly string[] | ((state: S) => readonly string[]);
  /** quiet period after the last file event before rebuilding; default 100 ms */
  debounceMs?: number;
}

export class Reloader<S> {
  #state: S;
  readonly #options: ReloaderOptions<S>;
  readonly #listeners = new Set<SwapListener<S>>();
  readonly #watchers = new Map<string, { watcher: FSWatcher; names: Set<string> | null }>();
  #timer: NodeJS.Timeout | null = null;
  #busy = false;
  #next: { promise: Promise<boolean>; resolve: (swapped: boolean) => void } | null = null;
  #closed = false;
  #builds = 0;

  constructor(options: ReloaderOptions<S>) {
    this.#options = options;
    this.#state = options.initial;
    this.#rewatch();
  }

  /** The state in force now. Read it per use; do not keep it across requests. */
  get current(): S {
    return this.#state;
  }

  /** How many builds have run (successful or not). */
  get builds(): number {
    return this.#builds;
  }

  /** Calls `listener(next, prev)` after each swap; returns an unsubscribe function. */
  onSwap(listener: SwapListener<S>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Rebuilds now (or right after the running build). Resolves true when the build covering this
   * trigger swapped a new state in, false when it failed (the old state stays) or was closed.
   */
  reload(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (!this.#next) {
      let resolve: (swapped: boolean) => void = () => {};
      const promise = new Promise<boolean>((r) => {
        resolve = r;
      });
      this.#next = { promise, resolve };
    }
    const { promise } = this.#next;
    if (!this.#busy) void this.#pump();
    return promise;
  }

  /** Stops watching; pending triggers resolve false. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const { watcher } of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    if (!this.#busy && this.#next) {
      this.#next.resolve(false);
      this.#next = null;
    }
  }

  async #pump(): Promise<void> {
    this.#busy = true;
    try {
      while (this.#next && !this.#closed) {
        const { resolve } = this.#next;
        this.#next = null;
        resolve(await this.#buildOnce());
      }
    } finally {
      this.#busy = false;
      if (this.#next && this.#closed) {
        this.#next.resolve(false);
        this.#next = null;
      }
    }
  }

  async #buildOnce(): Promise<boolean> {
    this.#builds++;
    let next: S;
    try {
      next = await this.#options.build();
    } catch (err) {
      const problems = (err as { problems?: unknown }).problems;
      const list = Array.isArray(problems) ? problems.map(String) : [];
      const detail = list.length > 0 ? `\n${list.join('\n')}` : `: ${(err as Error)?.message ?? String(err)}`;
      this.#options.logger.error(
        { err, problems: list },
        `configuration reload failed; keeping the previous configuration${detail}`,
      );
      return false;
    }
    if (this.#closed) return false;
    const prev = this.#state;
    this.#state = next;
    this.#options.logger.info({ event: 'config.reloaded' }, 'configuration reloaded');
    for (const listener of this.#listeners) {
      try {
        await listener(next, prev);
      } catch (err) {
        this.#options.logger.error({ err }, 'a configuration swap listener failed');
      }
    }
    this.#rewatch();
    return true;
  }

  #trigger(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.reload();
    }, this.#options.debounceMs ?? 100);
  }

  /** Watches the parent folder of each file target and each folder target itself. */
  #rewatch(): void {
    const spec = this.#options.watch;
    if (!spec || this.#closed) return;
    const targets = typeof spec === 'function' ? spec(this.#state) : spec;
    const wanted = new Map<string, Set<string> | null>();
    for (const target of targets) {
      const abs = path.resolve(target);
      const dir = isFolder(target) ? abs : path.dirname(abs);
      const names = wanted.has(dir) ? wanted.get(dir) : new Set<string>();
      if (dir === abs || names === null) wanted.set(dir, null);
      else wanted.set(dir, (names as Set<string>).add(path.basename(abs)));
    }
    for (const [dir, entry] of this.#watchers) {
      const names = wanted.get(dir);
      if (names !== undefined && sameNames(names, entry.names)) {
        wanted.delete(dir); // unchanged: keep the existing watcher
        continue;
      }
      entry.watcher.close();
      this.#watchers.delete(dir);
    }
    for (const [dir, names] of wanted) {
      try {
        const watcher = watch(dir, { persistent: false }, (_event, filename) => {
          if (names === null || filename === null || names.has(String(filename))) this.#trigger();
        });
        watcher.on('error', (err) => this.#options.logger.error({ err, dir }, 'configuration watch failed'));
        this.#watchers.set(dir, { watcher, names });
      } catch (err) {
        this.#options.logger.error({ err, dir }, 'cannot watch configuration folder');
      }
    }
  }
}

function isFolder(target: string): boolean {
  try {
    return statSync(target).isDirectory();
  } catch {
    return target.endsWith('/') || target.endsWith(path.sep);
  }
}

function sameNames(a: Set<string> | null, b: Set<string> | null): boolean {
  if (a === null || b === null) return a === b;
  return a.size === b.size && [...a].every((n) => b.has(n));
}

/**
 * What to watch for a loaded configuration: gateway.yaml, the users file, the policies folder,
 * and the geography database (replaced monthly by the operator).
 */
export function configWatchTargets(files: LoadedFiles): string[] {
  const geo = files.gateway.geo.database;
  return [files.gatewayPath, files.usersPath, `${files.policiesDir}${path.sep}`, ...(geo ? [geo] : [])];
}
