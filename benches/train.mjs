// Training and inference throughput of the seed's CIFAR CNN (32x32x3, batch
// 64, Adam), side by side in one process:
//   cnn-ts at 1 and 2 threads (core in this thread, rayon on worker_threads)
//   @tensorflow/tfjs-backend-cpu training the same model (tfjs-layers)
//   @tensorflow/tfjs-backend-wasm: predict only (it has no Conv2DBackpropFilter)
//
//   node benches/train.mjs [--steps 20] [--json out.json]
import * as ctf from 'cnn-ts';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import os from 'node:os';

const { values: args } = parseArgs({ options: { steps: { type: 'string', default: '20' }, json: { type: 'string' } } });
const STEPS = Number(args.steps);
const B = 64;
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

function tfjsModel() {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [32, 32, 3] }));
  m.add(tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
  m.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

const xData = Float32Array.from({ length: B * 32 * 32 * 3 }, () => Math.random());
const yData = Int32Array.from({ length: B }, (_, i) => i % 10);

/** cnn-ts: images/s of fit() over `steps` batches (after one warm-up step). */
async function oursTrain(threads) {
  await ctf.ready({ threads, mode: 'inline' });
  ctf.random.setSeed(1);
  const m = ctf.builders.cifarCnn([32, 32, 3], 10);
  m.compile({ optimizer: ctf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const n = B * STEPS;
  const x = ctf.tensor(new Float32Array(n * 3072).map((_, i) => xData[i % xData.length]), [n, 32, 32, 3]);
  const y = ctf.tensor(Int32Array.from({ length: n }, (_, i) => yData[i % B]), [n], 'int32');
  await m.fit(ctf.slice(x, 0, B), ctf.slice(y, 0, B), { epochs: 1, batchSize: B, verbose: 0, checkFinite: false });
  const t0 = performance.now();
  await m.fit(x, y, { epochs: 1, batchSize: B, verbose: 0, checkFinite: false });
  const s = (performance.now() - t0) / 1000;
  // Forward (predict) at batch 64, median of 15.
  const xb = ctf.slice(x, 0, B);
  await m.predict(xb).data();
  const times = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    const p = m.predict(xb);
    await p.data();
    p.dispose();
    times.push(performance.now() - t);
  }
  m.dispose();
  ctf.dispose([x, y, xb]);
  return { imagesPerSecond: n / s, predictMs: median(times) };
}

async function tfjsTrainCpu() {
  await tf.setBackend('cpu');
  const m = tfjsModel();
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.tensor4d(xData, [B, 32, 32, 3]);
  const y = tf.tensor1d(Float32Array.from(yData));
  const t0 = performance.now();
  await m.fit(x, y, { epochs: 1, batchSize: B, verbose: 0 });
  const s = (performance.now() - t0) / 1000;
  return B / s;
}

async function tfjsWasm() {
  await tf.setBackend('wasm');
  const m = tfjsModel();
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy' });
  const x = tf.tensor4d(xData, [B, 32, 32, 3]);
  const y = tf.tensor1d(Float32Array.from(yData));
  let trainError = '';
  try {
    await m.fit(x, y, { epochs: 1, batchSize: B, verbose: 0 });
  } catch (e) {
    trainError = e.message;
  }
  const run = () => tf.tidy(() => m.predict(x).dataSync());
  run();
  const times = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  return { predictMs: median(times), trainError };
}

const one = await oursTrain(1);
const two = await oursTrain(2);
const cpu = await tfjsTrainCpu();
const wasm = await tfjsWasm();
const out = {
  date: new Date().toISOString(),
  cpu: os.cpus()[0].model,
  steps: STEPS,
  ours1: one,
  ours2: two,
  tfjsCpuTrainImagesPerSecond: cpu,
  tfjsWasm: wasm,
};
console.log(`# seed CIFAR CNN, 32x32x3, batch ${B}, Adam; ${out.date.slice(0, 10)}, ${out.cpu} x${os.cpus().length}, Node ${process.version}`);
console.log(`training  cnn-ts 1 thread : ${one.imagesPerSecond.toFixed(0)} images/s`);
console.log(`training  cnn-ts 2 threads: ${two.imagesPerSecond.toFixed(0)} images/s (${(two.imagesPerSecond / one.imagesPerSecond).toFixed(2)}x of 1 thread)`);
console.log(`training  tfjs-backend-cpu: ${cpu.toFixed(1)} images/s  -> cnn-ts 2 threads is ${(two.imagesPerSecond / cpu).toFixed(0)}x`);
console.log(`training  tfjs-backend-wasm: ${wasm.trainError ? `fails: ${wasm.trainError}` : 'ran'}`);
console.log(`predict   batch 64: tfjs-wasm ${wasm.predictMs.toFixed(2)} ms (1 thread), cnn-ts ${one.predictMs.toFixed(2)} ms (1 thread) -> ${(wasm.predictMs / one.predictMs).toFixed(2)}x; cnn-ts 2 threads ${two.predictMs.toFixed(2)} ms -> ${(wasm.predictMs / 2 / two.predictMs).toFixed(2)}x of 2 x tfjs-wasm`);
if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 2));
process.exit(0);
