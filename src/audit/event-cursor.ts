import type { AuditCursor } from '../stores/durable.ts';

/** A page cursor as text: the last event's time and row id, base 36 (`lq2x8k0w.3f`). */
export const CURSOR_PATTERN = '^-?[0-9a-z]{1,11}\\.[0-9a-z]{1,11}$';

export function encodeCursor(c: AuditCursor): string {
  return `${c.time.toString(36)}.${c.id.toString(36)}`;
}

/** The cursor `text` encodes, or null when it is not one. */
export function decodeCursor(text: string): AuditCursor | null {
  if (!new RegExp(CURSOR_PATTERN).test(text)) return null;
  const [t, i] = text.split('.') as [string, string];
  const time = Number.parseInt(t, 36);
  const id = Number.parseInt(i, 36);
  if (!Number.isSafeInteger(time) || !Number.isSafeInteger(id) || id < 1) return null;
  return { time, id };
}
