/** Tests of src/config/load.ts: all files, all problems, defaults, paths, cross-file checks. */
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfigFiles } from '../../src/config/load.ts';
import { GATEWAY, makeTree } from './fixtures.ts';

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const err = await promise.then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, String(err));
  assert.equal(err.code, 'PC_ERR_CONFIG_INVALID');
  for (const problem of err.problems) assert.ok(err.message.includes(problem));
  return err.problems;
}

/** Runs `fn` with the working directory set to `dir`. */
async function inDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(before);
  }
}

test('a valid tree loads with every default filled', async () => {
  const tree = makeTree();
  try {
    const files = await loadConfigFiles(tree.path('config/gateway.yaml'), {});
    const g = files.gateway;
    assert.equal(files.gatewayPath, tree.path('config/gateway.yaml'));
    assert.equal(files.baseDir, tree.path('config'));
    assert.equal(g.server.listen, '0.0.0.0:8080');
    assert.equal(g.server.admin_listen, '127.0.0.1:9090');
    assert.deepEqual(g.server.trusted_proxies, []);
    assert.deepEqual(g.stores, { durable: `sqlite:${tree.path('data/portcullis.db')}`, ephemeral: 'memory' });
    assert.deepEqual(g.session, {
      idle_timeout: '30m',
      max_lifetime: '12h',
      remember_device: '30d',
      cookie_name: 'portcullis_session',
    });
    assert.deepEqual(g.lockout, {
      max_failures: 10,
      window: '15m',
      duration: '30m',
      address: { max_failures: 50, exempt: [] },
    });
    assert.equal(g.data_dir, tree.path('data'));
    assert.deepEqual(g.mfa.totp, { issuer: 'Portcullis', digits: 6, period: 30, skew: 1 });
    assert.equal(g.apps[0]?.websocket, false);
    assert.equal(files.usersPath, tree.path('config/users.yaml'));
    assert.deepEqual(Object.keys(files.users), ['alice']);
    assert.equal(files.policiesDir, tree.path('policies'));
    assert.deepEqual(
      files.policies.map((p) => [p.name, p.file]),
      [['10-main.yaml', tree.path('policies/10-main.yaml')]],
    );
    assert.equal(files.policies[0]?.locate(['rules', 1, 'action']), `${tree.path('policies/10-main.yaml')}:6:13`);
  } finally {
    tree.remove();
  }
});

test('given values override defaults, partially', async () => {
  const tree = makeTree({
    'config/gateway.yaml': `${GATEWAY}session:\n  idle_timeout: 5m\nmfa:\n  totp:\n    digits: 8\n`,
  });
  try {
    const { gateway } = await loadConfigFiles(tree.path('config/gateway.yaml'), {});
    assert.equal(gateway.session.idle_timeout, '5m');
    assert.equal(gateway.session.max_lifetime, '12h');
    assert.deepEqual(gateway.mfa.totp, { issuer: 'Portcullis', digits: 8, period: 30, skew: 1 });
  } finally {
    tree.remove();
  }
});

test('relative paths are resolved against the folder of gateway.yaml, whatever the cwd', async () => {
  const gateway = `${GATEWAY}users:\n  file: ../people/users.yaml\npolicies: ../rules\ndata_dir: state\nserver:\n`;
  const tree = makeTree({
    'config/gateway.yaml': gateway
      .replace(/\nserver:\n$/, '\n')
      .replace('server:\n', 'server:\n  tls:\n    cert: tls/cert.pem\n    key: tls/key.pem\n'),
    'config/users.yaml': null,
    'people/users.yaml': 'users:\n  bob: {}\n',
    'policies/10-main.yaml': null,
    'rules/b.yml': 'rules: []\n',
    'rules/a.yaml': 'rules: []\n',
    'rules/.hidden.yaml': 'not: valid\n',
    'rules/README.md': '# not a policy\n',
    'config/tls/cert.pem': 'cert',
    'config/tls/key.pem': 'key',
  });
  try {
    const files = await inDir(os.tmpdir(), () => loadConfigFiles(tree.path('config/gateway.yaml'), {}));
    assert.equal(files.usersPath, tree.path('people/users.yaml'));
    assert.deepEqual(Object.keys(files.users), ['bob']);
    assert.equal(files.policiesDir, tree.path('rules'));
    assert.deepEqual(
      files.policies.map((p) => p.name),
      ['a.yaml', 'b.yml'],
    );
    assert.equal(files.gateway.data_dir, tree.path('config/state'));
    assert.deepEqual(files.gateway.server.tls, {
      cert: tree.path('config/tls/cert.pem'),
      key: tree.path('config/tls/key.pem'),
    });
    // a relative gateway path is taken from the cwd, and messages keep naming files relatively
    const again = await inDir(tree.root, () => loadConfigFiles('config/gateway.yaml', {}));
    assert.equal(again.gatewayPath, tree.path('config/gateway.yaml'));
    assert.equal(again.policies[0]?.locate(['rules']), path.join('rules', 'a.yaml') + ':1:8');
  } finally {
    tree.remove();
  }
});

test('every problem in every file is reported, located', async () => {
  const tree = makeTree({
    'config/gateway.yaml': GATEWAY.replace('server:\n', 'server:\n  listn: 0.0.0.0:80\n  admin_listen: ${ADMIN}\n'),
    'config/users.yaml': 'users:\n  alice:\n    disabled: "no"\n',
    'policies/10-main.yaml': 'rules:\n  - name: x\n    action: [\n',
    'policies/20-more.yaml': 'rules:\n  - name: y\n    action: allow\n    hots: [a]\n',
  });
  try {
    const problems = await inDir(tree.root, () => problemsOf(loadConfigFiles('config/gateway.yaml', {})));
    assert.deepEqual(problems, [
      "config/gateway.yaml:2:3: unknown key 'listn' (did you mean 'listen'?)",
      "config/gateway.yaml:3:17: environment variable 'ADMIN' is not set (referenced as ${ADMIN}) [PC_ERR_CONFIG_ENV_MISSING]",
      'config/users.yaml:3:15: must be true or false, got a string',
      problems[3],
      "policies/20-more.yaml:4:5: unknown key 'hots' (did you mean 'hosts'?)",
    ]);
    assert.match(problems[3] as string, /^policies\/10-main\.yaml:\d+:\d+: YAML syntax error: /);
  } finally {
    tree.remove();
  }
});

test('a missing variable is reported once, not again by the schema', async () => {
  const tree = makeTree({ 'config/gateway.yaml': GATEWAY.replace('https://auth.example.com', '${PUBLIC_URL}') });
  try {
    const problems = await problemsOf(loadConfigFiles(tree.path('config/gateway.yaml'), {}));
    assert.deepEqual(problems, [
      `${tree.path('config/gateway.yaml')}:2:15: environment variable 'PUBLIC_URL' is not set (referenced as \${PUBLIC_URL}) [PC_ERR_CONFIG_ENV_MISSING]`,
    ]);
    const files = await loadConfigFiles(tree.path('config/gateway.yaml'), { PUBLIC_URL: 'https://sso.example.net' });
    assert.equal(files.gateway.server.public_url, 'https://sso.example.net');
  } finally {
    tree.remove();
  }
});

test('app names and hosts must be unique (hosts case-insensitive, trailing dot ignored)', async () => {
  const extra = '  - name: rmm\n    host: RMM.Example.com.\n    upstream: http://10.0.0.9\n';
  const tree = makeTree({ 'config/gateway.yaml': GATEWAY + extra });
  try {
    const problems = await inDir(tree.root, () => problemsOf(loadConfigFiles('config/gateway.yaml', {})));
    assert.deepEqual(problems, [
      "config/gateway.yaml:10:11: duplicate app name 'rmm' (first at config/gateway.yaml:4:11)",
      "config/gateway.yaml:11:11: host 'RMM.Example.com.' is already used by app 'rmm' (config/gateway.yaml:5:11)",
    ]);
  } finally {
    tree.remove();
  }
});

test('a missing or empty users file is an empty user directory', async () => {
  for (const users of [null, '', '# no users yet\n', 'users:\n']) {
    const tree = makeTree({ 'config/users.yaml': users });
    try {
      const files = await loadConfigFiles(tree.path('config/gateway.yaml'), {});
      assert.deepEqual(files.users, {});
      assert.equal(files.usersPath, tree.path('config/users.yaml'));
    } finally {
      tree.remove();
    }
  }
});

test('a missing policies folder is an error, located at the policies key when given', async () => {
  const tree = makeTree({ 'policies/10-main.yaml': null });
  try {
    await inDir(tree.root, async () => {
      const problems = await problemsOf(loadConfigFiles('config/gateway.yaml', {}));
      assert.deepEqual(problems, [`config/gateway.yaml:1:1: policies folder not found: ${tree.path('policies')}`]);
      tree.write('config/gateway.yaml', `${GATEWAY}policies: ./nowhere/\n`);
      const again = await problemsOf(loadConfigFiles('config/gateway.yaml', {}));
      assert.deepEqual(again, [`config/gateway.yaml:10:11: policies folder not found: ${tree.path('config/nowhere')}`]);
    });
  } finally {
    tree.remove();
  }
});

test('a missing gateway.yaml or TLS file is reported', async () => {
  const tree = makeTree({
    'config/gateway.yaml': GATEWAY.replace('server:\n', 'server:\n  tls:\n    cert: c.pem\n    key: k.pem\n'),
    'config/k.pem': 'key',
  });
  try {
    const problems = await inDir(tree.root, () => problemsOf(loadConfigFiles('config/gateway.yaml', {})));
    assert.deepEqual(problems, [
      `config/gateway.yaml:3:11: TLS cert file not found or unreadable: ${tree.path('config/c.pem')}`,
    ]);
    const missing = await inDir(tree.root, () => problemsOf(loadConfigFiles('config/other.yaml', {})));
    assert.deepEqual(missing, ['config/other.yaml: cannot read: file not found']);
  } finally {
    tree.remove();
  }
});
