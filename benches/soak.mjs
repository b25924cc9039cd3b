// Soak: many training steps of a small CNN, sampling what must stay flat --
// tensors, core buffers and floats, the wasm heap, the JS heap after GC of
// the main thread and (worker mode) of the worker, and RSS -- at regular
// points. Prints one JSON line per sample and a summary, and exits 1 if
// anything grew over the second half of the measured steps.
//
//   node --expose-gc benches/soak.mjs [--mode inline|worker] [--steps 10000] [--samples 10] [--threads 2] [--warmup 1000]
//
// The measured window is fair to V8, like a benchmark's warm-up:
// - V8 doubles an isolate's young generation (new space) whenever many
//   objects survive scavenges, up to --max-semi-space-size, and does not
//   shrink it while the program is busy. Unpinned, the main isolate's new
//   space went 8 -> 16 -> 32 MiB (at ~500 and ~2,000 steps) and the
//   worker's 4 -> 8 -> 16 MiB (at ~500 and ~4,000 steps): one-time steps of
//   RSS that are heap capacity, not live data. So this script runs itself
//   with the young generation pinned at Node 20's ceiling (16 MiB
//   semi-spaces) unless the caller set one; the pinned size is reported.
// - The first `--warmup` steps (JIT tiers, V8 touching its new-space pages,
//   the optimizer's slots, the buffer pool) are run before the first sample
//   and are not measured.
// tests/reliability-soak.test.ts runs a short version in CI.
import * as tf from 'cnn-ts';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';

const PIN = ['--min-semi-space-size=16', '--max-semi-space-size=16'];
if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size') || a.startsWith('--min-semi-space-size'))) {
  const r = spawnSync(process.execPath, [...process.execArgv, ...PIN, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'inline' },
    steps: { type: 'string', default: '10000' },
    samples: { type: 'string', default: '10' },
    threads: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1000' },
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
  // In worker mode also collects in the worker, and reports its heap.
  const s = await tf.coreStats({ gc: true });
  const m = process.memoryUsage();
  return {
    step,
    loss,
    tensors: tf.memory().numTensors,
    buffers: s.buffers,
    floats: s.floats,
    wasmHeap: s.heapBytes,
    jsHeap: m.heapUsed,
    jsHeapTotal: m.heapTotal,
    workerJsHeap: info.mode === 'worker' ? s.jsHeap.used : 0,
    workerJsHeapTotal: info.mode === 'worker' ? s.jsHeap.total : 0,
    rss: m.rss,
  };
}

// Warm-up, not measured (see the top of this file).
let h = await model.fit(x, y, { epochs: Math.max(1, Number(args.warmup)), batchSize: 16, verbose: 0 });
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
const growth = (k) => (mid[k] === 0 ? 0 : (last[k] - mid[k]) / mid[k]);
const mib = (k, d = 2) => [rows[0][k], mid[k], last[k]].map((v) => Number((v / 2 ** 20).toFixed(d)));
const summary = {
  mode: info.mode,
  threads: info.poolThreads,
  steps,
  warmupSteps: Number(args.warmup),
  semiSpaceMiB: v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space').space_size / 2 / 2 ** 20,
  seconds: Number(seconds.toFixed(1)),
  stepsPerSecond: Number((steps / seconds).toFixed(0)),
  lossFirst: rows[0].loss,
  lossLast: last.loss,
  // [after warm-up, half-way, end]
  tensors: [rows[0].tensors, mid.tensors, last.tensors],
  buffers: [rows[0].buffers, mid.buffers, last.buffers],
  floats: [rows[0].floats, mid.floats, last.floats],
  wasmHeapMiB: [rows[0].wasmHeap / 2 ** 20, mid.wasmHeap / 2 ** 20, last.wasmHeap / 2 ** 20],
  jsHeapMiB: mib('jsHeap'),
  jsHeapTotalMiB: mib('jsHeapTotal', 1),
  workerJsHeapMiB: mib('workerJsHeap'),
  workerJsHeapTotalMiB: mib('workerJsHeapTotal', 1),
  rssMiB: mib('rss', 1),
  jsHeapGrowthSecondHalf: Number(growth('jsHeap').toFixed(4)),
  workerJsHeapGrowthSecondHalf: Number(growth('workerJsHeap').toFixed(4)),
  rssGrowthSecondHalf: Number(growth('rss').toFixed(4)),
};
const flat = last.tensors === mid.tensors && last.buffers === mid.buffers && last.floats === mid.floats && last.wasmHeap === mid.wasmHeap && summary.rssGrowthSecondHalf < 0.05 && summary.jsHeapGrowthSecondHalf < 0.05 && summary.workerJsHeapGrowthSecondHalf < 0.05;
console.log(JSON.stringify({ summary, flat }));
model.dispose();
tf.dispose([x, y]);
process.exitCode = flat ? 0 : 1;
