/** Tests of src/config/env.ts: ${NAME} interpolation, $${ escaping, located missing variables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interpolateEnv } from '../../src/config/env.ts';
import { loadYamlSource } from '../../src/config/yaml-source.ts';

const run = (text: string, env: NodeJS.ProcessEnv) => interpolateEnv(loadYamlSource('f.yaml', text), env);

test('replaces ${NAME} in string values, nested in maps and lists', () => {
  const { data, problems } = run('a: ${HOST}:${PORT}\nb: ["x-${HOST}"]\nc: { d: "${EMPTY}!" }\n', {
    HOST: 'example.com',
    PORT: '8080',
    EMPTY: '',
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(data, { a: 'example.com:8080', b: ['x-example.com'], c: { d: '!' } });
});

test('$${ is a literal ${, and lone dollars are kept', () => {
  const { data, problems } = run("a: $${HOME}\nb: '$argon2id$v=19$m=1'\nc: cost $5\n", { HOME: '/root' });
  assert.deepEqual(problems, []);
  assert.deepEqual(data, { a: '${HOME}', b: '$argon2id$v=19$m=1', c: 'cost $5' });
});

test('typed values stay strings (the schema reports them) and keys are not interpolated', () => {
  const { data } = run('websocket: ${WS}\n${KEY}: 1\nn: 5\n', { WS: 'true', KEY: 'k' });
  assert.deepEqual(data, { websocket: 'true', '${KEY}': 1, n: 5 });
});

test('a missing variable is a problem located at its value', () => {
  const { problems } = run('server:\n  public_url: https://${DOMAIN}/\n', {});
  assert.deepEqual(problems, [
    "f.yaml:2:15: environment variable 'DOMAIN' is not set (referenced as ${DOMAIN}) [PC_ERR_CONFIG_ENV_MISSING]",
  ]);
});

test('malformed references are problems', () => {
  const { problems } = run('a: ${1X}\nb: ${OPEN\n', {});
  assert.equal(problems.length, 2);
  assert.match(problems[0] as string, /^f\.yaml:1:4: invalid environment variable name '1X'/);
  assert.match(problems[1] as string, /^f\.yaml:2:4: unterminated \$\{ reference/);
});

test('the environment defaults to process.env', () => {
  process.env.PORTCULLIS_TEST_VALUE = 'from-env';
  try {
    const { data } = interpolateEnv(loadYamlSource('f.yaml', 'a: ${PORTCULLIS_TEST_VALUE}\n'));
    assert.deepEqual(data, { a: 'from-env' });
  } finally {
    delete process.env.PORTCULLIS_TEST_VALUE;
  }
});
