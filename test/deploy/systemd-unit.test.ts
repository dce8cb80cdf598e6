/**
 * deploy/systemd/portcullis.service: its settings read as key=value lines (the hardening, the
 * signals, the secrets' file), then the unit as systemd itself reads it: `systemd-analyze verify`
 * says nothing about it, and `systemd-analyze security` rates its exposure "OK".
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEPLOY_FILES, deployText, requireSystemdAnalyze, run, unitEntries } from '../helpers/deploy-files.ts';

const text = deployText(DEPLOY_FILES.systemd);
const entries = unitEntries(text);
/** The values of a key in a section, in order. */
const values = (section: string, key: string) =>
  entries.filter(([s, k]) => s === section && k === key).map(([, , v]) => v);
const value = (section: string, key: string) => {
  const found = values(section, key);
  assert.equal(found.length, 1, `[${section}] ${key} is set once`);
  return found[0];
};

describe('deploy/systemd/portcullis.service: the settings', () => {
  it('runs `portcullis start` as the unprivileged user portcullis', () => {
    assert.equal(value('Service', 'User'), 'portcullis');
    assert.equal(value('Service', 'Group'), 'portcullis');
    assert.match(
      value('Service', 'ExecStart') ?? '',
      /^\/usr\/bin\/node \S+\/dist\/main\.js start --config \S+\.yaml$/,
    );
    assert.equal(value('Service', 'Type'), 'simple');
    assert.equal(value('Install', 'WantedBy'), 'multi-user.target');
  });

  it('reloads with SIGHUP, stops with SIGTERM within a bound, restarts after a failure', () => {
    assert.equal(value('Service', 'ExecReload'), '/bin/kill -HUP $MAINPID');
    assert.equal(value('Service', 'KillSignal'), 'SIGTERM');
    assert.match(value('Service', 'TimeoutStopSec') ?? '', /^\d+s$/);
    assert.equal(value('Service', 'Restart'), 'on-failure');
  });

  it('reads the secrets from a file that must exist (no leading "-")', () => {
    assert.equal(value('Service', 'EnvironmentFile'), '/etc/portcullis/portcullis.env');
  });

  it('is hardened: no capability, no new privileges, a read-only system, one writable folder', () => {
    const expected: Record<string, string> = {
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      CapabilityBoundingSet: '',
      AmbientCapabilities: '',
      ReadWritePaths: '/var/lib/portcullis',
      StateDirectory: 'portcullis',
      StateDirectoryMode: '0700',
      UMask: '0077',
      RestrictSUIDSGID: 'yes',
      LockPersonality: 'yes',
    };
    for (const [key, want] of Object.entries(expected)) assert.equal(value('Service', key), want, key);
  });

  it('leaves MemoryDenyWriteExecute out: V8 writes machine code at run time', () => {
    assert.deepEqual(values('Service', 'MemoryDenyWriteExecute'), []);
  });
});

describe('deploy/systemd/portcullis.service: systemd-analyze', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * The unit in a folder of its own. verify checks that ExecStart's program exists: where Node.js is
   * not /usr/bin/node, this machine's node stands in for it, the rest of the unit unchanged.
   */
  function unitFile(content = text): string {
    const path = join(dir, 'portcullis.service');
    const node = existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath;
    writeFileSync(path, content.replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${node} `));
    return path;
  }

  it('verify finds nothing to say about it', (t) => {
    const tool = requireSystemdAnalyze(t);
    if (tool === null) return;
    const out = run(tool, ['verify', '--man=no', unitFile()]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stderr.trim(), '', 'no warning');
  });

  it('verify does speak up about a mistyped key or value (so its silence above means something)', (t) => {
    const tool = requireSystemdAnalyze(t);
    if (tool === null) return;
    const broken = text.replace('ProtectSystem=strict', 'ProtectSystem=strictly').replace('KillSignal=', 'KilSignal=');
    const out = run(tool, ['verify', '--man=no', unitFile(broken)]);
    assert.match(out.stderr, /protect system value.*strictly/i);
    assert.match(out.stderr, /Unknown key 'KilSignal'/);
  });

  it('security rates its exposure OK (2.0 or less of 10)', (t) => {
    const tool = requireSystemdAnalyze(t);
    if (tool === null) return;
    const out = run(tool, ['security', '--offline=true', '--no-pager', unitFile()]);
    const rating = /Overall exposure level for portcullis\.service: (\d+\.\d+) (\w+)/.exec(out.stdout + out.stderr);
    assert.ok(rating, `${out.stdout}${out.stderr}`);
    assert.ok(Number(rating[1]) <= 2.0, `exposure ${rating[1]} ${rating[2]}`);
  });
});
