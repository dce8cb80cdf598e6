import { DURATION_PATTERN } from '../config/duration.ts';
import { type Static, type TSchema, Type } from '../json-schema.ts';
import { criteria } from './criteria/index.ts';

/**
 * The policy file schema. Rule conditions come from the criteria registry: a new criterion
 * brings its own schema fragment, so adding a condition never edits this file.
 */
const topLevel: Record<string, TSchema> = {};
const when: Record<string, TSchema> = {};
for (const criterion of criteria) {
  (criterion.place === 'rule' ? topLevel : when)[criterion.key] = Type.Optional(criterion.schema);
}

export const Level = Type.Union([Type.Literal('password'), Type.Literal('mfa'), Type.Literal('phishing_resistant')]);
export type Level = Static<typeof Level>;

export const SecondFactor = Type.Union([Type.Literal('totp'), Type.Literal('webauthn'), Type.Literal('push')]);

export const Requirement = Type.Object(
  {
    level: Level,
    // `max_age: 0` (prove it now) is written unquoted, so YAML hands over the number 0; between 0
    // and one minute is refused by the compiler, with the reason
    max_age: Type.Optional(
      Type.Union([Type.String({ pattern: DURATION_PATTERN }), Type.Literal(0)], {
        description:
          'the factor must have been proven within this time: 1m or more, or 0 (prove it now: within the last minute)',
      }),
    ),
    methods: Type.Optional(Type.Array(SecondFactor, { minItems: 1, uniqueItems: true })),
    remember_device: Type.Optional(
      Type.Boolean({
        description:
          'false: a user on the way to a page of this rule is not offered to trust the device (default true, when session.remember_device is not 0)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RuleSpec = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String()),
    ...topLevel,
    when: Type.Optional(Type.Object(when, { additionalProperties: false })),
    action: Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Literal('authenticate')]),
    require: Type.Optional(Requirement),
  },
  { additionalProperties: false },
);

export const PolicyFile = Type.Object(
  {
    tenant: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$' })),
    description: Type.Optional(Type.String()),
    rules: Type.Array(RuleSpec),
    networks: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]+$' }), Type.Array(Type.String(), { minItems: 1 }), {
        additionalProperties: false,
      }),
    ),
  },
  { additionalProperties: false },
);

export type RuleSpec = Static<typeof RuleSpec> & { when?: Record<string, unknown> } & Record<string, unknown>;
export type PolicyFile = Static<typeof PolicyFile>;
