/**
 * The one list of second factors (src/authn/factors/index.ts), which the sign-in flow, the prove
 * path and the pages loop over: what a factor must be for them to work without naming it. A new
 * factor that breaks one of these fails here before any page does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Factor } from '../../src/authn/factors/factor.ts';
import { choosable, enrollable, FACTORS, factorOf } from '../../src/authn/factors/index.ts';
import type { FactorRecord } from '../../src/stores/durable.ts';
import { messagesFor } from '../../src/web/i18n/messages.ts';

/** The list as the flow sees it: factors, whatever their names. */
const LIST: readonly Factor[] = FACTORS;
const methods: readonly string[] = LIST.map((f) => f.method);
const enrolMethods: readonly string[] = enrollable().map((f) => f.method);
const chosen: readonly string[] = choosable();

test('each factor has a name of its own, and is found by it', () => {
  assert.equal(new Set(methods).size, methods.length);
  for (const f of LIST) assert.equal(factorOf(f.method), f);
  for (const unknown of ['pwd', 'webauthn_uv', 'sms', '', undefined, 1]) assert.equal(factorOf(unknown), undefined);
});

test('a stand-in is held through the others only: never enrolled, chosen or phishing-resistant', () => {
  for (const f of LIST.filter((x) => x.standsIn)) {
    assert.ok(!enrolMethods.includes(f.method), `${f.method} is not enrolled`);
    assert.ok(!chosen.includes(f.method), `${f.method} is not chosen`);
    assert.equal(f.phishingResistant, false);
    assert.equal(f.holds([], false), false);
  }
  // stand-ins come last: the step-up page lists the factors held first
  const firstStandIn = LIST.findIndex((f) => f.standsIn);
  assert.ok(firstStandIn === -1 || LIST.slice(firstStandIn).every((f) => f.standsIn));
});

test('what can be chosen as the default can be enrolled, and keeps the list order', () => {
  for (const m of chosen) assert.ok(enrolMethods.includes(m), `${m} can be enrolled`);
  assert.deepEqual(
    chosen,
    methods.filter((m) => chosen.includes(m)),
  );
  assert.deepEqual(
    enrolMethods,
    methods.filter((m) => enrolMethods.includes(m)),
  );
});

test("every factor's page texts are in the catalogues, and someone holding no record holds no factor", () => {
  const t = messagesFor('en');
  for (const f of LIST) {
    assert.notEqual(t(f.stepUp.label), f.stepUp.label, `${f.method}: its label is a message`);
    if (f.enrolment) assert.notEqual(t(f.enrolment.setUp), f.enrolment.setUp, `${f.method}: its set-up link`);
    assert.equal(f.holds([], false), false);
    assert.equal(f.holds([], true), false);
  }
});

test('only factors that can meet phishing_resistant hold a record for that level', () => {
  const record = (kind: 'totp' | 'webauthn', data: FactorRecord['data']): FactorRecord => ({
    id: `${kind}-1`,
    user: 'alice',
    kind,
    name: kind,
    secret: null,
    data,
    createdAt: 0,
    lastUsedAt: null,
  });
  const records = [record('totp', null), record('webauthn', { uv: true })];
  for (const f of LIST) if (!f.phishingResistant) assert.equal(f.holds(records, true), false, f.method);
});
