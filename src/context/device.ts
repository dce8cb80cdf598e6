import UAParser from 'ua-parser-js';
import type { DeviceFacts } from '../policy/types.ts';

/**
 * The client's device as policies see it, parsed from the User-Agent with ua-parser-js 1.x
 * (MIT; 2.x is AGPL and must not be used). A User-Agent is a claim of the client, not a proof:
 * device conditions narrow or tighten policy, they do not authenticate anything.
 *
 * - `type`: ua-parser's `mobile` and `tablet` as is; `smarttv`, `wearable`, `console`,
 *   `embedded`, `xr` (and any future type) become `other`; no type at all becomes `desktop`
 *   (ua-parser only names non-desktop devices, so a recognised desktop browser has none, and
 *   so does an unrecognised client such as curl). An absent or empty User-Agent is `other`:
 *   nothing claims to be a desktop.
 * - iPadOS 13+ in its default "desktop mode" sends a macOS Safari User-Agent; it is seen as
 *   `desktop`, `macos`, `safari`. Nothing in the header tells them apart.
 * - `os` and `browser`: short lower-case names (see OS_NAMES and BROWSER_NAMES), other names
 *   lower-cased with spaces turned into `-`; null when unknown.
 * - The User-Agent is cut to MAX_UA_LENGTH characters before parsing (hostile input).
 */

export const MAX_UA_LENGTH = 512;

const OS_NAMES: Readonly<Record<string, string>> = {
  windows: 'windows',
  'mac os': 'macos',
  macos: 'macos',
  ios: 'ios',
  android: 'android',
  linux: 'linux',
  ubuntu: 'linux',
  debian: 'linux',
  fedora: 'linux',
  kubuntu: 'linux',
  mint: 'linux',
  arch: 'linux',
  gentoo: 'linux',
  centos: 'linux',
  redhat: 'linux',
  suse: 'linux',
  'chromium os': 'chromeos',
  'chrome os': 'chromeos',
};

const BROWSER_NAMES: Readonly<Record<string, string>> = {
  chrome: 'chrome',
  'chrome headless': 'chrome',
  'chrome webview': 'chrome',
  'mobile chrome': 'chrome',
  edge: 'edge',
  firefox: 'firefox',
  'mobile firefox': 'firefox',
  safari: 'safari',
  'mobile safari': 'safari',
  opera: 'opera',
};

/** The normalised names a policy is expected to use (a name outside these only draws a warning). */
export const KNOWN_OS: ReadonlySet<string> = new Set([...Object.values(OS_NAMES), 'windows-phone', 'harmonyos']);
export const KNOWN_BROWSERS: ReadonlySet<string> = new Set([
  ...Object.values(BROWSER_NAMES),
  'samsung-internet',
  'chromium',
  'vivaldi',
  'yandex',
  'ie',
  'duckduckgo',
]);

function normalise(name: string | undefined, table: Readonly<Record<string, string>>): string | null {
  const trimmed = name?.trim().toLowerCase();
  if (!trimmed) return null;
  return table[trimmed] ?? trimmed.replace(/\s+/g, '-');
}

function typeOf(uaType: string | undefined): DeviceFacts['type'] {
  if (uaType === undefined || uaType === '') return 'desktop';
  if (uaType === 'mobile' || uaType === 'tablet') return uaType;
  return 'other';
}

export function parseDevice(userAgent: string | undefined): DeviceFacts {
  const ua = userAgent?.slice(0, MAX_UA_LENGTH).trim();
  if (!ua) return { type: 'other', os: null, browser: null };
  const result = new UAParser(ua).getResult();
  return {
    type: typeOf(result.device.type),
    os: normalise(result.os.name, OS_NAMES),
    browser: normalise(result.browser.name, BROWSER_NAMES),
  };
}

const DISPLAY: Readonly<Record<string, string>> = {
  windows: 'Windows',
  macos: 'macOS',
  ios: 'iOS',
  android: 'Android',
  linux: 'Linux',
  chromeos: 'ChromeOS',
  chrome: 'Chrome',
  edge: 'Edge',
  firefox: 'Firefox',
  safari: 'Safari',
  opera: 'Opera',
};

const display = (name: string): string =>
  DISPLAY[name] ?? name.replace(/-/g, ' ').replace(/(^|\s)\S/g, (c) => c.toUpperCase());

/** A short human name for display: `Chrome on Windows`, `Safari`, `iOS device`, `Unknown device`. */
export function deviceName(d: DeviceFacts): string {
  if (d.browser && d.os) return `${display(d.browser)} on ${display(d.os)}`;
  if (d.browser) return display(d.browser);
  if (d.os) return `${display(d.os)} device`;
  return 'Unknown device';
}

/** For RequestFacts.device: parses on first call only, then returns the same object. */
export function lazyDevice(userAgent: string | undefined): () => DeviceFacts {
  let parsed: DeviceFacts | undefined;
  return () => {
    parsed ??= Object.freeze(parseDevice(userAgent));
    return parsed;
  };
}
