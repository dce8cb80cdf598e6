/**
 * The provider kinds' own rules through the pages: the provider's MFA where it is trusted
 * (trust_upstream_mfa), and a Google Workspace provider (hd in allowed_domains).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { DEFAULT_POLICY, startTestGateway } from '../helpers/gateway.ts';
import { IdpBrowser } from '../helpers/idp-browser.ts';
import { type OpAccount, startTestOp } from '../helpers/oidc-provider.ts';
import { pat, provider, SECRET, START, startOp } from './fixtures.ts';

describe("the provider's own MFA (trust_upstream_mfa)", () => {
  test('a token whose amr holds mfa meets level mfa; without it the gateway asks its own second factor', async (t) => {
    const op = await startOp();
    t.after(() => op.close());
    const gw = await startTestGateway({
      clock: new ManualClock(Date.now()),
      gateway: { identity_providers: [provider(op, { trust_upstream_mfa: true })] },
      policies: {
        '00-msp.yaml': DEFAULT_POLICY,
        'acme.yaml': {
          tenant: 'acme',
          rules: [{ name: 'acme-mfa', hosts: ['acme.test'], action: 'authenticate', require: { level: 'mfa' } }],
        },
      },
    });
    t.after(() => gw.close());
    const reach = async (account: OpAccount) => {
      op.signInAs(account);
      const b = new IdpBrowser(gw);
      const { landed } = await b.signIn(`${START}?rd=${encodeURIComponent('http://acme.test/x')}`);
      return landed;
    };
    const withMfa = await reach({ ...pat, claims: { ...pat.claims, amr: ['pwd', 'mfa'] } });
    assert.equal(withMfa, 'http://acme.test/x', 'on to the app: the provider did the second factor');
    const without = await reach({
      sub: 'no-mfa',
      claims: { ...pat.claims, oid: 'o-no-mfa', preferred_username: 'nomfa@acme.example', amr: ['pwd'] },
    });
    assert.match(String(without), /\/\.portcullis\/enroll\?rd=/, 'no factor yet: enrolment first');
  });
});

describe('a Google Workspace provider for the MSP staff', () => {
  test('hd must be an allowed domain: the Workspace account signs in, a gmail.com account (no hd) is refused', async (t) => {
    const op = await startTestOp({
      clients: [
        {
          client_id: 'portcullis-google',
          client_secret: SECRET,
          redirect_uris: ['http://portal.test/.portcullis/oidc/msp-google/callback'],
        },
      ],
    });
    t.after(() => op.close());
    const gw = await startTestGateway({
      clock: new ManualClock(Date.now()),
      gateway: {
        identity_providers: [
          {
            name: 'msp-google',
            kind: 'google',
            label: 'Google',
            issuer: op.issuer,
            client_id: 'portcullis-google',
            client_secret: SECRET,
            allowed_domains: ['msp.example'],
          },
        ],
      },
      policies: {
        '00-msp.yaml': {
          rules: [{ name: 'staff', hosts: ['app.test'], action: 'authenticate', require: { level: 'password' } }],
        },
      },
    });
    t.after(() => gw.close());
    const start = `http://portal.test/.portcullis/oidc/msp-google/start?rd=${encodeURIComponent('http://app.test/x')}`;
    const dan = {
      sub: '10769150350006150715113082367',
      claims: { email: 'dan@msp.example', email_verified: true, name: 'Dan', hd: 'msp.example' },
    };
    op.signInAs(dan);
    const staff = new IdpBrowser(gw);
    const { landed } = await staff.signIn(start);
    assert.equal(landed, 'http://app.test/x');
    const user = await gw.runtime.durable.getProviderUser('dan@msp.example');
    assert.equal(user?.subject, dan.sub);
    assert.equal(user?.tenant, null, "the MSP's staff");

    op.signInAs({ sub: '2', claims: { email: 'mallory@gmail.com', email_verified: true, name: 'Mallory' } });
    const outsider = new IdpBrowser(gw);
    const { callback } = await outsider.signIn(start);
    assert.equal(callback.status, 403);
    assert.equal(await gw.runtime.durable.getProviderUser('mallory@gmail.com'), null);
  });
});
