/** Risk signals of a sign-in (src/risk/assess.ts): each signal alone, with recorded history. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type GeoFacts, riskNames } from '../../src/policy/types.ts';
import { assessRisk, distanceKm, type SignInFacts } from '../../src/risk/assess.ts';
import type { SignInRecord } from '../../src/stores/durable.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 29, 12);
const SETTINGS = { impossibleTravelKmh: 900, newCountryWindowMs: 90 * DAY, recentFailures: 3 };

const NEW_YORK: GeoFacts = { country: 'US', latitude: 40.7128, longitude: -74.006 };
const BOSTON: GeoFacts = { country: 'US', latitude: 42.3601, longitude: -71.0589 };
const LONDON: GeoFacts = { country: 'GB', latitude: 51.5072, longitude: -0.1276 };
const NEWARK: GeoFacts = { country: 'US', latitude: 40.7357, longitude: -74.1724 };

const past = (geo: GeoFacts | null, ago: number): SignInRecord => ({
  user: 'alice',
  time: NOW - ago,
  ip: '198.51.100.7',
  country: geo?.country ?? null,
  latitude: geo?.latitude ?? null,
  longitude: geo?.longitude ?? null,
  deviceId: 'd1',
});

const signals = (f: Partial<SignInFacts>) =>
  riskNames(
    assessRisk(
      { now: NOW, knownDevice: true, here: NEW_YORK, history: [past(NEW_YORK, DAY)], failures: 0, ...f },
      SETTINGS,
    ),
  );

describe('risk assessment', () => {
  test('a known device in a usual place after no failures: no signal', () => assert.deepEqual(signals({}), []));

  test('new_device: the browser brought no valid device cookie of this user', () =>
    assert.deepEqual(signals({ knownDevice: false }), ['new_device']));

  describe('new_country', () => {
    const table: [string, Partial<SignInFacts>, string[]][] = [
      ['a country of a sign-in in the window is not new', { here: BOSTON }, []],
      ['a country never seen is new', { here: LONDON, history: [past(NEW_YORK, 30 * DAY)] }, ['new_country']],
      [
        'a country seen only before the window is new again',
        { here: LONDON, history: [past(LONDON, 91 * DAY)] },
        ['new_country'],
      ],
      ['a country seen on the window edge is not new', { here: LONDON, history: [past(LONDON, 90 * DAY)] }, []],
      ['the first sign-in ever: every known country is new', { here: NEW_YORK, history: [] }, ['new_country']],
      ['an unknown country is never new', { here: null, history: [] }, []],
      ['history without countries does not count', { here: NEW_YORK, history: [past(null, DAY)] }, ['new_country']],
    ];
    for (const [name, f, want] of table) test(name, () => assert.deepEqual(signals(f), want));
  });

  describe('impossible_travel', () => {
    // New York -> London is about 5,570 km
    const table: [string, Partial<SignInFacts>, string[]][] = [
      [
        'New York then London one hour later',
        { here: LONDON, history: [past(NEW_YORK, HOUR), past(LONDON, 2 * DAY)] },
        ['impossible_travel'],
      ],
      [
        'New York then London ten hours later (557 km/h)',
        { here: LONDON, history: [past(NEW_YORK, 10 * HOUR), past(LONDON, 2 * DAY)] },
        [],
      ],
      [
        'New York then Boston 5 minutes later (over 3,000 km/h)',
        { here: BOSTON, history: [past(NEW_YORK, 5 * 60_000)] },
        ['impossible_travel'],
      ],
      [
        'New York then Newark at once: within the tolerance of IP geolocation',
        { here: NEWARK, history: [past(NEW_YORK, 0)] },
        [],
      ],
      ['the same moment in two far places', { here: BOSTON, history: [past(NEW_YORK, 0)] }, ['impossible_travel']],
      [
        'only the previous sign-in counts',
        { here: LONDON, history: [past(LONDON, 10 * HOUR), past(NEW_YORK, 11 * HOUR)] },
        [],
      ],
      [
        'no coordinates now: cannot tell',
        {
          here: { country: 'GB', latitude: null, longitude: null },
          history: [past(NEW_YORK, HOUR), past(LONDON, DAY)],
        },
        [],
      ],
      [
        'no coordinates then: cannot tell',
        { here: LONDON, history: [past({ country: 'US', latitude: null, longitude: null }, HOUR), past(LONDON, DAY)] },
        [],
      ],
      ['no history: nothing to compare', { here: LONDON, history: [] }, ['new_country']],
    ];
    for (const [name, f, want] of table) test(name, () => assert.deepEqual(signals(f), want));

    test('the speed limit is the setting', () => {
      const f: SignInFacts = {
        now: NOW,
        knownDevice: true,
        here: LONDON,
        history: [past(NEW_YORK, 10 * HOUR), past(LONDON, DAY)],
        failures: 0,
      };
      assert.deepEqual(riskNames(assessRisk(f, { ...SETTINGS, impossibleTravelKmh: 500 })), ['impossible_travel']);
      assert.deepEqual(riskNames(assessRisk(f, { ...SETTINGS, impossibleTravelKmh: 600 })), []);
    });
  });

  test('recent_failures: at the threshold, not below', () => {
    assert.deepEqual(signals({ failures: 2 }), []);
    assert.deepEqual(signals({ failures: 3 }), ['recent_failures']);
  });

  test("push_reported: while the user's pushes are blocked after a report", () => {
    assert.deepEqual(signals({ pushReported: true }), ['push_reported']);
    assert.deepEqual(signals({ pushReported: false }), []);
  });

  test('signals combine', () =>
    assert.deepEqual(signals({ knownDevice: false, here: LONDON, history: [past(NEW_YORK, HOUR)], failures: 5 }), [
      'new_device',
      'new_country',
      'impossible_travel',
      'recent_failures',
    ]));

  test('great-circle distances', () => {
    assert.ok(Math.abs(distanceKm(40.7128, -74.006, 51.5072, -0.1276) - 5570) < 10);
    assert.equal(distanceKm(10, 20, 10, 20), 0);
    // antipodes: half the circumference
    assert.ok(Math.abs(distanceKm(0, 0, 0, 180) - Math.PI * 6371.0088) < 0.001);
  });
});
