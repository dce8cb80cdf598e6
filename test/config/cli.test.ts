/** Tests of src/cli/check.ts and src/cli/schema.ts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { runCheck } from '../../src/cli/check.ts';
import { runSchema } from '../../src/cli/schema.ts';
import { GATEWAY, makeTree, sink } from './fixtures.ts';

const io = () => ({ stdout: sink(), stderr: sink() });

test('check: a valid configuration exits 0 with a one-line summary', async () => {
  const tree = makeTree({ 'policies/20-extra.yaml': 'rules:\n  - name: z\n    action: allow\n' });
  try {
    const out = io();
    const config = tree.path('config/gateway.yaml');
    assert.equal(await runCheck(['--config', config], out, undefined, {}), 0);
    assert.equal(out.stdout.text(), `${config}: OK (2 apps, 1 user, 2 policy files, 3 rules)\n`);
    assert.equal(out.stderr.text(), '');
  } finally {
    tree.remove();
  }
});

test('check: problems are printed as file:line:column: message and exit 1', async () => {
  const tree = makeTree({ 'config/gateway.yaml': GATEWAY.replace('server:\n', 'server:\n  listn: x\n') });
  try {
    const out = io();
    const config = tree.path('config/gateway.yaml');
    assert.equal(await runCheck([`--config=${config}`], out, undefined, {}), 1);
    assert.equal(
      out.stderr.text(),
      `${config}:2:3: unknown key 'listn' (did you mean 'listen'?)\n${config}: 1 problem\n`,
    );
    assert.equal(out.stdout.text(), '');
  } finally {
    tree.remove();
  }
});

test('check: the semantic hook adds its problems', async () => {
  const tree = makeTree();
  try {
    const out = io();
    let seen = 0;
    const semantic = async (files: { policies: unknown[] }) => {
      seen = files.policies.length;
      return ['policies/10-main.yaml:2:5: rule shadows nothing'];
    };
    assert.equal(await runCheck(['--config', tree.path('config/gateway.yaml')], out, semantic, {}), 1);
    assert.equal(seen, 1);
    assert.match(out.stderr.text(), /^policies\/10-main\.yaml:2:5: rule shadows nothing\n/);
  } finally {
    tree.remove();
  }
});

test('check: the default config path is config/gateway.yaml; bad usage exits 2', async () => {
  const tree = makeTree();
  const before = process.cwd();
  try {
    process.chdir(tree.root);
    const out = io();
    assert.equal(await runCheck([], out, undefined, {}), 0);
    assert.match(out.stdout.text(), /^config\/gateway\.yaml: OK \(2 apps,/);
    const bad = io();
    assert.equal(await runCheck(['--nope'], bad, undefined, {}), 2);
    assert.match(bad.stderr.text(), /^portcullis check: unknown option --nope\n/);
    assert.equal(await runCheck(['--config'], io(), undefined, {}), 2);
    assert.equal(await runCheck(['extra'], io(), undefined, {}), 2);
  } finally {
    process.chdir(before);
    tree.remove();
  }
});

test('schema: prints one valid JSON Schema document with the three definitions', async () => {
  const out = io();
  assert.equal(await runSchema([], out), 0);
  const doc = JSON.parse(out.stdout.text()) as { definitions: Record<string, { $id: string }>; $schema: string };
  assert.equal(doc.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.deepEqual(Object.keys(doc.definitions), ['gateway', 'users', 'policy']);
  for (const def of Object.values(doc.definitions)) assert.match(def.$id, /^urn:portcullis:schema:/);
  const ajv = new Ajv({ strict: false });
  ajv.addSchema(doc);
  const gateway = ajv.getSchema('urn:portcullis:schema:gateway');
  assert.ok(gateway);
  assert.equal(gateway({ server: { public_url: 'https://a.example' }, apps: [] }), true);
  assert.equal(gateway({ server: { public_url: 'https://a.example', listn: 1 }, apps: [] }), false);
  assert.equal(ajv.getSchema('urn:portcullis:schema:policy')?.({ rules: [{ name: 'r', action: 'deny' }] }), true);
});

test('schema: one named schema on its own; an unknown name exits 2', async () => {
  const out = io();
  assert.equal(await runSchema(['users'], out), 0);
  const doc = JSON.parse(out.stdout.text()) as Record<string, unknown>;
  assert.equal(doc.$id, 'urn:portcullis:schema:users');
  assert.equal(doc.type, 'object');
  const bad = io();
  assert.equal(await runSchema(['nope'], bad), 2);
  assert.match(bad.stderr.text(), /usage: portcullis schema \[gateway\|users\|policy\]/);
});
