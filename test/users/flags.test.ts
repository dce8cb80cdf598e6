/** parseFlags: the shared CLI argument parser. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFlags } from '../../src/cli/flags.ts';

const SPEC = { config: 'string', json: 'boolean', 'password-stdin': 'boolean' } as const;

test('--flag value, --flag=value, booleans and positionals', () => {
  assert.deepEqual(parseFlags(['add', 'alice', '--config', 'a.yaml', '--json', '--password-stdin'], SPEC), {
    flags: { config: 'a.yaml', json: true, 'password-stdin': true },
    positional: ['add', 'alice'],
  });
  assert.deepEqual(parseFlags(['--config=x=y.yaml', 'bob'], SPEC), {
    flags: { config: 'x=y.yaml' },
    positional: ['bob'],
  });
  assert.deepEqual(parseFlags(['--config='], SPEC), { flags: { config: '' }, positional: [] });
  assert.deepEqual(parseFlags(['--config', '-'], SPEC), { flags: { config: '-' }, positional: [] });
  assert.deepEqual(parseFlags(['--', '--json', '-x'], SPEC), { flags: {}, positional: ['--json', '-x'] });
  assert.deepEqual(parseFlags([], SPEC), { flags: {}, positional: [] });
});

test('usage errors', () => {
  const error = (args: string[]) => {
    const r = parseFlags(args, SPEC);
    assert.ok('error' in r, `expected an error for ${args.join(' ')}`);
    return r.error;
  };
  assert.match(error(['--nope']), /unknown option --nope/);
  assert.match(error(['-x']), /unknown option -x/);
  assert.match(error(['--config']), /--config needs a value/);
  assert.match(error(['--config', '--json']), /--config needs a value/);
  assert.match(error(['--json=yes']), /--json takes no value/);
  assert.match(error(['--json', '--json']), /more than once/);
  assert.match(error(['--__proto__']), /unknown option/);
  assert.match(error(['--toString']), /unknown option/);
});

test('error messages never echo a value', () => {
  const r = parseFlags(['--password=hunter2hunter2'], SPEC);
  assert.ok('error' in r && !r.error.includes('hunter2'));
  const r2 = parseFlags(['--json=hunter2hunter2'], SPEC);
  assert.ok('error' in r2 && !r2.error.includes('hunter2'));
});
