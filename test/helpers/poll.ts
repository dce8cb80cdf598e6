/** Waiting for a condition in a test: polled, with a bound, never a sleep standing in for an assertion. */

/** Polls `probe` until it returns a value other than undefined; throws after `boundMs`. */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, boundMs = 30_000): Promise<T> {
  const deadline = Date.now() + boundMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(`gave up waiting for ${what} after ${boundMs} ms${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
