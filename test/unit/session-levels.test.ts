import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Level, SecondFactorName } from '../../src/policy/types.ts';
import { amrOf, meetsRequirement, type Session } from '../../src/session/session.ts';

const NOW = 1_800_000_000_000;
const MIN = 60_000;
const session = (factors: Session['factors']): Session => ({
  v: 1,
  sid: 'a-session',
  user: 'alice',
  createdAt: NOW - 60 * MIN,
  authTime: NOW - 60 * MIN,
  factors,
});

const passwordOnly = session({ pwd: NOW - 5 * MIN });
const withTotp = session({ pwd: NOW - 30 * MIN, totp: NOW - 20 * MIN });
const withRecovery = session({ pwd: NOW - 5 * MIN, recovery: NOW - 1 * MIN });
const withWebauthn = session({ pwd: NOW - 5 * MIN, webauthn: NOW - 1 * MIN, webauthn_uv: NOW - 1 * MIN });
const keyWithoutUv = session({ pwd: NOW - 5 * MIN, webauthn: NOW - 1 * MIN });
const passkeyOnly = session({ webauthn: NOW - 2 * MIN, webauthn_uv: NOW - 2 * MIN });
const provider = session({ oidc: NOW - 5 * MIN });
const providerMfa = session({ oidc: NOW - 5 * MIN, oidc_mfa: NOW - 5 * MIN });

const cases: [string, Session, { level: Level; maxAgeMs?: number; methods?: SecondFactorName[] }, boolean][] = [
  ['identity provider, password level', provider, { level: 'password' }, true],
  ['identity provider, mfa level', provider, { level: 'mfa' }, false],
  ["identity provider's trusted mfa, mfa level", providerMfa, { level: 'mfa' }, true],
  ["identity provider's trusted mfa, max_age 1m", providerMfa, { level: 'mfa', maxAgeMs: MIN }, false],
  ["identity provider's trusted mfa, a rule naming totp", providerMfa, { level: 'mfa', methods: ['totp'] }, false],
  ["identity provider's trusted mfa, phishing_resistant", providerMfa, { level: 'phishing_resistant' }, false],
  ['password session, password level', passwordOnly, { level: 'password' }, true],
  ['password session, mfa level', passwordOnly, { level: 'mfa' }, false],
  ['password proven 5 min ago, max_age 1m', passwordOnly, { level: 'password', maxAgeMs: MIN }, false],
  ['password proven 5 min ago, max_age 10m', passwordOnly, { level: 'password', maxAgeMs: 10 * MIN }, true],
  ['totp session, mfa level', withTotp, { level: 'mfa' }, true],
  ['totp 20 min ago, mfa max_age 15m: step-up', withTotp, { level: 'mfa', maxAgeMs: 15 * MIN }, false],
  ['totp 20 min ago, mfa max_age 0: step-up on every request', withTotp, { level: 'mfa', maxAgeMs: 0 }, false],
  [
    'totp 30 s ago, mfa max_age 0: fresh enough to get back to the page',
    session({ pwd: NOW - MIN, totp: NOW - 30_000 }),
    { level: 'mfa', maxAgeMs: 0 },
    true,
  ],
  [
    'totp 60 s ago, mfa max_age 0: still within the minute',
    session({ pwd: NOW - MIN, totp: NOW - MIN }),
    { level: 'mfa', maxAgeMs: 0 },
    true,
  ],
  [
    'totp 61 s ago, mfa max_age 0: older than the minute',
    session({ pwd: NOW - 2 * MIN, totp: NOW - MIN - 1000 }),
    { level: 'mfa', maxAgeMs: 0 },
    false,
  ],
  ['totp session, methods [webauthn, push]', withTotp, { level: 'mfa', methods: ['webauthn', 'push'] }, false],
  ['totp session, methods [totp]', withTotp, { level: 'mfa', methods: ['totp'] }, true],
  ['totp session, phishing_resistant', withTotp, { level: 'phishing_resistant' }, false],
  ['recovery code, mfa level', withRecovery, { level: 'mfa' }, true],
  ['recovery code, mfa level narrowed to totp', withRecovery, { level: 'mfa', methods: ['totp'] }, false],
  ['webauthn, phishing_resistant', withWebauthn, { level: 'phishing_resistant' }, true],
  ['a key without user verification: mfa', keyWithoutUv, { level: 'mfa' }, true],
  ['a key without user verification: not phishing_resistant', keyWithoutUv, { level: 'phishing_resistant' }, false],
  ['a passkey sign-in alone: password level', passkeyOnly, { level: 'password' }, true],
  ['a passkey sign-in alone: mfa', passkeyOnly, { level: 'mfa', methods: ['webauthn'] }, true],
  ['a passkey sign-in alone: phishing_resistant', passkeyOnly, { level: 'phishing_resistant' }, true],
  [
    'a passkey 2 min ago, phishing_resistant max_age 1m',
    passkeyOnly,
    { level: 'phishing_resistant', maxAgeMs: MIN },
    false,
  ],
  [
    'webauthn, phishing_resistant but methods [totp]',
    withWebauthn,
    { level: 'phishing_resistant', methods: ['totp'] },
    false,
  ],
];

for (const [name, s, req, expected] of cases) {
  test(`level: ${name} -> ${expected ? 'met' : 'not met'}`, () => {
    assert.equal(meetsRequirement(s, req, NOW), expected);
  });
}

test('amr: the methods proven, RFC 8176 words, mfa when more than one', () => {
  assert.deepEqual(amrOf(passwordOnly), ['pwd']);
  assert.deepEqual(amrOf(withTotp), ['pwd', 'otp', 'mfa']);
  assert.deepEqual(amrOf(withRecovery), ['pwd', 'otp', 'mfa']);
  assert.deepEqual(amrOf(withWebauthn), ['pwd', 'hwk', 'mfa']);
  assert.deepEqual(amrOf(passkeyOnly), ['hwk', 'mfa']);
  assert.deepEqual(amrOf(provider), []);
  assert.deepEqual(amrOf(providerMfa), ['mfa']);
});
