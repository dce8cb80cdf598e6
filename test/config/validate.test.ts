/** Tests of src/config/validate.ts: located, human-worded schema problems. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayFile, UsersFile } from '../../src/config/schema.ts';
import { didYouMean, validate, withDefaults } from '../../src/config/validate.ts';
import { loadYamlSource } from '../../src/config/yaml-source.ts';
import { PolicyFile } from '../../src/policy/schema.ts';

const check = (schema: object, text: string) => validate(schema, loadYamlSource('f.yaml', text));

const APPS = `server:
  public_url: https://auth.example.com
apps:
  - name: one
    host: one.example.com
    upstream: http://10.0.0.1
`;

test('a valid file has no problems', () => {
  assert.deepEqual(check(GatewayFile, APPS), []);
});

test('an unknown key is reported at the key, with a hint when a known key is close', () => {
  const problems = check(GatewayFile, APPS.replace('server:\n', 'server:\n  listn: 0.0.0.0:8080\n'));
  assert.deepEqual(problems, ["f.yaml:2:3: unknown key 'listn' (did you mean 'listen'?)"]);
});

test('an unknown key far from any known key lists the known keys', () => {
  const problems = check(GatewayFile, `${APPS}    zzzzzz: 1\n`);
  assert.equal(problems.length, 1);
  assert.match(problems[0] as string, /^f\.yaml:7:5: unknown key 'zzzzzz' \(known keys: name, tenant, host, /);
});

test('an unknown key inside apps[1] is located there', () => {
  const text = `${APPS}  - name: two\n    host: two.example.com\n    upstream: http://10.0.0.2\n    websockets: true\n`;
  assert.deepEqual(check(GatewayFile, text), ["f.yaml:10:5: unknown key 'websockets' (did you mean 'websocket'?)"]);
});

test('a wrong type says what was expected and what was found', () => {
  const problems = check(GatewayFile, `${APPS}    websocket: "yes"\n    assertion: 3\n`);
  assert.deepEqual(problems, [
    'f.yaml:7:16: must be true or false, got a string',
    'f.yaml:8:16: must be true or false, got 3',
  ]);
});

test('a missing required key is reported at the mapping that lacks it', () => {
  const problems = check(GatewayFile, 'server:\n  listen: 0.0.0.0:80\napps: []\n');
  assert.deepEqual(problems, ["f.yaml:1:1: missing required key 'public_url'"]);
});

test('patterns are described in words', () => {
  const text = `${APPS}session:\n  idle_timeout: 30 minutes\n`;
  assert.deepEqual(check(GatewayFile, text), [
    'f.yaml:8:17: must be a duration of more than zero, like 30s, 15m, 12h or 30d',
  ]);
});

test('a union of literals collapses into one message', () => {
  const text = `${APPS}mfa:\n  totp:\n    digits: 7\nlog:\n  level: loud\n`;
  assert.deepEqual(check(GatewayFile, text), [
    'f.yaml:9:13: must be one of: 6, 8',
    'f.yaml:11:10: must be one of: fatal, error, warn, info, debug, trace, silent',
  ]);
});

test('a union of a record and null reports the record branch precisely', () => {
  const problems = check(UsersFile, 'users:\n  alice:\n    emial: a@b\n');
  assert.deepEqual(problems, ["f.yaml:3:5: unknown key 'emial' (did you mean 'email'?)"]);
  const other = check(UsersFile, 'users: 5\n');
  assert.deepEqual(other, ['f.yaml:1:8: must be a mapping or empty, got 5']);
});

test('record keys must match the key pattern', () => {
  const problems = check(UsersFile, 'users:\n  Alice: {}\n');
  assert.equal(problems.length, 1);
  assert.match(problems[0] as string, /^f\.yaml:2:3: invalid key 'Alice': keys here must be lower-case/);
});

test('duplicate list items are located at the repeat', () => {
  assert.deepEqual(check(UsersFile, 'users:\n  a:\n    groups: [x, y, x]\n'), [
    'f.yaml:3:20: duplicate item (same as item 1)',
  ]);
});

test('an empty file must be a mapping', () => {
  assert.deepEqual(check(GatewayFile, ''), ['f.yaml:1:1: must be a mapping, got nothing']);
});

test('policy files: level and action words, unknown criteria', () => {
  const text = 'rules:\n  - name: r\n    action: allw\n    require: { level: mfaa }\n    when: { netwrks: [x] }\n';
  assert.deepEqual(check(PolicyFile, text), [
    'f.yaml:3:13: must be one of: allow, deny, authenticate',
    'f.yaml:4:23: must be one of: password, mfa, phishing_resistant',
    "f.yaml:5:13: unknown key 'netwrks' (did you mean 'networks'?)",
  ]);
});

test('all problems are reported, in file order', () => {
  const text = 'server:\n  listn: x\n  public_url: ftp://x\napps:\n  - name: Bad Name\n    host: ok.example\n';
  const problems = check(GatewayFile, text);
  assert.deepEqual(
    problems.map((p) => p.split(': ')[0]),
    ['f.yaml:2:3', 'f.yaml:3:15', 'f.yaml:5:5', 'f.yaml:5:11'],
  );
  assert.match(problems[2] as string, /missing required key 'upstream'/);
});

test('withDefaults fills schema defaults into a copy', () => {
  const data = loadYamlSource('f.yaml', APPS).data;
  const filled = withDefaults<{ apps: { websocket: boolean; assertion: boolean }[] }>(GatewayFile, data);
  assert.equal(filled.apps[0]?.websocket, false);
  assert.equal(filled.apps[0]?.assertion, true);
  assert.equal((data as { apps: Record<string, unknown>[] }).apps[0]?.websocket, undefined, 'input untouched');
});

test('didYouMean only suggests close names', () => {
  assert.equal(didYouMean('listn', ['listen', 'public_url']), 'listen');
  assert.equal(didYouMean('pubilc_url', ['listen', 'public_url']), 'public_url');
  assert.equal(didYouMean('color', ['listen', 'public_url']), undefined);
});

test('timeouts and lockout windows must be more than zero', () => {
  const source = loadYamlSource(
    'gateway.yaml',
    'server: { public_url: http://x }\napps: []\nsession: { idle_timeout: "0", remember_device: 0 }\nlockout: { window: 0s }\n',
  );
  const problems = validate(GatewayFile, source);
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.ok(
    problems.every((p) => p.includes('more than zero')),
    problems.join('\n'),
  );
});
