import type { PageText } from '../html.ts';
import type { MessageKey } from '../i18n/messages.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The keys of a message with a `.one` and an `.other` form. */
type PluralKey = { [K in MessageKey]: K extends `${infer P}.one` ? P : never }[MessageKey];

/** A message with `{count}` in the form the page's language uses for that number. */
export function plural(text: PageText, key: PluralKey, count: number, params: Record<string, string> = {}): string {
  const form = new Intl.PluralRules(text.locale).select(count) === 'one' ? 'one' : 'other';
  return text.t(`${key}.${form}` as MessageKey, { ...params, count });
}

/**
 * A period in words ("30 days", "12 Stunden"), in the unit the step-up page's trust box uses:
 * whole days from a day on, else hours, else minutes.
 */
export function periodText(text: PageText, ms: number): string {
  if (ms >= DAY && (ms % DAY === 0 || ms >= 2 * DAY)) return plural(text, 'common.duration.day', Math.round(ms / DAY));
  if (ms >= HOUR) return plural(text, 'common.duration.hour', Math.round(ms / HOUR));
  return plural(text, 'common.duration.minute', Math.max(1, Math.round(ms / 60_000)));
}

/**
 * A device's name in the page's language: names are recorded at sign-in in English words
 * ("Chrome on Linux", "Linux device", "Unknown device", context/device.ts deviceName); the
 * browser and system names are names, the words around them are the page's.
 */
export function deviceNameText(text: PageText, name: string): string {
  if (name === 'Unknown device') return text.t('account.deviceName.unknown');
  const on = /^(.+) on (.+)$/.exec(name);
  if (on) return text.t('account.deviceName.on', { browser: on[1] as string, os: on[2] as string });
  const os = /^(.+) device$/.exec(name);
  if (os) return text.t('account.deviceName.os', { os: os[1] as string });
  return name;
}
