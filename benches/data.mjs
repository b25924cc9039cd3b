// Training from data of any size (issue 12), one process per case:
//
//   node benches/data.mjs --case speed    fitDataset on CIFAR-shaped uint8 samples (batched and
//                                         scaled per batch) vs fit on a prebuilt float32 tensor,
//                                         alternating, img/s and their ratio (target >= 95 %)
//   node benches/data.mjs --case stream   wasm heap and RSS over one epoch streamed from a
//                                         generator that makes --gb of data (default 5 GB)
//   node benches/data.mjs --case fashion  70,000 Fashion-MNIST images in one tensor, fit with
//                                         validationSplit 0.1: wasm memory above the data (target <= 64 MB)
//   node benches/data.mjs --case cifar-big  60000x32x32x3 float32 (737 MB), fit with
//                                         validationSplit 0.1 and default options (the failing case)
//
// Options: --pairs N (speed), --n N (speed samples), --gb G (stream), --threads N,
//          --fashion DIR (the four IDX files; default /work/shared/data/fashion-mnist, else loadFashionMnist's)
import * as tf from 'cnn-ts';
import { loadFashionMnist } from 'cnn-ts/node';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';

const { values: args } = parseArgs({
  options: {
    case: { type: 'string', default: 'speed' },
    pairs: { type: 'string', default: '3' },
    n: { type: 'string', default: '3200' },
    gb: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    fashion: { type: 'string' },
  },
});
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const MiB = (b) => (b / 2 ** 20).toFixed(1);
const heap = async () => (await tf.coreStats()).heapBytes;

await tf.ready({ threads: Number(args.threads) });

function cifarModel() {
  tf.random.setSeed(1);
  const m = tf.builders.cifarCnn([32, 32, 3], 10);
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

async function speed() {
  const n = Number(args.n);
  const B = 64;
  const bytes = new Uint8Array(n * 3072);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  // fit's input: the same pixels, prebuilt as one float32 tensor in wasm memory.
  const x = tf.tensor(Float32Array.from(bytes, (b) => b / 255), [n, 32, 32, 3]);
  const y = tf.tensor(labels, [n], 'int32');
  // fitDataset's input: uint8 samples in host memory, shuffled, converted per batch.
  const samples = Array.from({ length: n }, (_, i) => ({ xs: tf.data.hostArray(bytes.subarray(i * 3072, (i + 1) * 3072), [32, 32, 3], { scale: 1 / 255 }), ys: labels[i] }));
  const ds = tf.data.array(samples).shuffle(n).batch(B).prefetch(2);
  const m = cifarModel();
  await m.fit(x.slice(0, B), y.slice(0, B), { epochs: 1, batchSize: B, verbose: 0 });
  const runs = { fit: [], fitDataset: [] };
  for (let p = 0; p < Number(args.pairs); p++) {
    for (const which of p % 2 === 0 ? ['fit', 'fitDataset'] : ['fitDataset', 'fit']) {
      const t0 = performance.now();
      if (which === 'fit') await m.fit(x, y, { epochs: 1, batchSize: B, verbose: 0 });
      else await m.fitDataset(ds, { epochs: 1, verbose: 0 });
      runs[which].push(n / ((performance.now() - t0) / 1000));
    }
  }
  const ratios = runs.fit.map((f, i) => runs.fitDataset[i] / f);
  console.log(`speed: cifarCnn, batch ${B}, ${n} samples/epoch, ${args.threads} threads, ${args.pairs} alternating pairs`);
  console.log(`  fit (prebuilt float32 tensor):   ${runs.fit.map((v) => v.toFixed(0)).join(', ')} img/s (median ${median(runs.fit).toFixed(0)})`);
  console.log(`  fitDataset (uint8 host samples): ${runs.fitDataset.map((v) => v.toFixed(0)).join(', ')} img/s (median ${median(runs.fitDataset).toFixed(0)})`);
  console.log(`  ratio fitDataset/fit per pair: ${ratios.map((r) => (100 * r).toFixed(1) + ' %').join(', ')} (median ${(100 * median(ratios)).toFixed(1)} %)`);
}

async function stream() {
  const total = Number(args.gb) * 1e9;
  const side = 64;
  const sampleBytes = side * side * 3;
  const count = Math.floor(total / sampleBytes);
  const B = 128;
  // A cheap model so the bench measures the data path: 8x8 average pool, dense 10.
  tf.random.setSeed(1);
  const m = tf.sequential();
  m.add(tf.layers.averagePooling2d({ poolSize: 8, inputShape: [side, side, 3] }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  const ds = tf.data
    .generator(function* () {
      for (let i = 0; i < count; i++) {
        const px = new Uint8Array(sampleBytes); // fresh bytes every sample: nothing is reused
        px.fill(i & 255);
        px[i % sampleBytes] = 7;
        yield { xs: tf.data.hostArray(px, [side, side, 3], { scale: 1 / 255 }), ys: i % 10 };
      }
    })
    .batch(B)
    .prefetch(2);
  const marks = [];
  const steps = Math.ceil(count / B);
  const every = Math.max(1, Math.floor(steps / 20));
  const t0 = performance.now();
  await m.fitDataset(ds, {
    epochs: 1,
    verbose: 0,
    callbacks: {
      onBatchEnd: async (b) => {
        if (b % every === 0) marks.push({ b, heap: await heap(), rss: process.memoryUsage().rss });
      },
    },
  });
  const s = (performance.now() - t0) / 1000;
  const after = marks.slice(1); // after the first batches have sized the pools
  const hs = after.map((x) => x.heap);
  const rs = after.map((x) => x.rss);
  console.log(`stream: ${count} samples of ${side}x${side}x3 uint8 (${(count * sampleBytes / 1e9).toFixed(2)} GB) made by a generator, batch ${B}, one epoch in ${s.toFixed(0)} s (${(count * sampleBytes / 1e6 / s).toFixed(0)} MB/s)`);
  console.log(`  wasm heap over the epoch: min ${MiB(Math.min(...hs))} MiB, max ${MiB(Math.max(...hs))} MiB (${marks.length} samples)`);
  console.log(`  RSS over the epoch:       min ${MiB(Math.min(...rs))} MiB, max ${MiB(Math.max(...rs))} MiB`);
}

async function fashion() {
  const dir = args.fashion ?? (existsSync('/work/shared/data/fashion-mnist/train-images-idx3-ubyte.gz') ? '/work/shared/data/fashion-mnist' : undefined);
  const d = await loadFashionMnist({ dir });
  const n = d.trainShape[0] + d.testShape[0];
  const pixels = new Float32Array(n * 784);
  pixels.set(d.trainImages);
  pixels.set(d.testImages, d.trainImages.length);
  const labels = new Int32Array(n);
  labels.set(d.trainLabels);
  labels.set(d.testLabels, d.trainLabels.length);
  const base = await heap();
  tf.random.setSeed(1);
  const m = tf.builders.cifarCnn([28, 28, 1], 10);
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.tensor(pixels, [n, 28, 28, 1]);
  const y = tf.tensor(labels, [n], 'int32');
  const dataBytes = (x.size + y.size) * 4;
  let peak = await heap();
  const t0 = performance.now();
  const h = await m.fit(x, y, {
    epochs: 1,
    batchSize: 64,
    validationSplit: 0.1,
    verbose: 0,
    callbacks: { onBatchEnd: async (b) => void (b % 50 === 0 && (peak = Math.max(peak, await heap()))), onEpochEnd: async () => void (peak = Math.max(peak, await heap())) },
  });
  const s = (performance.now() - t0) / 1000;
  peak = Math.max(peak, await heap());
  console.log(`fashion: ${n} images (${d.source}), cifarCnn, batch 64, validationSplit 0.1, one epoch in ${s.toFixed(0)} s; val_accuracy ${h.history.val_accuracy[0].toFixed(4)}`);
  console.log(`  data ${MiB(dataBytes)} MiB; wasm heap before the data ${MiB(base)} MiB, peak ${MiB(peak)} MiB: ${MiB(peak - base - dataBytes)} MiB above the data (target <= 64)`);
}

async function cifarBig() {
  const n = 60000;
  const base = await heap();
  tf.random.setSeed(3);
  const x = tf.randomUniform([n, 32, 32, 3]);
  const y = tf.tensor(Int32Array.from({ length: n }, (_, i) => i % 10), [n], 'int32');
  const m = cifarModel();
  const t0 = performance.now();
  const h = await m.fit(x, y, { validationSplit: 0.1, verbose: 0 });
  const s = (performance.now() - t0) / 1000;
  const peak = await heap();
  console.log(`cifar-big: fit(60000x32x32x3 float32 = ${MiB(x.size * 4)} MiB, validationSplit 0.1, default options) trained in ${s.toFixed(0)} s; val_loss ${h.history.val_loss[0].toFixed(4)}`);
  console.log(`  wasm heap before ${MiB(base)} MiB, after ${MiB(peak)} MiB: ${MiB(peak - base - x.size * 4 - y.size * 4)} MiB above the data`);
}

const cases = { speed, stream, fashion, 'cifar-big': cifarBig };
const run = cases[args.case];
if (!run) throw new Error(`--case must be one of ${Object.keys(cases).join(', ')}`);
console.log(`host: ${(await import('node:os')).cpus().length} vCPUs (shared with other work while measured)`);
await run();
