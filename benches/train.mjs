// Training and inference throughput of the seed's CIFAR CNN (32x32x3, batch
// 64, Adam), side by side in one process:
//   cnn-ts at 1 and 2 threads (core in this thread, rayon on worker_threads)
//   @tensorflow/tfjs-backend-cpu training the same model (tfjs-layers)
//   @tensorflow/tfjs-backend-wasm: predict only (it has no Conv2DBackpropFilter),
//     timed alternately with cnn-ts's predict
//
//   node benches/train.mjs [--steps 20] [--json out.json]
//   node benches/train.mjs --predict-races 5 [--threads 1]
//        (predict batch 64 only: that many races against tfjs-wasm in one
//        process, each printed with the load average: the host's speed
//        changes between them, and with it the ratio)
import * as ctf from 'cnn-ts';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { seedCnnSpeed } from './seed-cnn-speed.mjs';

const { values: args } = parseArgs({
  options: { steps: { type: 'string', default: '20' }, json: { type: 'string' }, 'predict-races': { type: 'string' }, threads: { type: 'string', default: '1' } },
});
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
  const r = await seedCnnSpeed(ctf, { threads, steps: STEPS, warmupSteps: 1, predictRuns: 0, metrics: ['accuracy'], data: xData });
  return { imagesPerSecond: r.trainImagesPerSecond };
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

/** tfjs-backend-wasm: training fails (no filter-gradient kernel); returns the error. */
async function tfjsWasmTrainError() {
  await tf.setBackend('wasm');
  const m = tfjsModel();
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy' });
  const x = tf.tensor4d(xData, [B, 32, 32, 3]);
  const y = tf.tensor1d(Float32Array.from(yData));
  try {
    await m.fit(x, y, { epochs: 1, batchSize: B, verbose: 0 });
    return '';
  } catch (e) {
    return e.message;
  } finally {
    tf.dispose([x, y]);
    m.dispose();
  }
}

/**
 * predict() of one batch of 64, cnn-ts at `threads` against tfjs-backend-wasm
 * (1 thread in Node), samples alternating so that drift hits both alike.
 * Both use predict's default batch size (32), as Keras and TF.js do.
 */
async function predictRace(threads, rounds = 21) {
  await tf.setBackend('wasm');
  await ctf.ready({ threads, mode: 'inline' });
  ctf.random.setSeed(1);
  const ours = ctf.builders.cifarCnn([32, 32, 3], 10);
  const theirs = tfjsModel();
  const xo = ctf.tensor(xData, [B, 32, 32, 3]);
  const xt = tf.tensor4d(xData, [B, 32, 32, 3]);
  const runOurs = async () => {
    const p = ours.predict(xo);
    await p.data();
    p.dispose();
  };
  const runTheirs = () => tf.tidy(() => theirs.predict(xt).dataSync());
  await runOurs();
  runTheirs();
  const a = [];
  const b = [];
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    await runOurs();
    a.push(performance.now() - t);
    t = performance.now();
    runTheirs();
    b.push(performance.now() - t);
  }
  ours.dispose();
  theirs.dispose();
  xo.dispose();
  xt.dispose();
  return { oursMs: median(a), tfjsWasmMs: median(b) };
}

if (args['predict-races']) {
  for (let i = 0; i < Number(args['predict-races']); i++) {
    const p = await predictRace(Number(args.threads));
    console.log(`predict batch 64, ${args.threads} thread(s), race ${i + 1}: cnn-ts ${p.oursMs.toFixed(2)} ms, tfjs-wasm ${p.tfjsWasmMs.toFixed(2)} ms -> ${(p.tfjsWasmMs / p.oursMs).toFixed(2)}x (load ${os.loadavg()[0].toFixed(1)})`);
  }
  process.exit(0);
}
const one = await oursTrain(1);
const two = await oursTrain(2);
const cpu = await tfjsTrainCpu();
const wasmTrainError = await tfjsWasmTrainError();
const p1 = await predictRace(1);
const p2 = await predictRace(2);
const out = {
  date: new Date().toISOString(),
  cpu: os.cpus()[0].model,
  steps: STEPS,
  ours1: one,
  ours2: two,
  tfjsCpuTrainImagesPerSecond: cpu,
  tfjsWasmTrainError: wasmTrainError,
  predict1: p1,
  predict2: p2,
};
console.log(`# seed CIFAR CNN, 32x32x3, batch ${B}, Adam; ${out.date.slice(0, 10)}, ${out.cpu} x${os.cpus().length}, Node ${process.version}`);
console.log(`training  cnn-ts 1 thread : ${one.imagesPerSecond.toFixed(0)} images/s`);
console.log(`training  cnn-ts 2 threads: ${two.imagesPerSecond.toFixed(0)} images/s (${(two.imagesPerSecond / one.imagesPerSecond).toFixed(2)}x of 1 thread)`);
console.log(`training  tfjs-backend-cpu: ${cpu.toFixed(1)} images/s  -> cnn-ts 2 threads is ${(two.imagesPerSecond / cpu).toFixed(0)}x`);
console.log(`training  tfjs-backend-wasm: ${wasmTrainError ? `fails: ${wasmTrainError}` : 'ran'}`);
console.log(`predict   batch 64, 1 thread : cnn-ts ${p1.oursMs.toFixed(2)} ms, tfjs-wasm ${p1.tfjsWasmMs.toFixed(2)} ms -> ${(p1.tfjsWasmMs / p1.oursMs).toFixed(2)}x`);
console.log(`predict   batch 64, 2 threads: cnn-ts ${p2.oursMs.toFixed(2)} ms, tfjs-wasm ${p2.tfjsWasmMs.toFixed(2)} ms (1 thread) -> ${(p2.tfjsWasmMs / p2.oursMs).toFixed(2)}x, ${(p2.tfjsWasmMs / 2 / p2.oursMs).toFixed(2)}x of 2 x tfjs-wasm`);
if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 2));
process.exit(0);
