// A page that is NOT cross-origin isolated: no SharedArrayBuffer, so
// cnn-worker must pick the single-threaded SIMD build by itself.
import { spawnWorker } from 'cnn-worker';

async function main() {
  const w = await spawnWorker({ workerUrl: '/packages/cnn-worker/dist/worker.browser.js' });
  const r = await w.submit([
    { kind: 'upload', id: 1, data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    { kind: 'upload', id: 2, data: Float32Array.from([1, 0, 0, 1, 1, 1]) },
    { kind: 'call', fn: 'matMul', inputs: [1, 2], outputs: [{ id: 3, size: 4 }], args: [2, 2, 3, false, false] },
    { kind: 'read', id: 3 },
  ]);
  if (r.error) throw new Error(r.error.message);
  return { info: w.info, product: Array.from(r.reads[0]), isolated: crossOriginIsolated };
}

(window as unknown as { result: Promise<unknown> }).result = main();
