/** The OpenID Provider and the provider entry the identity-provider tests share (an Entra-like directory). */
import type { ProviderUserRecord } from '../../src/stores/durable.ts';
import type { OpAccount, TestOp } from '../helpers/oidc-provider.ts';
import { startTestOp } from '../helpers/oidc-provider.ts';

export const TID = '11111111-2222-3333-4444-555555555555';
export const TECHS = 'bbbbbbbb-0000-0000-0000-000000000001';
export const SECRET = 'op-secret-for-tests';
export const START = 'http://portal.test/.portcullis/oidc/acme-entra/start';

export const pat: OpAccount = {
  sub: 'pairwise-pat',
  claims: {
    tid: TID,
    oid: 'aaaaaaaa-0000-0000-0000-000000000001',
    preferred_username: 'Pat@Acme.example',
    email: 'pat@acme.example',
    name: 'Pat Client',
    groups: [TECHS, 'cccccccc-0000-0000-0000-000000000002'],
  },
};

export function provider(op: TestOp, over: Record<string, unknown> = {}) {
  return {
    name: 'acme-entra',
    kind: 'entra',
    label: 'Acme (Microsoft)',
    issuer: op.issuer,
    client_id: 'portcullis',
    client_secret: SECRET,
    tenant: 'acme',
    group_names: { [TECHS]: 'techs' },
    ...over,
  };
}

export async function startOp(): Promise<TestOp> {
  return startTestOp({
    path: `/${TID}/v2.0`,
    clients: [
      {
        client_id: 'portcullis',
        client_secret: SECRET,
        redirect_uris: ['http://portal.test/.portcullis/oidc/acme-entra/callback'],
        post_logout_redirect_uris: ['http://portal.test/.portcullis/logout'],
      },
    ],
  });
}

/** A provider user as the durable store keeps it: an acme user of acme-entra, seen at time 1, unless `over` says otherwise. */
export function providerUserRecord(user: string, over: Partial<ProviderUserRecord> = {}): ProviderUserRecord {
  return {
    user,
    provider: 'acme-entra',
    subject: `tid:${user}`,
    tenant: 'acme',
    displayName: user,
    email: null,
    groups: [],
    createdAt: 1,
    lastSeenAt: 1,
    ...over,
  };
}

/** acme's rule for pages that want a recent sign-in (level password within 30 minutes). */
export const FRESH_RULE = {
  name: 'acme-fresh',
  hosts: ['acme.test'],
  paths: ['/fresh/**'],
  action: 'authenticate',
  require: { level: 'password', max_age: '30m' },
};
