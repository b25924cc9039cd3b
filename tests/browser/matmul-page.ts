// Runs in the test page: starts cnn-worker's worker (threaded build, pool
// of 2 from wasm-bindgen-rayon), multiplies, and reports to the test.
import { spawnWorker } from 'cnn-worker';
import { matMulRef, maxRelDiff, randArray, rng } from '../support/random.js';

async function main() {
  // Large enough (51 MFLOP) that the second thread, which may be asleep while
  // the other polls for work, wakes and takes part: a 0.3 ms product could
  // be done by the polling thread alone.
  const m = 515, n = 263, k = 380;
  const next = rng(7);
  const a = randArray(next, m * k);
  const b = randArray(next, k * n);
  const expected = matMulRef(a, b, m, n, k);
  const w = await spawnWorker({ threads: 2, workerUrl: '/packages/cnn-worker/dist/worker.browser.js' });
  await w.resetThreadTaskCounts();
  const diffs: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const r = await w.submit([
      { kind: 'upload', id: 1, data: a.slice() },
      { kind: 'upload', id: 2, data: b.slice() },
      { kind: 'call', fn: 'matMul', inputs: [1, 2], outputs: [{ id: 3, size: m * n }], args: [m, n, k, false, false] },
      { kind: 'read', id: 3 },
      { kind: 'free', id: 1 },
      { kind: 'free', id: 2 },
      { kind: 'free', id: 3 },
    ]);
    if (r.error) throw new Error(r.error.message);
    diffs.push(maxRelDiff(r.reads[0], expected));
  }
  const stats = await w.stats();
  return { info: w.info, diffs, counts: stats.threadTaskCounts, isolated: crossOriginIsolated };
}

(window as unknown as { result: Promise<unknown> }).result = main();
