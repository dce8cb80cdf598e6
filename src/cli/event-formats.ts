/**
 * How `portcullis events` prints events: `text` (one aligned line each, for a person), `json`
 * (JSON lines: one event object per line, as the admin API gives it, for jq and log tools), `csv`
 * (RFC 4180 for a spreadsheet: a header row, CRLF line ends, quoted fields, and a cell starting
 * with = + - @ or a tab or carriage return prefixed with ' so that no spreadsheet runs it as a
 * formula).
 */
import { EVENT_FIELDS, type EventView } from '../audit/event-view.ts';

export const EVENT_FORMATS = ['text', 'json', 'csv'] as const;
export type EventFormat = (typeof EVENT_FORMATS)[number];

const CSV_COLUMNS = EVENT_FIELDS;

/** One CSV field: neutralised against formulas, then quoted when it must be. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvRow(e: EventView): string {
  return CSV_COLUMNS.map((c) => {
    const v = e[c];
    return csvField(v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  }).join(',');
}

/** Printable on a terminal: control characters (an escape sequence in a device name) shown as '?'. */
const printable = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** `2026-03-01 08:00:05Z`: UTC, to the second. */
const shortTime = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

function textLines(events: readonly EventView[]): string[] {
  const rows = events.map((e) =>
    [shortTime(e.time), e.type, `${e.tenant ?? '-'}/${e.user ?? '-'}`, e.ip ?? '-', e.outcome, e.request_id ?? '-'].map(
      printable,
    ),
  );
  const widths = rows.reduce<number[]>((w, r) => r.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** The whole output for `events`, newest first. */
export function formatEvents(events: readonly EventView[], format: EventFormat): string {
  if (format === 'json') return events.map((e) => `${JSON.stringify(e)}\n`).join('');
  if (format === 'csv') return [CSV_COLUMNS.join(','), ...events.map(csvRow)].map((l) => `${l}\r\n`).join('');
  if (events.length === 0) return 'no events\n';
  return textLines(events)
    .map((l) => `${l}\n`)
    .join('');
}
