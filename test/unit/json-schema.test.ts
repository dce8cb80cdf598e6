import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type as TypeBox } from 'typebox';
import { Type } from '../../src/json-schema.ts';

/** The same schema, key for key and in the same order, as TypeBox builds (its hidden marks aside). */
function same(ours: unknown, theirs: unknown, what: string) {
  assert.equal(JSON.stringify(ours), JSON.stringify(theirs), what);
}

test('json-schema: each builder gives what TypeBox gives, with and without options', () => {
  const opts = { description: 'd', default: 'x' };
  same(Type.String(), TypeBox.String(), 'String');
  same(
    Type.String({ minLength: 1, maxLength: 8, pattern: '^a' }),
    TypeBox.String({ minLength: 1, maxLength: 8, pattern: '^a' }),
    'String options',
  );
  same(Type.Integer({ minimum: 0 }), TypeBox.Integer({ minimum: 0 }), 'Integer');
  same(Type.Number(), TypeBox.Number(), 'Number');
  same(Type.Boolean(opts), TypeBox.Boolean(opts), 'Boolean');
  same(Type.Null(), TypeBox.Null(), 'Null');
  same(Type.Unknown(), TypeBox.Unknown(), 'Unknown');
  same(Type.Unknown(opts), TypeBox.Unknown(opts), 'Unknown options');
  same(Type.Literal('a'), TypeBox.Literal('a'), 'Literal string');
  same(Type.Literal(3, opts), TypeBox.Literal(3, opts), 'Literal number');
  same(Type.Literal(true), TypeBox.Literal(true), 'Literal boolean');
  same(
    Type.Array(Type.String(), { minItems: 1, uniqueItems: true }),
    TypeBox.Array(TypeBox.String(), { minItems: 1, uniqueItems: true }),
    'Array',
  );
  same(
    Type.Union([Type.String(), Type.Null()], opts),
    TypeBox.Union([TypeBox.String(), TypeBox.Null()], opts),
    'Union',
  );
  same(Type.Optional(Type.String(opts)), TypeBox.Optional(TypeBox.String(opts)), 'Optional');
  same(
    Type.Record(Type.String(), Type.Unknown(), { maxProperties: 16 }),
    TypeBox.Record(TypeBox.String(), TypeBox.Unknown(), { maxProperties: 16 }),
    'Record of any key',
  );
  same(
    Type.Record(Type.String({ pattern: '^[a-z]+$' }), Type.Integer(), { additionalProperties: false }),
    TypeBox.Record(TypeBox.String({ pattern: '^[a-z]+$' }), TypeBox.Integer(), { additionalProperties: false }),
    'Record of a key pattern',
  );
  same(
    Type.Dependent(Type.Object({ id: Type.Unknown() }), Type.String(), Type.Number()),
    TypeBox.Dependent(TypeBox.Object({ id: TypeBox.Unknown() }), TypeBox.String(), TypeBox.Number()),
    'Dependent',
  );
});

test('json-schema: Object lists as required exactly the properties not made Optional', () => {
  same(
    Type.Object(
      { a: Type.String(), b: Type.Optional(Type.Integer()), c: Type.Optional(Type.Object({ d: Type.Boolean() })) },
      { additionalProperties: false },
    ),
    TypeBox.Object(
      {
        a: TypeBox.String(),
        b: TypeBox.Optional(TypeBox.Integer()),
        c: TypeBox.Optional(TypeBox.Object({ d: TypeBox.Boolean() })),
      },
      { additionalProperties: false },
    ),
    'mixed',
  );
  same(
    Type.Object({ a: Type.Optional(Type.String()) }),
    TypeBox.Object({ a: TypeBox.Optional(TypeBox.String()) }),
    'none required',
  );
  same(Type.Object({}, { additionalProperties: false }), TypeBox.Object({}, { additionalProperties: false }), 'empty');
  // the same schema used plainly elsewhere stays required there: Optional makes a copy
  const shared = Type.String();
  const optionalCopy = Type.Optional(shared);
  assert.notEqual(optionalCopy, shared);
  assert.deepEqual((Type.Object({ x: shared }) as { required?: string[] }).required, ['x']);
});
