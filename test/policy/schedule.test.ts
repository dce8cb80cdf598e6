/**
 * Table tests of the `schedule` criterion (src/policy/criteria/schedule.ts): fixed UTC instants
 * against schedules in several time zones, compile errors located through compilePolicies, and
 * one rule evaluated end to end. No wall clock.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compilePolicies, type PolicySource } from '../../src/policy/compile.ts';
import { type ScheduleSpec, schedule } from '../../src/policy/criteria/schedule.ts';
import { evaluate } from '../../src/policy/evaluate.ts';
import type { PolicyFile } from '../../src/policy/schema.ts';
import type { AppFacts, CompileContext, RequestFacts } from '../../src/policy/types.ts';
import { Verdict } from '../../src/policy/types.ts';

const APP: AppFacts = Object.freeze({
  name: 'psa',
  tenant: null,
  host: 'psa.msp.example',
  caseInsensitivePaths: false,
});

const facts = (now?: string): RequestFacts => ({
  host: 'psa.msp.example',
  path: '/',
  method: 'GET',
  app: APP,
  user: null,
  ip: '192.0.2.1',
  ...(now === undefined ? {} : { now: Date.parse(now) }),
});

function compileOk(spec: ScheduleSpec) {
  const errors: string[] = [];
  const ctx: CompileContext = {
    networks: new Map(),
    error: (at, m) => errors.push(`${at.join('.')}: ${m}`),
    warn: (at, m) => errors.push(`${at.join('.')}: ${m}`),
  };
  const matcher = schedule.compile(spec, ctx);
  assert.deepEqual(errors, []);
  return matcher;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];
const OFFICE = '08:00-18:00';

// 2024-03-04 is a Monday; 2024-03-08 a Friday. EU DST starts 2024-03-31 01:00Z and ends
// 2024-10-27 01:00Z; US DST starts 2024-03-10 07:00Z.
const ROWS: { name: string; spec: ScheduleSpec; at: string; match: boolean }[] = [
  // weekdays, UTC (the default tz)
  { name: 'UTC Fri noon, weekdays', spec: { days: WEEKDAYS }, at: '2024-03-08T12:00Z', match: true },
  { name: 'UTC Sat noon, weekdays', spec: { days: WEEKDAYS }, at: '2024-03-09T12:00Z', match: false },
  { name: 'UTC Sun 23:59, weekdays', spec: { days: WEEKDAYS }, at: '2024-03-10T23:59Z', match: false },
  { name: 'UTC Mon 00:00, weekdays', spec: { days: WEEKDAYS }, at: '2024-03-11T00:00Z', match: true },
  { name: 'explicit tz UTC', spec: { days: ['sat'], tz: 'UTC' }, at: '2024-03-09T12:00Z', match: true },
  // weekdays in Europe/Amsterdam (UTC+1 in March before DST)
  {
    name: 'AMS Fri 23:30Z is Sat 00:30 local',
    spec: { days: WEEKDAYS, tz: 'Europe/Amsterdam' },
    at: '2024-03-08T23:30Z',
    match: false,
  },
  {
    name: 'AMS Sun 23:30Z is Mon 00:30 local',
    spec: { days: WEEKDAYS, tz: 'Europe/Amsterdam' },
    at: '2024-03-10T23:30Z',
    match: true,
  },
  // weekdays in America/New_York (UTC-5 before DST)
  {
    name: 'NY Sat 03:00Z is Fri 22:00 local',
    spec: { days: ['fri'], tz: 'America/New_York' },
    at: '2024-03-09T03:00Z',
    match: true,
  },
  {
    name: 'NY Sat 05:00Z is Sat 00:00 local',
    spec: { days: ['fri'], tz: 'America/New_York' },
    at: '2024-03-09T05:00Z',
    match: false,
  },
  // 08:00-18:00 boundaries, UTC
  { name: 'UTC 07:59', spec: { hours: OFFICE }, at: '2024-03-08T07:59Z', match: false },
  { name: 'UTC 08:00', spec: { hours: OFFICE }, at: '2024-03-08T08:00Z', match: true },
  { name: 'UTC 17:59', spec: { hours: OFFICE }, at: '2024-03-08T17:59Z', match: true },
  { name: 'UTC 18:00', spec: { hours: OFFICE }, at: '2024-03-08T18:00Z', match: false },
  { name: 'hours alone: any day (Sun)', spec: { hours: OFFICE }, at: '2024-03-10T12:00Z', match: true },
  // 08:00-18:00 in Amsterdam, winter (UTC+1)
  { name: 'AMS 07:59 local', spec: { hours: OFFICE, tz: 'Europe/Amsterdam' }, at: '2024-03-08T06:59Z', match: false },
  { name: 'AMS 08:00 local', spec: { hours: OFFICE, tz: 'Europe/Amsterdam' }, at: '2024-03-08T07:00Z', match: true },
  { name: 'AMS 17:59 local', spec: { hours: OFFICE, tz: 'Europe/Amsterdam' }, at: '2024-03-08T16:59Z', match: true },
  { name: 'AMS 18:00 local', spec: { hours: OFFICE, tz: 'Europe/Amsterdam' }, at: '2024-03-08T17:00Z', match: false },
  // Amsterdam on the spring-forward day (Sun 2024-03-31, UTC+2 from 01:00Z)
  {
    name: 'AMS DST day 07:59 CEST',
    spec: { days: ['sun'], hours: OFFICE, tz: 'Europe/Amsterdam' },
    at: '2024-03-31T05:59Z',
    match: false,
  },
  {
    name: 'AMS DST day 08:00 CEST',
    spec: { days: ['sun'], hours: OFFICE, tz: 'Europe/Amsterdam' },
    at: '2024-03-31T06:00Z',
    match: true,
  },
  {
    name: 'AMS DST day 17:59 CEST',
    spec: { days: ['sun'], hours: OFFICE, tz: 'Europe/Amsterdam' },
    at: '2024-03-31T15:59Z',
    match: true,
  },
  {
    name: 'AMS DST day 18:00 CEST',
    spec: { days: ['sun'], hours: OFFICE, tz: 'Europe/Amsterdam' },
    at: '2024-03-31T16:00Z',
    match: false,
  },
  // Amsterdam on the fall-back day (Sun 2024-10-27): 02:00-03:00 local happens twice
  {
    name: 'AMS fall-back 02:30 CEST',
    spec: { hours: '02:00-03:00', tz: 'Europe/Amsterdam' },
    at: '2024-10-27T00:30Z',
    match: true,
  },
  {
    name: 'AMS fall-back 02:30 CET (again)',
    spec: { hours: '02:00-03:00', tz: 'Europe/Amsterdam' },
    at: '2024-10-27T01:30Z',
    match: true,
  },
  {
    name: 'AMS fall-back 03:30 CET',
    spec: { hours: '02:00-03:00', tz: 'Europe/Amsterdam' },
    at: '2024-10-27T02:30Z',
    match: false,
  },
  // New York across its spring-forward (Sun 2024-03-10 07:00Z): EST -5, then EDT -4
  { name: 'NY Fri 08:00 EST', spec: { hours: OFFICE, tz: 'America/New_York' }, at: '2024-03-08T13:00Z', match: true },
  { name: 'NY Fri 07:59 EST', spec: { hours: OFFICE, tz: 'America/New_York' }, at: '2024-03-08T12:59Z', match: false },
  { name: 'NY Mon 08:00 EDT', spec: { hours: OFFICE, tz: 'America/New_York' }, at: '2024-03-11T12:00Z', match: true },
  { name: 'NY Mon 07:59 EDT', spec: { hours: OFFICE, tz: 'America/New_York' }, at: '2024-03-11T11:59Z', match: false },
  { name: 'NY Mon 18:00 EDT', spec: { hours: OFFICE, tz: 'America/New_York' }, at: '2024-03-11T22:00Z', match: false },
  // midnight-crossing range: the day is the local day of the range's start
  { name: 'fri 22-06: Fri 23:00', spec: { days: ['fri'], hours: '22:00-06:00' }, at: '2024-03-08T23:00Z', match: true },
  { name: 'fri 22-06: Fri 22:00', spec: { days: ['fri'], hours: '22:00-06:00' }, at: '2024-03-08T22:00Z', match: true },
  { name: 'fri 22-06: Sat 05:59', spec: { days: ['fri'], hours: '22:00-06:00' }, at: '2024-03-09T05:59Z', match: true },
  {
    name: 'fri 22-06: Sat 06:00',
    spec: { days: ['fri'], hours: '22:00-06:00' },
    at: '2024-03-09T06:00Z',
    match: false,
  },
  {
    name: 'fri 22-06: Sat 23:00',
    spec: { days: ['fri'], hours: '22:00-06:00' },
    at: '2024-03-09T23:00Z',
    match: false,
  },
  {
    name: 'fri 22-06: Thu 23:00',
    spec: { days: ['fri'], hours: '22:00-06:00' },
    at: '2024-03-07T23:00Z',
    match: false,
  },
  {
    name: 'fri 22-06: Fri 05:00',
    spec: { days: ['fri'], hours: '22:00-06:00' },
    at: '2024-03-08T05:00Z',
    match: false,
  },
  {
    name: 'fri 22-06: Fri 12:00',
    spec: { days: ['fri'], hours: '22:00-06:00' },
    at: '2024-03-08T12:00Z',
    match: false,
  },
  {
    name: 'sun 22-06 NY: Mon 01:00 local',
    spec: { days: ['sun'], hours: '22:00-06:00', tz: 'America/New_York' },
    at: '2024-03-11T05:00Z',
    match: true,
  },
  // midnight-crossing without days: evening and early morning, every day
  { name: '22-06: 23:30', spec: { hours: '22:00-06:00' }, at: '2024-03-06T23:30Z', match: true },
  { name: '22-06: 00:00', spec: { hours: '22:00-06:00' }, at: '2024-03-06T00:00Z', match: true },
  { name: '22-06: 12:00', spec: { hours: '22:00-06:00' }, at: '2024-03-06T12:00Z', match: false },
  // 24:00 as the end
  { name: '18-24: 23:59', spec: { hours: '18:00-24:00' }, at: '2024-03-06T23:59Z', match: true },
  { name: '18-24: 00:00', spec: { hours: '18:00-24:00' }, at: '2024-03-07T00:00Z', match: false },
  { name: '00-24: 00:00', spec: { days: ['thu'], hours: '00:00-24:00' }, at: '2024-03-07T00:00Z', match: true },
];

describe('schedule matches on the wall clock of its time zone', () => {
  for (const row of ROWS) {
    test(`${row.name} -> ${row.match ? 'yes' : 'no'}`, () => {
      const matcher = compileOk(row.spec);
      assert.equal(matcher(facts(row.at)), row.match ? Verdict.Yes : Verdict.No);
    });
  }

  test('no `now` (no clock): never matches', () => {
    for (const spec of [{ hours: '00:00-24:00' }, { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] }])
      assert.equal(compileOk(spec)(facts()), Verdict.No);
  });

  test('is not an identity criterion, and reports schedule-matched', () => {
    assert.equal(schedule.identity, false);
    assert.equal(schedule.reason, 'schedule-matched');
  });
});

const source = (rules: object[]): PolicySource => ({
  name: 'f.yaml',
  data: { rules } as PolicyFile,
  locate: (path) => `f.yaml:${path.join('.')}`,
});

const rule = (when: object) => ({ name: 'r', hosts: ['psa.msp.example'], when, action: 'allow' });

describe('schedule compile errors, located', () => {
  const CASES: { name: string; schedule: object; error: string }[] = [
    {
      name: 'unknown tz',
      schedule: { hours: OFFICE, tz: 'Mars/Olympus_Mons' },
      error: "f.yaml:rules.0.when.schedule.tz: unknown time zone 'Mars/Olympus_Mons'",
    },
    {
      name: 'hours out of range',
      schedule: { hours: '25:00-26:00' },
      error: "f.yaml:rules.0.when.schedule.hours: bad hours '25:00-26:00'",
    },
    {
      name: '24:00 as a start',
      schedule: { hours: '24:00-06:00' },
      error: "f.yaml:rules.0.when.schedule.hours: bad hours '24:00-06:00'",
    },
    {
      name: 'start equals end',
      schedule: { days: ['mon'], hours: '08:00-08:00' },
      error: "f.yaml:rules.0.when.schedule.hours: bad hours '08:00-08:00': start and end are equal",
    },
    {
      name: 'empty schedule',
      schedule: {},
      error: 'f.yaml:rules.0.when.schedule: a schedule needs days, hours or both',
    },
    {
      name: 'tz alone',
      schedule: { tz: 'Europe/Amsterdam' },
      error: 'f.yaml:rules.0.when.schedule: a schedule needs days, hours or both',
    },
  ];
  for (const c of CASES) {
    test(c.name, () => {
      const { problems } = compilePolicies([source([rule({ schedule: c.schedule })])], [APP]);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]?.severity, 'error');
      assert.ok(problems[0]?.message.startsWith(c.error), problems[0]?.message);
    });
  }

  test('a valid schedule compiles without problems', () => {
    const { problems } = compilePolicies(
      [source([rule({ schedule: { days: ['fri'], hours: '22:00-06:00', tz: 'Europe/Amsterdam' } })])],
      [APP],
    );
    assert.deepEqual(problems, []);
  });
});

describe('a rule with when: { schedule } through compilePolicies + evaluate', () => {
  const { policy, problems } = compilePolicies(
    [
      source([
        rule({ schedule: { days: WEEKDAYS, hours: OFFICE, tz: 'Europe/Amsterdam' } }),
        { name: 'otherwise', hosts: ['psa.msp.example'], action: 'deny' },
      ]),
    ],
    [APP],
  );

  test('compiles cleanly', () => assert.deepEqual(problems, []));

  const CASES: { at?: string; action: string; rule: string }[] = [
    { at: '2024-03-08T09:00Z', action: 'allow', rule: 'r' }, // Fri 10:00 Amsterdam
    { at: '2024-03-08T17:30Z', action: 'deny', rule: 'otherwise' }, // Fri 18:30 Amsterdam
    { at: '2024-03-09T09:00Z', action: 'deny', rule: 'otherwise' }, // Sat
    { action: 'deny', rule: 'otherwise' }, // no clock
  ];
  for (const c of CASES) {
    test(`${c.at ?? 'no now'} -> ${c.action} by ${c.rule}`, () => {
      const d = evaluate(policy, facts(c.at));
      assert.equal(d.action, c.action);
      assert.equal(d.rule?.name, c.rule);
      if (c.action === 'allow') assert.ok(d.reasons.includes('schedule-matched'), String(d.reasons));
    });
  }
});
