/**
 * Worker for test/stores/factors.test.ts: opens the store, waits at a barrier shared with the
 * other workers, then tries to use one recovery code, and reports whether it succeeded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteDurableStore } from '../../src/stores/sqlite.ts';

const { file, user, hash, time, barrier } = workerData as {
  file: string;
  user: string;
  hash: string;
  time: number;
  barrier: SharedArrayBuffer;
};
const flags = new Int32Array(barrier); // [0]: workers ready, [1]: go

const store = await SqliteDurableStore.open(file);
Atomics.add(flags, 0, 1);
Atomics.notify(flags, 0);
Atomics.wait(flags, 1, 0);
const used = await store.useRecoveryCode(user, hash, time);
await store.close();
parentPort?.postMessage(used);
