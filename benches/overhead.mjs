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

async function smallStep() {
  tf.random.setSeed(1);
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 32, activation: 'relu', inputShape: [784] }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.randomUniform([32, 784]);
  const y = tf.tensor(Int32Array.from({ length: 32 }, (_, i) => i % 10), [32], 'int32');
  const ms = await timeIt(() => m.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, shuffle: false, checkFinite: false }));
  m.dispose();
  tf.dispose([x, y]);
  return ms;
}

// The modes alternate three times and each figure is the median of its
// three runs, so that drift of the machine hits both modes alike.
const d = await direct();
const r = { inline: { chain: [], step: [], small: [] }, worker: { chain: [], step: [], small: [] } };
for (let rep = 0; rep < 3; rep++) {
  for (const mode of ['inline', 'worker']) {
    await tf.ready({ mode, threads: 1 });
    r[mode].chain.push(await chain());
    r[mode].step.push(await trainStep());
    r[mode].small.push(await smallStep());
  }
}
const med3 = (a) => [...a].sort((x, y) => x - y)[1];
const inl = med3(r.inline.chain);
const wrk = med3(r.worker.chain);
const stepInl = med3(r.inline.step);
const stepWrk = med3(r.worker.step);
const smallInl = med3(r.inline.small);
const smallWrk = med3(r.worker.small);
console.log(`# ${N} chained small ops (add 1 to a [64] tensor), median of ${ROUNDS}, 1 thread`);
console.log(`direct wasm calls      ${d.toFixed(2)} ms  (${((d / N) * 1000).toFixed(2)} us/op)`);
console.log(`cnn-ts, inline core    ${inl.toFixed(2)} ms  (${((inl / N) * 1000).toFixed(2)} us/op, +${(((inl - d) / N) * 1000).toFixed(2)} us/op over direct)`);
console.log(`cnn-ts, worker core    ${wrk.toFixed(2)} ms  (${((wrk / N) * 1000).toFixed(2)} us/op, +${(((wrk - d) / N) * 1000).toFixed(2)} us/op over direct)`);
console.log(`# one training step (fit of one batch), 1 thread, modes alternated 3 times`);
console.log(`seed CIFAR CNN, batch 64: inline ${stepInl.toFixed(2)} ms, worker ${stepWrk.toFixed(2)} ms (worker boundary: ${(stepWrk - stepInl).toFixed(2)} ms per step)`);
console.log(`MLP 784-32-10, batch 32 : inline ${smallInl.toFixed(2)} ms, worker ${smallWrk.toFixed(2)} ms (worker boundary: ${(smallWrk - smallInl).toFixed(2)} ms per step)`);
process.exit(0);
