import { Type } from '../json-schema.ts';
import { Duration, PositiveDuration } from './schema-parts.ts';

/** How the gateway talks to an app's upstream (docs/configuration.md#upstream-options). */
export const UpstreamOptionsSpec = Type.Object(
  {
    connections: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 4096,
        description: 'most connections open to the upstream at once (default 128); more requests wait',
      }),
    ),
    keep_alive: Type.Optional(
      Type.Union([
        Duration('how long an idle connection to the upstream is kept for reuse (default 60s; 0: never reused)'),
        Type.Literal(0),
      ]),
    ),
    connect_timeout: Type.Optional(
      PositiveDuration('opening a connection (and its TLS handshake) takes longer: 504', '10s'),
    ),
    headers_timeout: Type.Optional(
      PositiveDuration("the upstream's status and headers take longer after the request was sent: 504", '60s'),
    ),
    body_timeout: Type.Optional(
      PositiveDuration('no byte of the response body for this long: the response is cut', '5m'),
    ),
    tls: Type.Optional(
      Type.Object(
        {
          ca: Type.Optional(
            Type.String({
              minLength: 1,
              description:
                "PEM file of the certificates trusted for this upstream instead of the system's (a private CA, or its self-signed certificate)",
            }),
          ),
          pin_sha256: Type.Optional(
            Type.Array(
              Type.String({
                pattern: '^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$',
                description:
                  "the SHA-256 fingerprint of the upstream's certificate, as openssl x509 -fingerprint -sha256 prints it",
              }),
              {
                minItems: 1,
                maxItems: 8,
                description: 'the upstream must show one of these certificates (whoever signed it)',
              },
            ),
          ),
          server_name: Type.Optional(
            Type.String({
              pattern: '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$',
              description: "the name the upstream's certificate must carry (default: the upstream URL's host)",
            }),
          ),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
    ),
  },
  { additionalProperties: false },
);
