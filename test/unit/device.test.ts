/** User-Agent parsing for device conditions (src/context/device.ts): real User-Agents -> facts. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deviceName, lazyDevice, MAX_UA_LENGTH, parseDevice } from '../../src/context/device.ts';
import type { DeviceFacts } from '../../src/policy/types.ts';

const d = (type: DeviceFacts['type'], os: string | null, browser: string | null): DeviceFacts => ({
  type,
  os,
  browser,
});

const CASES: [string, string | undefined, DeviceFacts][] = [
  [
    'Windows Chrome',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    d('desktop', 'windows', 'chrome'),
  ],
  [
    'Windows Edge',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
    d('desktop', 'windows', 'edge'),
  ],
  [
    'Windows Opera',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0',
    d('desktop', 'windows', 'opera'),
  ],
  [
    'macOS Safari',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
    d('desktop', 'macos', 'safari'),
  ],
  [
    'macOS Firefox',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0',
    d('desktop', 'macos', 'firefox'),
  ],
  [
    'iPhone Safari',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
    d('mobile', 'ios', 'safari'),
  ],
  [
    'iPhone Chrome (CriOS)',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
    d('mobile', 'ios', 'chrome'),
  ],
  [
    'iPad Safari (iPadOS 16, mobile UA)',
    'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
    d('tablet', 'ios', 'safari'),
  ],
  [
    // iPadOS 13+ defaults to "desktop mode": its UA is macOS Safari's, and is seen as such
    'iPad Safari (iPadOS 17, desktop mode)',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
    d('desktop', 'macos', 'safari'),
  ],
  [
    'Android Chrome phone',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
    d('mobile', 'android', 'chrome'),
  ],
  [
    'Android WebView',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36',
    d('mobile', 'android', 'chrome'),
  ],
  [
    'Android tablet (Galaxy Tab)',
    'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    d('tablet', 'android', 'chrome'),
  ],
  [
    'Android Samsung Internet',
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
    d('mobile', 'android', 'samsung-internet'),
  ],
  [
    'Linux Firefox',
    'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    d('desktop', 'linux', 'firefox'),
  ],
  [
    'Ubuntu Firefox',
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    d('desktop', 'linux', 'firefox'),
  ],
  [
    'Headless Chrome',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36',
    d('desktop', 'linux', 'chrome'),
  ],
  [
    'ChromeOS',
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    d('desktop', 'chromeos', 'chrome'),
  ],
  [
    'Samsung smart TV',
    'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36',
    d('other', 'tizen', 'samsung-internet'),
  ],
  // an unrecognised client names no device type: desktop, with nothing else known
  ['curl', 'curl/8.4.0', d('desktop', null, null)],
  ['empty', '', d('other', null, null)],
  ['blank', '   ', d('other', null, null)],
  ['absent', undefined, d('other', null, null)],
];

describe('parseDevice', () => {
  for (const [name, ua, expected] of CASES) {
    test(name, () => assert.deepEqual(parseDevice(ua), expected));
  }

  test('a 10 KB garbage string is cut and parsed quickly', () => {
    const garbage = 'x(;'.repeat(3500) + 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)';
    assert.ok(garbage.length > 10_000);
    const start = performance.now();
    const facts = parseDevice(garbage);
    assert.ok(performance.now() - start < 200);
    // the iPhone part lies beyond the cap and is never seen
    assert.deepEqual(facts, d('desktop', null, null));
  });

  test('only the first MAX_UA_LENGTH characters are parsed', () => {
    const chrome =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
    assert.deepEqual(parseDevice(chrome + ' '.repeat(MAX_UA_LENGTH)), d('desktop', 'windows', 'chrome'));
    assert.equal(parseDevice(' '.repeat(MAX_UA_LENGTH) + chrome).os, null);
  });
});

describe('deviceName', () => {
  test('names browser and os for display', () => {
    assert.equal(deviceName(d('desktop', 'windows', 'chrome')), 'Chrome on Windows');
    assert.equal(deviceName(d('desktop', 'macos', 'safari')), 'Safari on macOS');
    assert.equal(deviceName(d('mobile', 'android', 'samsung-internet')), 'Samsung Internet on Android');
    assert.equal(deviceName(d('mobile', 'ios', null)), 'iOS device');
    assert.equal(deviceName(d('desktop', null, 'firefox')), 'Firefox');
    assert.equal(deviceName(d('other', null, null)), 'Unknown device');
  });
});

describe('lazyDevice', () => {
  test('parses on first call only and memoises', () => {
    const get = lazyDevice('Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0');
    const first = get();
    assert.deepEqual(first, d('desktop', 'linux', 'firefox'));
    assert.equal(get(), first);
    assert.ok(Object.isFrozen(first));
  });
});
