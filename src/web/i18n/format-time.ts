import type { Locale } from './locales.ts';

/** Formatters by language and time zone, built once (Intl formatters are costly to create). */
const cache = new Map<string, { when: Intl.DateTimeFormat; zone: Intl.DateTimeFormat }>();

/**
 * A date and time as people of that language write it, in the given IANA time zone (the
 * tenant's, else UTC), with the zone named so nobody wonders which one: "7 Dec 2026, 14:05 CET".
 */
export function formatDateTime(ms: number, locale: Locale, timeZone = 'UTC'): string {
  const key = `${locale} ${timeZone}`;
  let f = cache.get(key);
  if (f === undefined) {
    f = {
      when: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }),
      zone: new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }),
    };
    cache.set(key, f);
  }
  const zone = f.zone.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value;
  return zone ? `${f.when.format(ms)} ${zone}` : f.when.format(ms);
}

/** Whether the runtime knows an IANA time zone name (config validation). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
