import { Type } from '../json-schema.ts';
import { Duration } from './schema-parts.ts';

const Claim = (description: string) => Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$', description });

/**
 * `identity_providers`: a first factor from an OpenID Connect provider (contract section 10,
 * docs/identity-providers.md). Checked further when the state is built (idp/provider-settings.ts).
 */
export const IdentityProviderSpec = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
      description: 'the provider in addresses (/.portcullis/oidc/<name>/callback), logs and the audit',
    }),
    kind: Type.Union([Type.Literal('entra'), Type.Literal('google'), Type.Literal('oidc')], {
      description: 'entra (Microsoft Entra ID), google (Google Workspace) or oidc (any OpenID Connect provider)',
    }),
    label: Type.String({
      minLength: 1,
      maxLength: 80,
      description: 'shown as "Sign in with <label>" on the login page',
    }),
    issuer: Type.String({
      pattern: '^https?://[^\\s?#]+$',
      description:
        'the issuer: https://login.microsoftonline.com/<tenant-id>/v2.0 for entra, https://accounts.google.com for google; http only on loopback',
    }),
    client_id: Type.String({ minLength: 1, maxLength: 256 }),
    client_secret: Type.String({ minLength: 1, maxLength: 1024, description: 'write ${VARIABLE}: never commit it' }),
    tenant: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9_-]*$',
        description: "its users belong to this client tenant; absent: the MSP's staff",
      }),
    ),
    claims: Type.Optional(
      Type.Object(
        {
          username: Type.Optional(Claim('the user name (default preferred_username; google: email)')),
          email: Type.Optional(Claim('default email')),
          name: Type.Optional(Claim('default name')),
          groups: Type.Optional(Claim('default groups (entra: group object ids or app roles: roles)')),
        },
        { additionalProperties: false },
      ),
    ),
    group_names: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Type.String({ pattern: '^[A-Za-z0-9_.:-]+$' }), {
        description: "the policy's name for a group the provider names by id (Entra's object ids)",
      }),
    ),
    allowed_domains: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z0-9.-]+\\.[a-z]{2,}$' }), {
        minItems: 1,
        uniqueItems: true,
        description:
          "google: the Workspace domain (the token's hd claim); entra and oidc: the domain of a verified e-mail",
      }),
    ),
    trust_upstream_mfa: Type.Optional(
      Type.Boolean({
        description:
          'an id_token whose amr holds mfa, signed in within upstream_mfa_max_age, meets level mfa (never phishing_resistant)',
      }),
    ),
    upstream_mfa_max_age: Type.Optional(
      Duration('how fresh the upstream sign-in must be for its mfa to count (default 10m)'),
    ),
    scopes: Type.Optional(
      Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }), {
        uniqueItems: true,
        description: 'scopes asked besides openid (default: email profile)',
      }),
    ),
    logout: Type.Optional(
      Type.Boolean({ description: 'signing out also signs out at the provider (its end_session_endpoint)' }),
    ),
    stale_after: Type.Optional(
      Duration('a user of this provider not seen for this long is a stale-account finding', '90d'),
    ),
  },
  { additionalProperties: false },
);
