// Soak: many training steps of a small CNN, sampling what must stay flat --
// tensors, core buffers and floats, the wasm heap, the main thread's JS heap
// after GC, and RSS -- at regular points. Prints one JSON line per sample
// and a summary, and exits 1 if anything grew over the second half.
//
//   node --expose-gc benches/soak.mjs [--mode inline|worker] [--steps 10000] [--samples 10] [--threads 2]
//
// tests/reliability-soak.test.ts runs a short version in CI.
import * as tf from 'cnn-ts';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'inline' },
    steps: { type: 'string', default: '10000' },
    samples: { type: 'string', default: '10' },
    threads: { type: 'string', default: '2' },
  },
});
const steps = Number(args.steps);
const samples = Number(args.samples);
if (typeof globalThis.gc !== 'function') throw new Error('soak: run with node --expose-gc');

const info = await tf.ready({ mode: args.mode, threads: Number(args.threads) });
tf.random.setSeed(7);
const model = tf.sequential();
model.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 12, 1] }));
model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
model.add(tf.layers.flatten());
model.add(tf.layers.dense({ units: 4 }));
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
// A learnable task: the label is the quadrant that is brighter.
const pixels = new Float32Array(16 * 144);
for (let i = 0; i < 16; i++) {
  for (let p = 0; p < 144; p++) {
    const q = (Math.floor(p / 12) < 6 ? 0 : 2) + (p % 12 < 6 ? 0 : 1);
    pixels[i * 144 + p] = ((i * 7 + p * 13) % 10) / 20 + (q === i % 4 ? 0.5 : 0);
  }
}
const x = tf.tensor(pixels, [16, 12, 12, 1]);
const y = tf.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 4), [16], 'int32');

async function sample(step, loss) {
  globalThis.gc();
  const s = await tf.coreStats();
  return { step, loss, tensors: tf.memory().numTensors, buffers: s.buffers, floats: s.floats, wasmHeap: s.heapBytes, jsHeap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
}

// Warm-up: optimizer slots, the buffer pool and JIT settle.
let h = await model.fit(x, y, { epochs: 50, batchSize: 16, verbose: 0 });
const rows = [await sample(0, h.history.loss.at(-1))];
const per = Math.max(1, Math.floor(steps / samples));
const t0 = performance.now();
for (let done = 0; done < steps; ) {
  const n = Math.min(per, steps - done);
  // One batch per epoch: each step also runs fit's per-epoch paths.
  h = await model.fit(x, y, { epochs: n, batchSize: 16, verbose: 0 });
  done += n;
  const r = await sample(done, h.history.loss.at(-1));
  rows.push(r);
  console.log(JSON.stringify(r));
}
const seconds = (performance.now() - t0) / 1000;
const mid = rows[Math.floor(rows.length / 2)];
const last = rows.at(-1);
const growth = (k) => (last[k] - mid[k]) / mid[k];
const summary = {
  mode: info.mode,
  threads: info.poolThreads,
  steps,
  seconds: Number(seconds.toFixed(1)),
  stepsPerSecond: Number((steps / seconds).toFixed(0)),
  lossFirst: rows[0].loss,
  lossLast: last.loss,
  // [after warm-up, half-way, end]
  tensors: [rows[0].tensors, mid.tensors, last.tensors],
  buffers: [rows[0].buffers, mid.buffers, last.buffers],
  floats: [rows[0].floats, mid.floats, last.floats],
  wasmHeapMiB: [rows[0].wasmHeap / 2 ** 20, mid.wasmHeap / 2 ** 20, last.wasmHeap / 2 ** 20],
  jsHeapMiB: [rows[0].jsHeap / 2 ** 20, mid.jsHeap / 2 ** 20, last.jsHeap / 2 ** 20].map((v) => Number(v.toFixed(2))),
  rssMiB: [rows[0].rss / 2 ** 20, mid.rss / 2 ** 20, last.rss / 2 ** 20].map((v) => Number(v.toFixed(1))),
  jsHeapGrowthSecondHalf: Number(growth('jsHeap').toFixed(4)),
  rssGrowthSecondHalf: Number(growth('rss').toFixed(4)),
};
const flat = last.tensors === mid.tensors && last.buffers === mid.buffers && last.floats === mid.floats && last.wasmHeap === mid.wasmHeap && summary.rssGrowthSecondHalf < 0.05 && summary.jsHeapGrowthSecondHalf < 0.05;
console.log(JSON.stringify({ summary, flat }));
model.dispose();
tf.dispose([x, y]);
process.exitCode = flat ? 0 : 1;
