/** Durations are written `30s`, `15m`, `12h`, `30d` (also `500ms`, and `0`). */
export const DURATION_PATTERN = '^(0|[0-9]+(ms|s|m|h|d))$';
/** A duration that must be more than zero (timeouts, windows). */
export const POSITIVE_DURATION_PATTERN = '^0*[1-9][0-9]*(ms|s|m|h|d)$';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration already validated against DURATION_PATTERN (or the number 0); returns milliseconds. */
export function parseDuration(value: string | number): number {
  const text = String(value);
  if (text === '0') return 0;
  const match = /^([0-9]+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new TypeError(`not a duration: ${text}`);
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}
