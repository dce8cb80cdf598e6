/**
 * The JSON Schema builders the routes, the configuration and the policy files are declared with:
 * the part of TypeBox's `Type` they use, with TypeBox's types (so `Static<typeof X>` still infers
 * the TypeScript type), but without loading TypeBox when the gateway runs. TypeBox is hundreds of
 * modules, several megabytes of memory for a handful of object literals.
 *
 * Each builder returns what TypeBox's returns, key for key (test/unit/json-schema.test.ts compares
 * them); only TypeBox's hidden `~kind` marks are left out, which nothing here reads.
 */
import type { Type as TypeBox } from 'typebox';

export type { Static, TProperties, TSchema } from 'typebox';

type Schema = Record<string, unknown>;
type Options = Record<string, unknown> | undefined;

/** The schemas made by `Optional`: `Object` leaves them out of `required`. */
const optional = new WeakSet<object>();

const builders = {
  String: (options?: Options) => ({ type: 'string', ...options }),
  Integer: (options?: Options) => ({ type: 'integer', ...options }),
  Number: (options?: Options) => ({ type: 'number', ...options }),
  Boolean: (options?: Options) => ({ type: 'boolean', ...options }),
  Null: (options?: Options) => ({ type: 'null', ...options }),
  Unknown: (options?: Options) => ({ ...options }),
  Literal: (value: string | number | boolean, options?: Options) => ({ type: typeof value, const: value, ...options }),
  Array: (items: Schema, options?: Options) => ({ type: 'array', items, ...options }),
  Union: (anyOf: readonly Schema[], options?: Options) => ({ anyOf, ...options }),
  Optional(schema: Schema) {
    const copy = { ...schema };
    optional.add(copy);
    return copy;
  },
  Object(properties: Record<string, Schema>, options?: Options) {
    const required = Object.keys(properties).filter((key) => !optional.has(properties[key] as Schema));
    return { type: 'object', ...(required.length > 0 ? { required } : {}), properties, ...options };
  },
  /** `Record(String(), V)` or `Record(String({ pattern }), V)`: the key's pattern, else any key. */
  Record(key: Schema, value: Schema, options?: Options) {
    const pattern = typeof key.pattern === 'string' ? key.pattern : '^.*$';
    return { type: 'object', patternProperties: { [pattern]: value }, ...options };
  },
  Dependent: (if_: Schema, then_: Schema, else_: Schema, options?: Options) => ({
    if: if_,
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, never awaited
    then: then_,
    else: else_,
    ...options,
  }),
};

export const Type = builders as unknown as Pick<typeof TypeBox, keyof typeof builders>;
