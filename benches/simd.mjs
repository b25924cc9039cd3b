// Strict SIMD128 vs relaxed SIMD (fused multiply-adds) on the seed's CIFAR
// CNN (32x32x3, batch 64, Adam): training img/s and predict ms at batch 64,
// the two builds alternating round by round in this process (ready() swaps
// the core), so the drift of the shared second vCPU hits both. Medians.
//
//   node benches/simd.mjs [--rounds 5] [--threads 2] [--steps 20]
import * as tf from 'cnn-ts';
import { parseArgs } from 'node:util';
import os from 'node:os';

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, threads: { type: 'string', default: '2' }, steps: { type: 'string', default: '20' } },
});
const THREADS = Number(args.threads);
const STEPS = Number(args.steps);
const B = 64;
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function measure(simd) {
  const info = await tf.ready({ simd, threads: THREADS, mode: 'inline' });
  if (info.relaxedSimd !== (simd === 'relaxed')) throw new Error(`asked for ${simd}, got relaxedSimd=${info.relaxedSimd}`);
  tf.random.setSeed(1);
  const m = tf.builders.cifarCnn([32, 32, 3], 10);
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy' });
  const n = B * STEPS;
  const x = tf.randomUniform([n, 32, 32, 3]);
  const y = tf.tensor(Int32Array.from({ length: n }, (_, i) => i % 10), [n], 'int32');
  const xw = tf.slice(x, 0, 2 * B);
  const yw = tf.slice(y, 0, 2 * B);
  await m.fit(xw, yw, { epochs: 1, batchSize: B, verbose: 0 });
  let t0 = performance.now();
  await m.fit(x, y, { epochs: 1, batchSize: B, verbose: 0, shuffle: false });
  const train = n / ((performance.now() - t0) / 1000);
  const times = [];
  for (let i = 0; i < 12; i++) {
    t0 = performance.now();
    const p = m.predict(xw);
    await p.data();
    times.push(performance.now() - t0);
    p.dispose();
  }
  tf.dispose([x, y, xw, yw]);
  m.dispose();
  return { train, predict: median(times.slice(2)) };
}

console.log(`# seed CIFAR CNN, batch ${B}, ${THREADS} thread(s), ${STEPS} steps a round; load average ${os.loadavg()[0].toFixed(2)}`);
const r = { strict: { train: [], predict: [] }, relaxed: { train: [], predict: [] } };
for (let i = 0; i < Number(args.rounds); i++) {
  for (const simd of i % 2 === 0 ? ['strict', 'relaxed'] : ['relaxed', 'strict']) {
    const m = await measure(simd);
    r[simd].train.push(m.train);
    r[simd].predict.push(m.predict);
  }
  console.log(`round ${i + 1}: train strict ${r.strict.train.at(-1).toFixed(0)} / relaxed ${r.relaxed.train.at(-1).toFixed(0)} img/s, `
    + `predict strict ${r.strict.predict.at(-1).toFixed(2)} / relaxed ${r.relaxed.predict.at(-1).toFixed(2)} ms`);
}
const ratio = (k, inv) => median(r.strict[k].map((s, i) => (inv ? s / r.relaxed[k][i] : r.relaxed[k][i] / s))).toFixed(3);
console.log(`median relaxed/strict: training ${ratio('train', false)}x img/s, predict ${ratio('predict', true)}x speed; load average ${os.loadavg()[0].toFixed(2)}`);
tf.engine().terminateCore?.();
