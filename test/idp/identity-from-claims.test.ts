/** An ID token's claims to a person, by each provider's rules (pure: the token's checks are openid-client's). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identityFromClaims } from '../../src/idp/identity-from-claims.ts';
import type { ProviderSettings } from '../../src/idp/provider-settings.ts';

const TID = '11111111-2222-3333-4444-555555555555';
const OID = 'aaaaaaaa-0000-0000-0000-000000000007';
const NOW = Date.UTC(2026, 11, 7, 12);

function provider(over: Partial<ProviderSettings> = {}): ProviderSettings {
  return {
    name: 'acme-entra',
    kind: 'entra',
    label: 'Acme',
    issuer: `https://login.microsoftonline.com/${TID}/v2.0`,
    clientId: 'c',
    clientSecret: 's',
    tenant: 'acme',
    claims: { username: 'preferred_username', email: 'email', name: 'name', groups: 'groups' },
    groupNames: new Map([['bbbbbbbb-0000-0000-0000-000000000001', 'techs']]),
    allowedDomains: null,
    entraTenant: TID,
    trustUpstreamMfa: false,
    upstreamMfaMaxAgeMs: 10 * 60_000,
    scopes: 'openid email profile',
    logout: false,
    staleAfterMs: 90 * 86_400_000,
    insecure: false,
    ...over,
  };
}

const carol = {
  sub: 'pairwise-sub',
  tid: TID,
  oid: OID,
  preferred_username: 'Carol@Acme.example',
  email: 'carol@acme.example',
  name: 'Carol Client',
  groups: ['BBBBBBBB-0000-0000-0000-000000000001', 'cccccccc-0000-0000-0000-000000000002', 'bad group!'],
};

test('entra: the person is tid + oid, named by preferred_username, groups by their configured names', () => {
  const r = identityFromClaims(provider(), carol, NOW);
  assert.ok(r.ok);
  assert.deepEqual(r.identity, {
    provider: 'acme-entra',
    subject: `${TID}:${OID}`,
    username: 'carol@acme.example',
    displayName: 'Carol Client',
    email: 'carol@acme.example',
    // a mapped id by its name, an unmapped id as it is, a value no policy could name dropped
    groups: ['techs', 'cccccccc-0000-0000-0000-000000000002'],
    tenant: 'acme',
    upstreamMfa: false,
    // no auth_time: the sign-in is taken as now
    authTime: NOW,
  });
});

test('entra: another directory, missing ids, an overage, a bad name: refused with the reason', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ ...carol, tid: '99999999-2222-3333-4444-555555555555' }, 'foreign_tenant'],
    [{ ...carol, tid: undefined }, 'missing_claim'],
    [{ ...carol, oid: undefined }, 'missing_claim'],
    [{ ...carol, preferred_username: undefined }, 'missing_claim'],
    [{ ...carol, preferred_username: 'carol smith' }, 'bad_username'],
    [
      {
        ...carol,
        groups: undefined,
        _claim_names: { groups: 'src1' },
        _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/...' } },
      },
      'groups_overage',
    ],
  ];
  for (const [claims, reason] of cases) {
    const r = identityFromClaims(provider(), claims, NOW);
    assert.equal(r.ok, false, reason);
    if (!r.ok) assert.equal(r.reason, reason, JSON.stringify(claims).slice(0, 80));
  }
});

test('the e-mail never identifies an entra user: two accounts with one e-mail are two people', () => {
  const a = identityFromClaims(provider(), carol, NOW);
  const b = identityFromClaims(provider(), { ...carol, oid: 'aaaaaaaa-0000-0000-0000-000000000008' }, NOW);
  assert.ok(a.ok && b.ok);
  assert.notEqual(a.identity.subject, b.identity.subject);
});

test('allowed_domains: entra by the user principal name, google by hd, oidc by a verified e-mail', () => {
  const domains = new Set(['acme.example']);
  assert.ok(identityFromClaims(provider({ allowedDomains: domains }), carol, NOW).ok);
  const other = identityFromClaims(
    provider({ allowedDomains: domains }),
    { ...carol, preferred_username: 'eve@evil.example', email: 'carol@acme.example' },
    NOW,
  );
  assert.equal(
    other.ok ? 'ok' : other.reason,
    'domain_not_allowed',
    'an e-mail the directory admin set does not count',
  );

  const google = provider({
    name: 'g',
    kind: 'google',
    entraTenant: null,
    tenant: null,
    allowedDomains: new Set(['msp.example']),
    claims: { username: 'email', email: 'email', name: 'name', groups: 'groups' },
  });
  const dan = { sub: '1234', email: 'dan@msp.example', email_verified: true, name: 'Dan', hd: 'msp.example' };
  assert.ok(identityFromClaims(google, dan, NOW).ok);
  for (const claims of [
    { ...dan, hd: undefined },
    { ...dan, hd: 'gmail.com' },
  ]) {
    const r = identityFromClaims(google, claims, NOW);
    assert.equal(r.ok ? 'ok' : r.reason, 'domain_not_allowed', JSON.stringify(claims));
  }

  const generic = provider({ name: 'kc', kind: 'oidc', entraTenant: null, allowedDomains: new Set(['msp.example']) });
  const erin = { sub: 'e', preferred_username: 'erin', email: 'erin@msp.example', email_verified: true };
  assert.ok(identityFromClaims(generic, erin, NOW).ok);
  const unverified = identityFromClaims(generic, { ...erin, email_verified: false }, NOW);
  assert.equal(unverified.ok ? 'ok' : unverified.reason, 'domain_not_allowed');
  const noSub = identityFromClaims(generic, { ...erin, sub: undefined }, NOW);
  assert.equal(noSub.ok ? 'ok' : noSub.reason, 'missing_claim');
});

test("the provider's mfa counts only when trusted, in amr, and recent", () => {
  const mfa = { ...carol, amr: ['pwd', 'mfa'], auth_time: (NOW - 60_000) / 1000 };
  const mfaOf = (p: ProviderSettings, claims: Record<string, unknown>) => {
    const r = identityFromClaims(p, claims, NOW);
    assert.ok(r.ok);
    return r.identity.upstreamMfa;
  };
  assert.equal(mfaOf(provider(), mfa), false, 'not trusted');
  const trusted = provider({ trustUpstreamMfa: true });
  assert.equal(mfaOf(trusted, mfa), true);
  assert.equal(mfaOf(trusted, { ...mfa, amr: ['pwd'] }), false, 'no mfa in amr');
  assert.equal(mfaOf(trusted, { ...mfa, amr: undefined }), false, "no amr (Entra's v2.0 tokens usually have none)");
  assert.equal(mfaOf(trusted, { ...mfa, auth_time: (NOW - 11 * 60_000) / 1000 }), false, 'too old');
  assert.equal(mfaOf(trusted, { ...mfa, auth_time: undefined }), false, 'no auth_time');
  assert.equal(mfaOf(trusted, { ...mfa, auth_time: (NOW + 10 * 60_000) / 1000 }), false, 'in the future');
});

test("the session's proof is dated when the person authenticated at the provider, never later than now", () => {
  const at = (authTime: unknown) => {
    const r = identityFromClaims(provider(), { ...carol, auth_time: authTime }, NOW);
    assert.ok(r.ok);
    return r.identity.authTime;
  };
  assert.equal(
    at((NOW - 3 * 3_600_000) / 1000),
    NOW - 3 * 3_600_000,
    "a provider's silent single sign-on is not fresh",
  );
  assert.equal(at((NOW + 60_000) / 1000), NOW);
  assert.equal(at('yesterday'), NOW);
});
