/** `portcullis explain --user` for a user an identity provider signed in: found in the durable store, judged with its groups. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runExplain } from '../../src/cli/explain.ts';
import { openDurable } from '../../src/stores/open.ts';
import { captureIo } from '../cli/fixtures.ts';
import { makeTree } from '../config/fixtures.ts';
import { providerUserRecord } from './fixtures.ts';

const GATEWAY = `server:
  public_url: https://auth.msp.example
stores:
  durable: sqlite:../data/portcullis.db
apps:
  - name: rmm
    tenant: acme
    host: rmm.acme.example
    upstream: http://10.0.0.1:8080
identity_providers:
  - name: acme-entra
    kind: entra
    label: Acme
    issuer: https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0
    client_id: c
    client_secret: s
    tenant: acme
`;
const POLICY = `tenant: acme
rules:
  - name: techs-admin
    hosts: [rmm.acme.example]
    groups: [techs]
    action: authenticate
    require: { level: mfa }
  - name: everyone-else
    hosts: [rmm.acme.example]
    action: deny
`;

test('explain --user finds a provider user in the durable store and judges it by its groups', async (t) => {
  const tree = makeTree({
    'config/gateway.yaml': GATEWAY,
    'policies/10-main.yaml': null,
    'policies/acme.yaml': POLICY,
  });
  t.after(() => tree.remove());
  const durable = await openDurable('sqlite:../data/portcullis.db', tree.path('config'));
  await durable.saveProviderUser(providerUserRecord('pat@acme.example', { groups: ['techs'] }));
  await durable.close();
  const explain = async (user: string) => {
    const io = captureIo();
    const code = await runExplain(
      ['--config', tree.path('config/gateway.yaml'), '--url', 'https://rmm.acme.example/x', '--user', user],
      io,
      {},
    );
    return { code, out: io.stdout.text, err: io.stderr.text };
  };
  const pat = await explain('pat@acme.example');
  assert.equal(pat.code, 0, pat.err);
  assert.match(pat.out, /decision: authenticate, level mfa/);
  assert.match(pat.out, /techs-admin/);
  const nobody = await explain('nobody@acme.example');
  assert.equal(nobody.code, 1);
  assert.match(nobody.err, /unknown user/);
});
