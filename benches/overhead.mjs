// Overhead of the tensor layer and of the worker boundary (issue: ops in
// batches). One process, one run:
//   direct   — 1,000 wasm kernel calls on raw buffer handles (no cnn-ts)
//   inline   — the same chain through cnn-ts, core in this thread (Node default)
//   worker   — the same chain through cnn-ts, core in a worker (browser model)
// and one training step of a small convnet in inline and worker mode.
//
//   node benches/overhead.mjs
import * as tf from 'cnn-ts';
import { loadCore } from 'cnn-worker';

const N = 1000;
const ROUNDS = 9;
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function timeIt(f) {
  await f();
  const s = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await f();
    s.push(performance.now() - t0);
  }
  return median(s);
}

async function direct() {
  const core = await loadCore({ threads: 1 });
  const len = 64;
  const bufs = [core.upload(new Float32Array(len).fill(1))];
  for (let i = 0; i < N; i++) bufs.push(core.alloc(len));
  return timeIt(async () => {
    for (let i = 0; i < N; i++) core.raw.unary(bufs[i], bufs[i + 1], 11, 1, 1); // affine: x + 1
    core.read(bufs[N], len);
  });
}

async function chain() {
  return timeIt(async () => {
    const x = tf.ones([64]);
    let y = x;
    for (let i = 0; i < N; i++) {
      const z = tf.add(y, 1);
      if (y !== x) y.dispose();
      y = z;
    }
    await y.data();
    y.dispose();
    x.dispose();
  });
}

async function trainStep() {
  tf.random.setSeed(1);
  const m = tf.builders.cifarCnn([32, 32, 3], 10);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.randomUniform([64, 32, 32, 3]);
  const y = tf.tensor(Int32Array.from({ length: 64 }, (_, i) => i % 10), [64], 'int32');
  const ms = await timeIt(() => m.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0, shuffle: false, checkFinite: false }));
  m.dispose();
  tf.dispose([x, y]);
  return ms;
}

const d = await direct();
await tf.ready({ mode: 'inline', threads: 1 });
const inl = await chain();
const stepInl = await trainStep();
await tf.ready({ mode: 'worker', threads: 1 });
const wrk = await chain();
const stepWrk = await trainStep();
console.log(`# ${N} chained small ops (add 1 to a [64] tensor), median of ${ROUNDS}, 1 thread`);
console.log(`direct wasm calls      ${d.toFixed(2)} ms  (${((d / N) * 1000).toFixed(2)} us/op)`);
console.log(`cnn-ts, inline core    ${inl.toFixed(2)} ms  (${((inl / N) * 1000).toFixed(2)} us/op, +${(((inl - d) / N) * 1000).toFixed(2)} us/op over direct)`);
console.log(`cnn-ts, worker core    ${wrk.toFixed(2)} ms  (${((wrk / N) * 1000).toFixed(2)} us/op, +${(((wrk - d) / N) * 1000).toFixed(2)} us/op over direct)`);
console.log(`# one training step of the seed CNN (32x32x3, batch 64, Adam), 1 thread`);
console.log(`inline core            ${stepInl.toFixed(2)} ms`);
console.log(`worker core            ${stepWrk.toFixed(2)} ms  (worker boundary: ${(stepWrk - stepInl).toFixed(2)} ms per step)`);
process.exit(0);
