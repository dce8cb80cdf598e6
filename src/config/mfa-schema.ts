import { Type } from '../json-schema.ts';
import { PositiveDuration } from './schema-parts.ts';

/**
 * The `mfa` section of gateway.yaml: the second factors' settings (authenticator apps, security
 * keys and passkeys, push approval).
 */
export const MfaSpec = Type.Object(
  {
    totp: Type.Optional(
      Type.Object(
        {
          issuer: Type.Optional(Type.String()),
          digits: Type.Optional(Type.Union([Type.Literal(6), Type.Literal(8)])),
          period: Type.Optional(Type.Integer({ minimum: 15, maximum: 120 })),
          skew: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
        },
        { additionalProperties: false },
      ),
    ),
    webauthn: Type.Optional(
      Type.Object(
        {
          rp_id: Type.Optional(
            Type.String({
              pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$',
              description:
                "the relying party id: the portal's host name or a parent domain of it (default: the host of server.public_url). Passkeys are bound to it: changing it later strands them",
            }),
          ),
          rp_name: Type.Optional(
            Type.String({ minLength: 1, maxLength: 64, description: 'shown by the authenticator' }),
          ),
          origins: Type.Optional(
            Type.Array(Type.String({ pattern: '^https?://[^/]+$' }), {
              uniqueItems: true,
              description: 'origins allowed besides the origin of server.public_url (where the ceremonies run)',
            }),
          ),
          attestation: Type.Optional(
            Type.Union([Type.Literal('none'), Type.Literal('direct')], {
              description: 'none (default): any authenticator; direct: ask for its attestation (needed for aaguids)',
            }),
          ),
          aaguids: Type.Optional(
            Type.Array(
              Type.String({
                pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
              }),
              {
                minItems: 1,
                uniqueItems: true,
                description: 'only these authenticator models (AAGUIDs) may be registered',
              },
            ),
          ),
          user_verification: Type.Optional(
            Type.Union([Type.Literal('preferred'), Type.Literal('required')], {
              description:
                'preferred (default): a key without PIN or biometrics counts as a second factor; required: every WebAuthn proof needs user verification',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    push: Type.Optional(
      Type.Object(
        {
          subject: Type.String({
            pattern: '^(mailto:[^\\s@]+@[^\\s@]+|https://[^\\s/?#]+(/\\S*)?)$',
            description:
              'who runs this gateway, for the push services (VAPID): a mailto: or https: address they can reach; never localhost (Apple refuses it)',
          }),
          vapid: Type.Optional(
            Type.Object(
              {
                public_key: Type.String({
                  pattern: '^[A-Za-z0-9_-]{87}$',
                  description: 'the uncompressed P-256 public key, base64url (65 bytes)',
                }),
                private_key: Type.String({
                  pattern: '^[A-Za-z0-9_-]{43}$',
                  description: 'the P-256 private key, base64url (32 bytes); give it as ${VAPID_PRIVATE_KEY}',
                }),
              },
              {
                additionalProperties: false,
                description: 'the VAPID key pair; absent: generated at first start into data/vapid.json',
              },
            ),
          ),
          timeout: Type.Optional(
            PositiveDuration('how long a push request waits for an answer (at least 10s, at most 5m)', '60s'),
          ),
          endpoint_hosts: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
              uniqueItems: true,
              default: [],
              description:
                "push services besides the browsers' own (Google FCM, Mozilla, Apple, Microsoft): a host name (https only) or an origin such as http://127.0.0.1:8095 (a self-hosted service)",
            }),
          ),
          link_hosts: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
              uniqueItems: true,
              default: [],
              description:
                'the hosts a link channel may post to (ntfy.sh, hooks.slack.com, a Teams workflow host): a host name (https only) or an origin; default none',
            }),
          ),
          alert_webhook: Type.Optional(
            Type.String({
              pattern: '^https?://[^\\s/?#]+(/[^\\s#]*)?$',
              description: 'posted a JSON alert when a user reports a push as not theirs',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
