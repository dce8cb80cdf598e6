import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { schemaOf } from '../../src/cli/schema.ts';
import { ErrorCodes } from '../../src/errors.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

test('docs/errors.md lists every error code, and only those', () => {
  const doc = read('docs/errors.md');
  for (const code of Object.keys(ErrorCodes)) assert.ok(doc.includes(`\`${code}\``), `${code} is documented`);
  for (const [code] of doc.matchAll(/PC_ERR_[A-Z_]+/g)) assert.ok(code in ErrorCodes, `${code} in the docs exists`);
});

test('docs/schema/*.json are what `portcullis schema` prints', () => {
  for (const name of ['gateway', 'users', 'policy'] as const) {
    assert.deepEqual(
      JSON.parse(read(`docs/schema/${name}.json`)),
      { $schema: 'http://json-schema.org/draft-07/schema#', ...schemaOf(name) },
      `docs/schema/${name}.json is stale: run portcullis schema ${name}`,
    );
  }
});

test('every HTTP error code the gateway answers is documented', () => {
  const doc = read('docs/errors.md');
  const sources = [
    'src/gate/gate.ts',
    'src/gate/identify.ts',
    'src/proxy/upstream.ts',
    'src/app.ts',
    'src/authn/csrf.ts',
    'src/authn/api-routes.ts',
    'src/authn/factors/password/password-routes.ts',
    'src/authn/sso-routes.ts',
    'src/authn/forward-auth.ts',
    'src/authn/factors/totp/totp-routes.ts',
    'src/authn/factors/recovery/recovery-routes.ts',
    'src/idp/oidc-routes.ts',
    'src/idp/provider-sign-in.ts',
  ];
  for (const file of sources) {
    for (const [, code] of read(file).matchAll(/(?:refuse\([^)]*?\d{3}, |error: )'([a-z_]+)'/g)) {
      assert.ok(doc.includes(`\`${code}\``), `${code} (${file}) is in docs/errors.md`);
    }
  }
});
