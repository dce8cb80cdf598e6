import { type Static, Type } from '../json-schema.ts';
import { LOCALES } from '../web/i18n/locales.ts';
import { IdentityProviderSpec } from './idp-schema.ts';
import { MfaSpec } from './mfa-schema.ts';
import { Duration, PositiveDuration } from './schema-parts.ts';
import { UpstreamOptionsSpec } from './upstream-schema.ts';

/**
 * The schema of gateway.yaml and users.yaml, in the same schema language (TypeBox, i.e. JSON
 * Schema) as the HTTP routes. `portcullis schema` prints these.
 */

const HostPort = Type.String({
  pattern: '^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$',
  description: 'host:port',
});
const HttpUrl = Type.String({ pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$' });

export const AppHeaders = Type.Object(
  {
    user: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]+$', default: 'Remote-User' })),
    groups: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]+$', default: 'Remote-Groups' })),
    email: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]+$', default: 'Remote-Email' })),
    name: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]+$', default: 'Remote-Name' })),
  },
  { additionalProperties: false },
);

/** Whom people ask for help, shown on refusal and error pages: at least one of a web page, an e-mail address, a phone number. */
const Support = (description: string) =>
  Type.Object(
    {
      url: Type.Optional(
        Type.String({
          maxLength: 2048,
          pattern: '^https?://[^\\s/?#<>"]+(/[^\\s<>"]*)?$',
          description: 'a help desk page (http or https)',
        }),
      ),
      email: Type.Optional(
        Type.String({
          maxLength: 254,
          pattern:
            '^[A-Za-z0-9.!#$%&*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$',
          description: 'a help desk address (a mailto: link)',
        }),
      ),
      phone: Type.Optional(
        Type.String({
          pattern: '^\\+?[0-9(][0-9 ()./-]{2,30}$',
          description: 'a help desk number: digits, an optional leading +, spaces and ( ) . / - (a tel: link)',
        }),
      ),
    },
    { additionalProperties: false, minProperties: 1, description },
  );

export const AppSpec = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'the app name; the audience of the assertion' }),
    tenant: Type.Optional(
      Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'absent: an app of the MSP itself' }),
    ),
    host: Type.String({
      pattern: '^(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?$',
      description: 'exact host or "*.example.com"',
    }),
    upstream: Type.String({
      pattern: '^(https?://[^\\s/?#]+/?|builtin:whoami)$',
      description: 'http(s)://host:port of the app, or builtin:whoami',
    }),
    websocket: Type.Optional(Type.Boolean({ default: false })),
    case_insensitive_paths: Type.Optional(
      Type.Boolean({ default: false, description: 'paths are matched without regard to case' }),
    ),
    headers: Type.Optional(AppHeaders),
    assertion: Type.Optional(Type.Boolean({ default: true, description: 'send X-Portcullis-Assertion' })),
    upstream_options: Type.Optional(UpstreamOptionsSpec),
  },
  { additionalProperties: false },
);

/** The language and time zone of the portal pages: the MSP's default, or a client's for its users. */
/** A brand colour: the accent of the audit report's cover (docs/audit.md). */
const ReportColor = (whose: string) =>
  Type.String({
    pattern: '^#[0-9a-fA-F]{6}$',
    description: `the colour of ${whose} as #rrggbb: the accent of its audit report (the portal pages keep theirs)`,
  });

const PageLocaleSpec = {
  language: Type.Optional(
    Type.Union(
      LOCALES.map((l) => Type.Literal(l)),
      {
        description:
          "the pages' language instead of the browser's (en, de, fr, es, nl); a person can still choose another on the page",
      },
    ),
  ),
  time_zone: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'IANA time zone for dates and times on the pages, e.g. Europe/Berlin (default UTC)',
    }),
  ),
};

export const GatewayFile = Type.Object(
  {
    server: Type.Object(
      {
        listen: Type.Optional(HostPort),
        public_url: HttpUrl,
        trusted_proxies: Type.Optional(Type.Array(Type.String(), { default: [] })),
        admin_listen: Type.Optional(HostPort),
        tls: Type.Optional(Type.Object({ cert: Type.String(), key: Type.String() }, { additionalProperties: false })),
        workers: Type.Optional(
          Type.Union([Type.Integer({ minimum: 1, maximum: 64 }), Type.Literal('auto')], {
            description:
              'worker processes sharing the port (node:cluster); auto: one per core. More than 1 needs Redis and PostgreSQL',
            default: 1,
          }),
        ),
      },
      { additionalProperties: false },
    ),
    stores: Type.Optional(
      Type.Object(
        {
          durable: Type.Optional(Type.String({ pattern: '^(sqlite:.+|postgres(ql)?://.+)$' })),
          ephemeral: Type.Optional(
            Type.String({
              pattern: '^(memory|rediss?(\\+sentinel)?://.+)$',
              description:
                'memory (one process), redis://host:6379/0, rediss://..., or Redis through Sentinel: redis+sentinel://host:26379,host:26380/mymaster[/db]',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    data_dir: Type.Optional(Type.String({ description: 'where generated keys live; default ../data/' })),
    session: Type.Optional(
      Type.Object(
        {
          idle_timeout: Type.Optional(PositiveDuration('sign out after this long without a request', '30m')),
          max_lifetime: Type.Optional(PositiveDuration('sign out this long after sign-in, whatever happens', '12h')),
          // `0` is written unquoted, so YAML hands over the number 0
          remember_device: Type.Optional(
            Type.Union([Duration('how long a trusted device is remembered; 0 disables', '30d'), Type.Literal(0)]),
          ),
          cookie_name: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]+$' })),
          cookie_domain: Type.Optional(Type.String({ pattern: '^\\.?[A-Za-z0-9.-]+$' })),
        },
        { additionalProperties: false },
      ),
    ),
    lockout: Type.Optional(
      Type.Object(
        {
          max_failures: Type.Optional(Type.Integer({ minimum: 1, default: 10 })),
          window: Type.Optional(PositiveDuration('failures are counted over this window', '15m')),
          duration: Type.Optional(
            PositiveDuration('how long an account or a browser stays locked, and an address throttled', '30m'),
          ),
          address: Type.Optional(
            Type.Object(
              {
                max_failures: Type.Optional(
                  Type.Integer({
                    minimum: 1,
                    default: 50,
                    description:
                      'failures from one client address (IPv6: its /64) within the window that throttle it: clients there without a device cookie of the account they name are told to wait',
                  }),
                ),
                exempt: Type.Optional(
                  Type.Array(Type.String({ minLength: 1 }), {
                    default: [],
                    description:
                      'networks never throttled by address (an office, a client NAT): CIDRs, addresses, or names of networks of the policy files without a tenant',
                  }),
                ),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    mfa: Type.Optional(MfaSpec),
    geo: Type.Optional(
      Type.Object(
        {
          database: Type.Optional(
            Type.String({
              minLength: 1,
              description:
                'a MaxMind DB file (.mmdb) with countries, or cities for impossible travel: GeoLite2, DB-IP Lite, IPinfo Lite. Without one, the bundled geoip-lite data (2023) is loaded when a policy needs geography',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    risk: Type.Optional(
      Type.Object(
        {
          impossible_travel_kmh: Type.Optional(
            Type.Integer({
              minimum: 1,
              default: 900,
              description: 'impossible_travel fires above this speed between two sign-ins',
            }),
          ),
          new_country_window: Type.Optional(
            PositiveDuration('new_country fires for a country none of the sign-ins of this period came from', '90d'),
          ),
          recent_failures: Type.Optional(
            Type.Integer({
              minimum: 1,
              default: 3,
              description: 'recent_failures fires at this many failures of the account within the lockout window',
            }),
          ),
          history: Type.Optional(
            Type.Integer({ minimum: 2, maximum: 1000, default: 50, description: 'sign-ins kept per user' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    audit: Type.Optional(
      Type.Object(
        {
          retention: Type.Optional(
            PositiveDuration('audit events older than this are deleted (checked daily)', '400d'),
          ),
          privileged_groups: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description:
                "groups whose members are privileged (the report wants a phishing-resistant factor for them); default: every group whose name contains 'admin'",
            }),
          ),
          stale_after: Type.Optional(
            PositiveDuration('an account without a sign-in for this long is reported as stale', '90d'),
          ),
          suppressions: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  finding: Type.String({ minLength: 1, description: 'the finding id, e.g. app-without-rule' }),
                  tenant: Type.Optional(
                    Type.String({ minLength: 1, description: 'only this tenant; absent: every tenant' }),
                  ),
                  subject: Type.Optional(
                    Type.String({ minLength: 1, description: 'only this user, app or rule; absent: every subject' }),
                  ),
                  reason: Type.String({ minLength: 1 }),
                  approved_by: Type.String({ minLength: 1 }),
                  expires: Type.String({
                    pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
                    description: 'YYYY-MM-DD: from this day on the finding is reported again',
                  }),
                },
                { additionalProperties: false },
              ),
              { default: [] },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    users: Type.Optional(Type.Object({ file: Type.String() }, { additionalProperties: false })),
    identity_providers: Type.Optional(
      Type.Array(IdentityProviderSpec, {
        description: 'sign-in through OpenID Connect providers (docs/identity-providers.md)',
      }),
    ),
    apps: Type.Array(AppSpec),
    policies: Type.Optional(Type.String({ description: 'folder of policy files; default ../policies/' })),
    branding: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 80,
              description: 'the MSP name on every portal page (default Portcullis)',
            }),
          ),
          logo: Type.Optional(
            Type.String({ pattern: '\\.(svg|png)$', description: 'an SVG or PNG file (at most 100 kB)' }),
          ),
          ...PageLocaleSpec,
          color: Type.Optional(ReportColor('the MSP')),
          support: Type.Optional(Support("the MSP's help desk, on refusal and error pages")),
          tenants: Type.Optional(
            Type.Record(
              Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$' }),
              Type.Object(
                {
                  name: Type.Optional(
                    Type.String({ minLength: 1, maxLength: 80, description: 'shown at the top of every portal page' }),
                  ),
                  logo: Type.Optional(
                    Type.String({
                      pattern: '\\.(svg|png)$',
                      description: 'an SVG or PNG file (at most 100 kB), shown beside the name',
                    }),
                  ),
                  ...PageLocaleSpec,
                  color: Type.Optional(ReportColor("the client (default: the MSP's)")),
                  support: Type.Optional(
                    Support("the client's help desk on the pages its users see (default: the MSP's)"),
                  ),
                },
                { additionalProperties: false },
              ),
              {
                description:
                  "a client's own name and logo on the pages its users see (sign-in for its apps, their account)",
              },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    log: Type.Optional(
      Type.Object(
        {
          level: Type.Optional(
            Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const UserSpec = Type.Object(
  {
    name: Type.Optional(Type.String()),
    email: Type.Optional(Type.String({ pattern: '^[^\\s@]+@[^\\s@]+$' })),
    password: Type.Optional(
      Type.String({ pattern: '^\\$argon2id\\$', description: 'argon2id hash from `portcullis hash-password`' }),
    ),
    groups: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.:-]+$' }), { uniqueItems: true })),
    tenant: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$' })),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const UsersFile = Type.Object(
  {
    users: Type.Union([
      Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9._@-]{0,127}$' }), UserSpec, { additionalProperties: false }),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);

export type AppSpec = Static<typeof AppSpec>;
export type GatewayFile = Static<typeof GatewayFile>;
export type UserSpec = Static<typeof UserSpec>;
export type UsersFile = Static<typeof UsersFile>;
