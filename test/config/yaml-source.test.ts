/** Tests of src/config/yaml-source.ts: locating JSON paths and YAML syntax errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadYamlSource } from '../../src/config/yaml-source.ts';

const TEXT = `server:
  listen: 0.0.0.0:8080
  tls:
    cert: a.pem
apps:
  - name: one
    host: one.example.com
  - name: two
    ports: [80, 443]
empty:
`;

test('locate turns JSON paths into file:line:column (1-based)', () => {
  const source = loadYamlSource('gw.yaml', TEXT);
  assert.deepEqual(source.problems, []);
  assert.equal(source.locate(['server', 'listen']), 'gw.yaml:2:11');
  assert.equal(source.locate(['server', 'listen'], 'key'), 'gw.yaml:2:3');
  assert.equal(source.locate(['server', 'tls']), 'gw.yaml:3:3', 'a block mapping is located at its key');
  assert.equal(source.locate(['apps', 1]), 'gw.yaml:8:5', 'a sequence item at its first key');
  assert.equal(source.locate(['apps', '1', 'ports', 1]), 'gw.yaml:9:17', 'string indices work too');
  assert.equal(source.locate(['apps', 1, 'ports']), 'gw.yaml:9:12', 'a flow collection is located at itself');
  assert.equal(source.locate(['empty']), 'gw.yaml:10:1', 'an empty value is located at its key');
  assert.equal(source.locate([]), 'gw.yaml:1:1');
});

test('locate falls back to the nearest existing ancestor', () => {
  const source = loadYamlSource('gw.yaml', TEXT);
  assert.equal(source.locate(['apps', 0, 'missing']), 'gw.yaml:6:5');
  assert.equal(source.locate(['apps', 7]), 'gw.yaml:5:1');
});

test('a YAML syntax error is a located problem', () => {
  const source = loadYamlSource('bad.yaml', 'server:\n  listen: "0.0.0.0:8080\n');
  assert.equal(source.problems.length, 1);
  assert.match(source.problems[0] as string, /^bad\.yaml:3:1: YAML syntax error: missing closing "quote/);
});

test('tabs and bad flow collections are located', () => {
  const source = loadYamlSource('t.yaml', 'a: 1\n\tb: 2\n');
  assert.match(source.problems[0] as string, /^t\.yaml:2:1: YAML syntax error: /);
});

test('duplicate keys are errors at the second key', () => {
  const source = loadYamlSource('dup.yaml', 'server:\n  listen: a\n  listen: b\n');
  assert.deepEqual(source.problems, ['dup.yaml:3:3: duplicate key (each key may appear only once in a mapping)']);
});

test('aliases resolve in the data and when locating', () => {
  const source = loadYamlSource('a.yaml', 'base: &b\n  x: 1\nother: *b\n');
  assert.deepEqual(source.data, { base: { x: 1 }, other: { x: 1 } });
  assert.equal(source.locate(['other', 'x']), 'a.yaml:2:6');
});

test('an empty file has null data and no problems', () => {
  const source = loadYamlSource('e.yaml', '# nothing here\n');
  assert.equal(source.data, null);
  assert.deepEqual(source.problems, []);
});
