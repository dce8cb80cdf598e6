/** Tests of src/config/reload.ts: atomic swap, keep-last-good, coalescing, watching, SIGHUP. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LoadedFiles, loadConfigFiles } from '../../src/config/load.ts';
import { configWatchTargets, Reloader } from '../../src/config/reload.ts';
import { GATEWAY, makeTree, until } from './fixtures.ts';

function logger() {
  const infos: string[] = [];
  const errors: { obj: Record<string, unknown>; msg: string }[] = [];
  return {
    infos,
    errors,
    info: (_obj: object, msg?: string) => void infos.push(msg ?? ''),
    error: (obj: object, msg?: string) => void errors.push({ obj: obj as Record<string, unknown>, msg: msg ?? '' }),
  };
}

async function configReloader(root: string) {
  const gateway = `${root}/config/gateway.yaml`;
  const build = () => loadConfigFiles(gateway, {});
  const log = logger();
  const reloader = new Reloader<LoadedFiles>({
    build,
    initial: await build(),
    logger: log,
    watch: configWatchTargets,
    debounceMs: 0,
  });
  return { reloader, log };
}

test('a good file change swaps the whole state and tells listeners', async () => {
  const tree = makeTree();
  const { reloader, log } = await configReloader(tree.root);
  try {
    const first = reloader.current;
    const swaps: [LoadedFiles, LoadedFiles][] = [];
    reloader.onSwap((next, prev) => void swaps.push([next, prev]));
    tree.write(
      'config/gateway.yaml',
      `${GATEWAY}  - name: wiki\n    host: wiki.example.com\n    upstream: http://10.0.0.3\n`,
    );
    await until(() => reloader.current.gateway.apps.length === 3);
    assert.equal(swaps.at(-1)?.[0], reloader.current);
    assert.equal(swaps[0]?.[1], first);
    assert.ok(log.infos.includes('configuration reloaded'));
    // a new policy file in the watched folder is seen too
    tree.write('policies/20-new.yaml', 'rules: []\n');
    await until(() => reloader.current.policies.length === 2);
  } finally {
    reloader.close();
    tree.remove();
  }
});

test('a bad change keeps the last good state and logs the located problems', async () => {
  const tree = makeTree();
  const { reloader, log } = await configReloader(tree.root);
  try {
    const good = reloader.current;
    tree.write('policies/10-main.yaml', 'rules:\n  - name: x\n    acton: deny\n');
    await until(() => log.errors.length > 0);
    assert.equal(reloader.current, good);
    const { obj, msg } = log.errors[0] as { obj: Record<string, unknown>; msg: string };
    const located = `${tree.path('policies/10-main.yaml')}:3:5: unknown key 'acton' (did you mean 'action'?)`;
    assert.ok((obj.problems as string[]).includes(located), String(obj.problems));
    assert.match(msg, /^configuration reload failed; keeping the previous configuration\n/);
    assert.ok(msg.includes(located));
    // fixing the file swaps again
    tree.write('policies/10-main.yaml', 'rules:\n  - name: x\n    action: deny\n');
    await until(() => reloader.current !== good);
    assert.equal(reloader.current.policies[0]?.data.rules[0]?.action, 'deny');
  } finally {
    reloader.close();
    tree.remove();
  }
});

test('triggers coalesce: never two builds at once, one more build after a busy one', async () => {
  let running = 0;
  let maxRunning = 0;
  let builds = 0;
  const gates: (() => void)[] = [];
  const build = async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    builds++;
    await new Promise<void>((resolve) => gates.push(resolve));
    running--;
    return builds;
  };
  const reloader = new Reloader<number>({ build, initial: 0, logger: logger() });
  const first = reloader.reload();
  const second = reloader.reload();
  const third = reloader.reload();
  assert.equal(second, third, 'triggers during a build share the next build');
  await until(() => gates.length === 1);
  gates.shift()?.();
  assert.equal(await first, true);
  assert.equal(reloader.current, 1);
  await until(() => gates.length === 1);
  gates.shift()?.();
  assert.equal(await second, true);
  assert.equal(reloader.current, 2);
  assert.equal(builds, 2);
  assert.equal(maxRunning, 1);
  assert.equal(reloader.builds, 2);
  reloader.close();
  assert.equal(await reloader.reload(), false, 'a closed reloader does nothing');
});

test('a failed build resolves false and a listener error does not break the swap', async () => {
  let fail = true;
  const log = logger();
  const reloader = new Reloader<string>({
    build: async () => {
      if (fail) throw new Error('boom');
      return 'next';
    },
    initial: 'first',
    logger: log,
  });
  reloader.onSwap(() => {
    throw new Error('listener broke');
  });
  assert.equal(await reloader.reload(), false);
  assert.equal(reloader.current, 'first');
  assert.match(log.errors[0]?.msg ?? '', /keeping the previous configuration: boom$/);
  fail = false;
  assert.equal(await reloader.reload(), true);
  assert.equal(reloader.current, 'next');
  assert.equal(log.errors[1]?.msg, 'a configuration swap listener failed');
});

test('a SIGHUP wired to reload() rebuilds', async () => {
  const tree = makeTree();
  const { reloader } = await configReloader(tree.root);
  reloader.close(); // no file watching: only the signal may trigger the build
  const manual = new Reloader<LoadedFiles>({
    build: () => loadConfigFiles(tree.path('config/gateway.yaml'), {}),
    initial: reloader.current,
    logger: logger(),
  });
  const onHup = () => void manual.reload();
  process.on('SIGHUP', onHup);
  try {
    tree.write('config/users.yaml', 'users:\n  alice: {}\n  bob: {}\n');
    assert.deepEqual(Object.keys(manual.current.users), ['alice']);
    process.kill(process.pid, 'SIGHUP');
    await until(() => Object.keys(manual.current.users).length === 2);
    assert.equal(manual.builds, 1);
  } finally {
    process.off('SIGHUP', onHup);
    manual.close();
    tree.remove();
  }
});
