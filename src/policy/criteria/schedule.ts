import { Type } from '../../json-schema.ts';
import { type Criterion, Verdict } from '../types.ts';

/**
 * `when: { schedule: { days: [mon, tue], hours: "08:00-18:00", tz: Europe/Amsterdam } }`: the
 * request time, read on the wall clock of `tz` (an IANA name; default UTC), falls on one of
 * `days` and within `hours`. At least one of `days` and `hours` is required; a missing one does
 * not restrict.
 *
 * - `hours` is `start-end`, end exclusive; `24:00` is allowed as the end only. `start == end` is
 *   refused (ambiguous: never or always).
 * - A range whose end is before its start crosses midnight (`22:00-06:00`). With `days`, the day
 *   that counts is the local day of the range's START: `days: [fri], hours: 22:00-06:00` covers
 *   Friday 22:00 to Saturday 06:00, and not Friday 00:00-06:00.
 * - The time is `facts.now` (the injected clock). Without it the schedule never matches.
 * - DST: the tz's wall clock as Intl reports it; on a spring-forward day the skipped hour simply
 *   never occurs, on a fall-back day the repeated hour matches twice.
 */
export interface ScheduleSpec {
  days?: string[];
  hours?: string;
  tz?: string;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_OF_SHORT: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Minutes of day of `HH:MM`; 24:00 (1440) only when `end`; undefined when out of range. */
function minutesOf(hhmm: string, end: boolean): number | undefined {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  if (end && h === 24 && m === 0) return 1440;
  if (h > 23 || m > 59) return undefined;
  return h * 60 + m;
}

export const schedule: Criterion<ScheduleSpec> = {
  key: 'schedule',
  place: 'when',
  schema: Type.Object(
    {
      days: Type.Optional(
        Type.Array(
          Type.Union(
            ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => Type.Literal(d)),
            { description: 'local day of the week' },
          ),
          { minItems: 1, uniqueItems: true },
        ),
      ),
      hours: Type.Optional(
        Type.String({
          pattern: '^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$',
          description: 'HH:MM-HH:MM local time, end exclusive; an end before the start crosses midnight',
        }),
      ),
      tz: Type.Optional(
        Type.String({ minLength: 1, description: 'IANA time zone, e.g. Europe/Amsterdam (default UTC)' }),
      ),
    },
    { additionalProperties: false },
  ),
  reason: 'schedule-matched',
  identity: false,
  compile(spec, ctx) {
    let ok = true;
    if (spec.days === undefined && spec.hours === undefined) {
      ctx.error([], 'a schedule needs days, hours or both');
      ok = false;
    }

    const tz = spec.tz ?? 'UTC';
    let format: Intl.DateTimeFormat | undefined;
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      });
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      ctx.error(['tz'], `unknown time zone '${tz}' (an IANA name such as Europe/Amsterdam or UTC)`);
      ok = false;
    }

    let start = 0;
    let end = 1440;
    if (spec.hours !== undefined) {
      const [a, b] = spec.hours.split('-') as [string, string];
      const s = minutesOf(a, false);
      const e = minutesOf(b, true);
      if (s === undefined || e === undefined) {
        ctx.error(['hours'], `bad hours '${spec.hours}': times run from 00:00 to 23:59 (24:00 as the end only)`);
        ok = false;
      } else if (s === e) {
        ctx.error(
          ['hours'],
          `bad hours '${spec.hours}': start and end are equal (ambiguous: use 00:00-24:00 for all day)`,
        );
        ok = false;
      } else {
        start = s;
        end = e;
      }
    }

    if (!ok || !format) return () => Verdict.No;
    const fmt = format;
    // bit i set: local weekday i (0 = sunday) is allowed
    const dayMask = spec.days ? spec.days.reduce((m, d) => m | (1 << DAYS.indexOf(d as never)), 0) : 0x7f;
    const dayOk = (d: number) => (dayMask & (1 << ((d + 7) % 7))) !== 0;
    const crosses = end < start;

    return (facts) => {
      if (facts.now === undefined) return Verdict.No;
      let day = -1;
      let hour = 0;
      let minute = 0;
      for (const p of fmt.formatToParts(facts.now)) {
        if (p.type === 'weekday') day = DAY_OF_SHORT[p.value] ?? -1;
        else if (p.type === 'hour') hour = Number(p.value) % 24;
        else if (p.type === 'minute') minute = Number(p.value);
      }
      if (day < 0) return Verdict.No;
      const m = hour * 60 + minute;
      if (!crosses) return dayOk(day) && m >= start && m < end ? Verdict.Yes : Verdict.No;
      // crossing midnight: the evening part belongs to today, the morning part to yesterday's range
      if (m >= start) return dayOk(day) ? Verdict.Yes : Verdict.No;
      if (m < end) return dayOk(day - 1) ? Verdict.Yes : Verdict.No;
      return Verdict.No;
    };
  },
};
