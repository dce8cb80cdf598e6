/** A proxy under test, however it was started: where it listens, how to sign in, what CPU it has used. */
export interface ServedTarget {
  readonly port: number;
  /** the session cookie's name; null for the bare proxy, which has no sign-in */
  readonly cookieName: string | null;
  /** how many times the pre-flight check sends the benchmarked request (more than one per worker) */
  readonly verifyRepeat: number;
  /**
   * CPU time (user + system, µs) used so far by each process that serves the target, by name
   * ('proxy'; or 'primary', 'worker 1', ...); null where it cannot be measured.
   */
  cpu(): Promise<Record<string, number> | null>;
  /** Throws when the target is no longer the one that was measured (a worker died and was replaced). */
  check(): void;
  close(): Promise<void>;
}
