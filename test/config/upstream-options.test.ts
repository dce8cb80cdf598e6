/** apps[].upstream_options read at config load: defaults, durations, the CA file, pins, and what is refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfigFiles } from '../../src/config/load.ts';
import { DEFAULT_UPSTREAM } from '../../src/proxy/upstream-settings.ts';
import { buildState } from '../../src/state.ts';
import { selfSigned } from '../helpers/certificates.ts';
import { makeTree } from './fixtures.ts';

function gateway(app: string): string {
  return `server:
  public_url: https://auth.example.com
apps:
  - name: plain
    host: plain.example.com
    upstream: http://10.0.0.1:8080
${app}`;
}

async function build(app: string, extra: Record<string, string> = {}) {
  const tree = makeTree({ 'config/gateway.yaml': gateway(app), ...extra });
  try {
    return buildState(await loadConfigFiles(tree.path('config/gateway.yaml'), {}));
  } finally {
    tree.remove();
  }
}

async function problems(app: string, extra: Record<string, string> = {}): Promise<string[]> {
  const err = await build(app, extra).then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, String(err));
  return err.problems;
}

test('an app without upstream_options gets the defaults', async () => {
  const state = await build('');
  assert.deepEqual(state.apps[0]?.upstreamSettings, DEFAULT_UPSTREAM);
});

test('durations, connections, a CA file relative to gateway.yaml, pins in any spelling', async () => {
  const tree = makeTree();
  const cert = selfSigned(tree.path('config'), 'rmm.internal');
  tree.write(
    'config/gateway.yaml',
    gateway(`  - name: rmm
    host: rmm.example.com
    upstream: https://10.0.0.5:8443
    upstream_options:
      connections: 8
      keep_alive: 0
      connect_timeout: 2s
      headers_timeout: 2m
      body_timeout: 500ms
      tls:
        ca: rmm.internal.crt
        server_name: rmm.internal
        pin_sha256: ["${cert.fingerprint256.replaceAll(':', '').toLowerCase()}"]
`),
  );
  try {
    const state = buildState(await loadConfigFiles(tree.path('config/gateway.yaml'), {}));
    const s = state.apps.find((a) => a.name === 'rmm')?.upstreamSettings;
    assert.deepEqual(s, {
      connections: 8,
      keepAliveMs: 0,
      connectTimeoutMs: 2000,
      headersTimeoutMs: 120_000,
      bodyTimeoutMs: 500,
      tls: { ca: cert.cert, pins: [cert.fingerprint256], serverName: 'rmm.internal' },
    });
  } finally {
    tree.remove();
  }
});

test('refused, located: TLS options on an http upstream, a missing CA file, a file without a certificate', async () => {
  const onHttp = await problems(`  - name: rmm
    host: rmm.example.com
    upstream: http://10.0.0.5:8080
    upstream_options: { tls: { server_name: rmm.internal } }
`);
  assert.ok(
    onHttp.some((p) => /gateway\.yaml:\d+:\d+: TLS options need an https:\/\/ upstream/.test(p)),
    onHttp.join('\n'),
  );
  const missing = await problems(`  - name: rmm
    host: rmm.example.com
    upstream: https://10.0.0.5:8443
    upstream_options: { tls: { ca: nowhere.pem } }
`);
  assert.ok(
    missing.some((p) => /gateway\.yaml:\d+:\d+: CA file not found or unreadable: .*nowhere\.pem/.test(p)),
    missing.join('\n'),
  );
  const notPem = await problems(
    `  - name: rmm
    host: rmm.example.com
    upstream: https://10.0.0.5:8443
    upstream_options: { tls: { ca: notes.txt } }
`,
    { 'config/notes.txt': 'not a certificate\n' },
  );
  assert.ok(
    notPem.some((p) => /notes\.txt holds no PEM certificate/.test(p)),
    notPem.join('\n'),
  );
});

test('refused by the schema: unknown keys, a zero timeout, a malformed pin, too many connections', async () => {
  for (const options of [
    '{ retries: 3 }',
    '{ connect_timeout: 0 }',
    '{ headers_timeout: soon }',
    '{ connections: 0 }',
    '{ connections: 100000 }',
    '{ tls: { pin_sha256: [abc] } }',
    '{ tls: {} }',
  ]) {
    const found = await problems(`  - name: rmm
    host: rmm.example.com
    upstream: https://10.0.0.5:8443
    upstream_options: ${options}
`);
    assert.ok(found.length > 0, options);
    assert.ok(
      found.every((p) => /gateway\.yaml:\d+:\d+/.test(p)),
      found.join('\n'),
    );
  }
});
