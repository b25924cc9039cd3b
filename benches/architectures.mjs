// Whole-architecture benchmarks (issue 13), side by side in one process:
//   cnn-ts (threaded build, core inline) at 1 and 2 threads
//   @tensorflow/tfjs-backend-wasm 4.22 (XNNPACK, SIMD, 1 thread in Node)
// running the same architectures with the same random weights: each cnn-ts
// model is rebuilt layer by layer in tfjs-layers from its graph and its
// weights are copied over (the outputs are compared before timing).
// Forward passes alternate contender by contender, round by round, so the
// drift of this shared machine hits all alike; medians are reported.
// The 2-thread phase also times our 1 thread in the same rounds, on the
// same core run serially (`setRunSerially`, the 1-thread core's code path):
// "2 threads / 1 thread, alternating" is the median of those per-round
// ratios, free of the host's drift between the two phases.
// Training (ResNet-18, 32x32x3, batch 64, SGD): cnn-ts only, since
// tfjs-backend-wasm has no conv / depthwise backprop kernels.
//
//   node benches/architectures.mjs [--rounds 5] [--only resnet50,mobilenetV2,vgg16,train] [--simd auto|strict|relaxed] [--json out.json]
// (--simd: which of our wasm builds, as ready({simd}); auto picks relaxed
// SIMD where the engine has it. The build used is printed.)
import * as ctf from 'cnn-ts';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import os from 'node:os';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, only: { type: 'string' }, simd: { type: 'string', default: 'auto' }, json: { type: 'string' } } });
const SIMD = args.simd;
const ROUNDS = Number(args.rounds);
const ONLY = args.only ? args.only.split(',') : ['resnet50', 'mobilenetV2', 'vgg16', 'train'];
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

/** The tfjs-layers twin of one of our layers (same class, same arguments). */
function twin(l) {
  const c = l.getConfig();
  const base = { name: l.name };
  switch (l.className) {
    case 'Conv2D':
      return tfl.layers.conv2d({ ...base, filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, dilationRate: c.dilationRate, activation: c.activation, useBias: c.useBias });
    case 'DepthwiseConv2D':
      return tfl.layers.depthwiseConv2d({ ...base, kernelSize: c.kernelSize, depthMultiplier: c.depthMultiplier, strides: c.strides, padding: c.padding, activation: c.activation, useBias: c.useBias });
    case 'BatchNormalization':
      return tfl.layers.batchNormalization({ ...base, momentum: c.momentum, epsilon: c.epsilon });
    case 'Activation':
      return tfl.layers.activation({ ...base, activation: l.activation });
    case 'ReLU':
      return tfl.layers.reLU({ ...base, maxValue: l.maxValue });
    case 'ZeroPadding2D':
      return tfl.layers.zeroPadding2d({ ...base, padding: l.pads });
    case 'MaxPooling2D':
      return tfl.layers.maxPooling2d({ ...base, poolSize: c.poolSize, strides: c.strides, padding: c.padding });
    case 'GlobalAveragePooling2D':
      return tfl.layers.globalAveragePooling2d(base);
    case 'Add':
      return tfl.layers.add(base);
    case 'Flatten':
      return tfl.layers.flatten(base);
    case 'Dense':
      return tfl.layers.dense({ ...base, units: l.units, activation: l.activation, useBias: l.useBias });
    default:
      throw new Error(`no tfjs twin for ${l.className}`);
  }
}

/** Rebuilds our model's graph in tfjs-layers and copies the weights. */
async function tfjsTwin(ours) {
  const inShape = ours.inputs[0].shape.slice(1);
  const input = tfl.input({ shape: inShape });
  const out = new Map([[ours.inputs[0], input]]);
  const made = [];
  for (const node of ours.graph) {
    const layer = twin(node.layer);
    const ins = node.inputs.map((t) => out.get(t));
    const y = layer.apply(ins.length === 1 ? ins[0] : ins);
    node.outputs.forEach((o) => out.set(o, y));
    made.push([node.layer, layer]);
  }
  const m = tfl.model({ inputs: input, outputs: out.get(ours.outputs[0]) });
  for (const [a, b] of made) {
    const ws = a.weights;
    if (ws.length) b.setWeights(await Promise.all(ws.map(async (w) => tf.tensor(await w.data(), w.shape))));
  }
  return m;
}

/**
 * Random batch-norm statistics (gamma, beta, moving mean, moving variance),
 * so that the folded batch norms of our predict path are compared with
 * tfjs-layers' unfused ones on values that matter: with the initial
 * statistics MobileNetV2's features are all zero and every output equal.
 */
function randomiseBatchNorms(m) {
  let seed = 11;
  for (const l of m.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    const c = l.getWeights()[0].shape[0];
    const u = (lo, hi) => ctf.randomUniform([c], lo, hi, 'float32', seed++);
    const ws = [u(0.5, 1.5), u(-0.2, 0.4), u(-0.2, 0.2), u(0.5, 2)];
    l.setWeights(ws);
    ctf.dispose(ws);
  }
}

async function forwardRace(name, build, inputShape) {
  await tf.setBackend('wasm');
  const x = Float32Array.from({ length: inputShape.reduce((a, b) => a * b, 1) }, () => Math.random());
  const result = { name };
  for (const threads of [1, 2]) {
    const info = await ctf.ready({ threads, mode: 'inline', simd: SIMD });
    result.build = info.relaxedSimd ? 'relaxed' : 'strict';
    ctf.random.setSeed(7);
    const ours = build();
    randomiseBatchNorms(ours);
    const theirs = await tfjsTwin(ours);
    const xo = ctf.tensor(x, [1, ...inputShape]);
    const xt = tf.tensor(x, [1, ...inputShape]);
    const runOurs = async () => {
      const p = ours.predict(xo);
      const v = await p.data();
      p.dispose();
      return v;
    };
    const runTheirs = () => tf.tidy(() => theirs.predict(xt).dataSync());
    // Same weights, same graph: the outputs must agree before timing means anything.
    const [a, b] = [await runOurs(), runTheirs()];
    let err = 0;
    for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]) / (1e-6 + Math.abs(b[i])));
    const so = [];
    const st = [];
    // On the 2-thread core, also 1 thread alternately (the core runs its
    // ops serially, as a 1-thread core does, with the same model, weights
    // and memory): the host's speed drifts between the two phases by more
    // than the scaling itself, so only this alternating ratio compares
    // like with like. Per round: 2 threads, tfjs-wasm, 1 thread.
    const raw = threads === 2 ? ctf.engine().backend.inline.core.raw : null;
    const serial = [];
    const pairRatios = [];
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      await runOurs();
      so.push(performance.now() - t);
      t = performance.now();
      runTheirs();
      st.push(performance.now() - t);
      if (raw) {
        raw.setRunSerially(true);
        try {
          t = performance.now();
          await runOurs();
          serial.push(performance.now() - t);
        } finally {
          raw.setRunSerially(false);
        }
        pairRatios.push(serial.at(-1) / so.at(-1));
      }
    }
    if (raw) {
      result.ours1OnPoolMs = median(serial);
      result.ratio2vs1Alternating = median(pairRatios);
    }
    result[`ours${threads}Ms`] = median(so);
    result[`tfjsWasmMs_vs${threads}`] = median(st);
    result[`maxRelDiff${threads}`] = err;
    result.outputSpread = Math.max(...b) - Math.min(...b);
    ours.dispose();
    theirs.dispose();
    xo.dispose();
    xt.dispose();
  }
  result.ratio1 = result.tfjsWasmMs_vs1 / result.ours1Ms;
  result.ratio2vs1 = result.ours1Ms / result.ours2Ms;
  console.log(
    `${name.padEnd(12)} batch 1 (${result.build} SIMD build): cnn-ts 1 thread ${result.ours1Ms.toFixed(0)} ms, 2 threads ${result.ours2Ms.toFixed(0)} ms; tfjs-wasm ${result.tfjsWasmMs_vs1.toFixed(0)} / ${result.tfjsWasmMs_vs2.toFixed(0)} ms` +
      ` -> ${result.ratio1.toFixed(2)}x tfjs-wasm at 1 thread, 2 threads ${result.ratio2vs1.toFixed(2)}x of 1 thread (phases; alternating on one core: 1 thread ${result.ours1OnPoolMs.toFixed(0)} ms, ${result.ratio2vs1Alternating.toFixed(2)}x), ${(1000 / result.ours2Ms).toFixed(2)} img/s on 2 threads (outputs agree to ${Math.max(result.maxRelDiff1, result.maxRelDiff2).toExponential(1)}, output spread ${result.outputSpread.toExponential(1)})`,
  );
  return result;
}

async function trainResnet18(threads, steps = 4) {
  await ctf.ready({ threads, mode: 'inline', simd: SIMD });
  ctf.random.setSeed(3);
  const B = 64;
  const m = ctf.builders.resnet18({ inputShape: [32, 32, 3], classes: 10 });
  m.compile({ optimizer: ctf.train.sgd(0.01), loss: 'sparseCategoricalCrossentropy' });
  const n = B * steps;
  const x = ctf.randomUniform([n, 32, 32, 3]);
  const y = ctf.tensor(Int32Array.from({ length: n }, (_, i) => i % 10), [n], 'int32');
  await m.fit(ctf.slice(x, 0, B), ctf.slice(y, 0, B), { epochs: 1, batchSize: B, verbose: 0 });
  const t0 = performance.now();
  await m.fit(x, y, { epochs: 1, batchSize: B, verbose: 0 });
  const s = (performance.now() - t0) / 1000;
  m.dispose();
  ctf.dispose([x, y]);
  return n / s;
}

const results = { date: new Date().toISOString(), cpu: os.cpus()[0].model, loadavg: os.loadavg(), rounds: ROUNDS, runs: [] };
console.log(`machine load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')} (shared machine: other engineers' jobs run alongside)`);
if (ONLY.includes('resnet50')) results.runs.push(await forwardRace('resnet50', () => ctf.builders.resnet50(), [224, 224, 3]));
if (ONLY.includes('mobilenetV2')) results.runs.push(await forwardRace('mobilenetV2', () => ctf.builders.mobilenetV2(), [224, 224, 3]));
if (ONLY.includes('vgg16')) results.runs.push(await forwardRace('vgg16', () => ctf.builders.vgg16(), [224, 224, 3]));
if (ONLY.includes('train')) {
  const r = [];
  for (let i = 0; i < 2; i++) r.push([await trainResnet18(1), await trainResnet18(2)]);
  const one = median(r.map((p) => p[0]));
  const two = median(r.map((p) => p[1]));
  results.train = { resnet18_32x32_b64_imagesPerSecond_1: one, resnet18_32x32_b64_imagesPerSecond_2: two };
  console.log(`resnet18 training 32x32x3 batch 64 (SGD): cnn-ts ${one.toFixed(1)} img/s on 1 thread, ${two.toFixed(1)} img/s on 2 threads (${(two / one).toFixed(2)}x); tfjs-backend-wasm cannot train convolutions`);
}
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
