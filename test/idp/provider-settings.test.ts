/** identity_providers read at config load: presets, and what is refused, located. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfigFiles } from '../../src/config/load.ts';
import { buildState } from '../../src/state.ts';
import { makeTree } from '../config/fixtures.ts';

const TENANT_ID = '11111111-2222-3333-4444-555555555555';

function gateway(providers: string): string {
  return `server:
  public_url: https://auth.example.com
apps:
  - name: rmm
    tenant: acme
    host: rmm.acme.example
    upstream: http://10.0.0.1:8080
identity_providers:
${providers}`;
}

async function build(providers: string) {
  const tree = makeTree({ 'config/gateway.yaml': gateway(providers) });
  try {
    return buildState(await loadConfigFiles(tree.path('config/gateway.yaml'), {}));
  } finally {
    tree.remove();
  }
}

async function problems(providers: string): Promise<string[]> {
  const err = await build(providers).then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, String(err));
  return err.problems;
}

const entra = (issuer = `https://login.microsoftonline.com/${TENANT_ID}/v2.0`, extra = '') => `  - name: acme-entra
    kind: entra
    label: Acme (Microsoft)
    issuer: ${issuer}
    client_id: abc
    client_secret: s3cret
    tenant: acme
${extra}`;

test('an entra provider: its directory from the issuer, the default claims, groups named by id', async () => {
  const state = await build(
    entra(
      undefined,
      `    group_names: { "AAAAAAAA-0000-0000-0000-000000000001": techs }
    trust_upstream_mfa: true
    upstream_mfa_max_age: 5m`,
    ),
  );
  const p = state.providers.get('acme-entra');
  assert.ok(p);
  assert.equal(p.entraTenant, TENANT_ID);
  assert.equal(p.tenant, 'acme');
  assert.deepEqual(p.claims, { username: 'preferred_username', email: 'email', name: 'name', groups: 'groups' });
  assert.equal(p.groupNames.get('aaaaaaaa-0000-0000-0000-000000000001'), 'techs', 'ids compared in lower case');
  assert.equal(p.trustUpstreamMfa, true);
  assert.equal(p.upstreamMfaMaxAgeMs, 5 * 60_000);
  assert.equal(p.scopes, 'openid email profile');
  assert.equal(p.insecure, false);
  assert.ok(state.ownCookies.has('__Host-portcullis_oidc'), 'the sign-in cookie never reaches an app');
});

test("a policy's group that only a provider maps to is no unknown group", async () => {
  const tree = makeTree({
    'config/gateway.yaml': gateway(
      entra(undefined, '    group_names: { "aaaaaaaa-0000-0000-0000-000000000001": techs }'),
    ),
    'policies/acme.yaml': `tenant: acme
rules:
  - name: techs
    hosts: [rmm.acme.example]
    groups: [techs, nobody-has-this]
    action: authenticate
    require: { level: mfa }
`,
  });
  try {
    const state = buildState(await loadConfigFiles(tree.path('config/gateway.yaml'), {}));
    const unknown = state.warnings.filter((w) => w.includes('no user in users.yaml is in group'));
    assert.equal(unknown.length, 1, unknown.join('; '));
    assert.match(unknown[0] ?? '', /'nobody-has-this'/);
  } finally {
    tree.remove();
  }
});

test('google and a generic provider; http only on loopback', async () => {
  const state = await build(`  - name: staff-google
    kind: google
    label: Google
    issuer: https://accounts.google.com
    client_id: g
    client_secret: s
    allowed_domains: [msp.example]
  - name: keycloak
    kind: oidc
    label: Keycloak
    issuer: http://127.0.0.1:8081/realms/msp
    client_id: k
    client_secret: s
    scopes: [email, profile, groups]
    claims: { groups: roles }`);
  const google = state.providers.get('staff-google');
  assert.equal(google?.claims.username, 'email');
  assert.deepEqual([...(google?.allowedDomains ?? [])], ['msp.example']);
  const keycloak = state.providers.get('keycloak');
  assert.equal(keycloak?.insecure, true);
  assert.equal(keycloak?.claims.groups, 'roles');
  assert.equal(keycloak?.scopes, 'openid email profile groups');
});

test('refused, located: a multi-tenant entra issuer, http elsewhere than loopback, google without domains, a name twice, secrets elsewhere', async () => {
  for (const issuer of [
    'https://login.microsoftonline.com/common/v2.0',
    'https://login.microsoftonline.com/organizations/v2.0',
    `https://login.microsoftonline.com/${TENANT_ID}`,
  ]) {
    const found = await problems(entra(issuer));
    assert.ok(
      found.some((p) => /gateway\.yaml:\d+:\d+: an entra issuer names one directory/.test(p)),
      `${issuer}: ${found.join('; ')}`,
    );
  }
  const http = await problems(entra(`http://idp.example/${TENANT_ID}/v2.0`));
  assert.ok(
    http.some((p) => p.includes('an issuer must be https')),
    http.join('; '),
  );
  const google = await problems(`  - name: g
    kind: google
    label: Google
    issuer: https://accounts.google.com
    client_id: g
    client_secret: s`);
  assert.ok(
    google.some((p) => p.includes('a google provider needs allowed_domains')),
    google.join('; '),
  );
  const twice = await problems(`${entra()}${entra().replace('label: Acme (Microsoft)', 'label: Again')}`);
  assert.ok(
    twice.some((p) => p.includes("another identity provider is named 'acme-entra'")),
    twice.join('; '),
  );
  const unknown = await problems(entra(undefined, '    password: nope'));
  assert.ok(
    unknown.some((p) => /password/.test(p)),
    unknown.join('; '),
  );
  const mfaAge = await problems(entra(undefined, '    upstream_mfa_max_age: 5m'));
  assert.ok(
    mfaAge.some((p) => p.includes('only with trust_upstream_mfa')),
    mfaAge.join('; '),
  );
});
