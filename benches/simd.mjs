// Strict SIMD128 vs relaxed SIMD (fused multiply-adds) on the seed's CIFAR
// CNN (32x32x3, batch 64, Adam): training img/s and predict ms at batch 64,
// the two builds alternating round by round in this process (ready() swaps
// the core), so the drift of the shared second vCPU hits both. Medians.
//
//   node benches/simd.mjs [--rounds 5] [--threads 2] [--steps 20]
import * as tf from 'cnn-ts';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { seedCnnSpeed } from './seed-cnn-speed.mjs';

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, threads: { type: 'string', default: '2' }, steps: { type: 'string', default: '20' } },
});
const THREADS = Number(args.threads);
const STEPS = Number(args.steps);
const B = 64;
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function measure(simd) {
  const m = await seedCnnSpeed(tf, { simd, threads: THREADS, steps: STEPS, warmupSteps: 2, predictBatch: 2 * B, predictRuns: 10, predictWarmup: 2 });
  return { train: m.trainImagesPerSecond, predict: m.predictMs };
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
