// The layers added for TF.js drop-in, against tfjs-layers 4.22 on the cpu
// backend: same config, same weights (copied from the tfjs layer), same
// input; outputs, output shapes, weight shapes, and gradients through them.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as rl from '@tensorflow/tfjs-layers';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
  await ref.setBackend('cpu');
});

function vals(shape: number[], seed: number, scale = 2): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => (((i * 7919 + seed * 104729) % 1000) / 1000 - 0.5) * scale);
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `element ${i}: ${a[i]} vs ${b[i]}`).toBeLessThan(tol * (1 + Math.abs(b[i])));
}

interface Case {
  name: string;
  make: (L: typeof tf.layers | typeof rl.layers) => unknown;
  inputs: number[][];
  /** Integer inputs in [0, n). */
  ints?: number;
  /** tfjs-layers cannot differentiate it (ThresholdedReLU's cast(greater) mask throws there): expected gradient instead. */
  grad?: (xs: number[][]) => number[][];
  /** tfjs-layers has no such layer (Subtract): the expected output from tfjs-core ops instead. */
  refOut?: (xs: ref.Tensor[]) => ref.Tensor;
  /** tfjs-core 4.22 has no gradient for it (dilated conv2d): outputs only. */
  noRefGrad?: boolean;
}

const CASES: Case[] = [
  { name: 'reLU', make: (L) => L.reLU({}), inputs: [[2, 5]] },
  { name: 'reLU maxValue', make: (L) => L.reLU({ maxValue: 0.4 }), inputs: [[2, 5]] },
  { name: 'leakyReLU default alpha', make: (L) => L.leakyReLU({}), inputs: [[2, 5]] },
  { name: 'leakyReLU', make: (L) => L.leakyReLU({ alpha: 0.1 }), inputs: [[2, 5]] },
  { name: 'prelu', make: (L) => L.prelu({ alphaInitializer: 'glorotUniform' as never }), inputs: [[2, 3, 4]] },
  { name: 'prelu sharedAxes', make: (L) => L.prelu({ sharedAxes: [1], alphaInitializer: 'glorotUniform' as never }), inputs: [[2, 3, 4]] },
  { name: 'elu', make: (L) => L.elu({}), inputs: [[2, 5]] },
  // tfjs-layers' default axis 1 only works on rank 2 there (its softmax op rejects a non-last axis).
  { name: 'softmax default axis', make: (L) => L.softmax({}), inputs: [[3, 4]] },
  { name: 'softmax axis -1', make: (L) => L.softmax({ axis: -1 }), inputs: [[2, 3, 4]] },
  { name: 'thresholdedReLU', make: (L) => L.thresholdedReLU({ theta: 0.2 }), inputs: [[2, 5]], grad: ([x]) => [x.map((v, i) => (v > 0.2 ? vals([2, 5], 9)[i] : 0))] },
  { name: 'multiply', make: (L) => L.multiply({}), inputs: [[2, 3], [2, 3], [2, 3]] },
  { name: 'multiply broadcasting', make: (L) => L.multiply({}), inputs: [[2, 3, 4], [2, 1, 4]] },
  { name: 'average', make: (L) => L.average({}), inputs: [[2, 3], [2, 3]] },
  { name: 'maximum', make: (L) => L.maximum({}), inputs: [[2, 3], [2, 3]] },
  { name: 'minimum', make: (L) => L.minimum({}), inputs: [[2, 3], [2, 3]] },
  { name: 'subtract', make: (L) => (L as typeof tf.layers).subtract({}), inputs: [[2, 3], [2, 3]], refOut: ([a, b]) => ref.sub(a, b), grad: () => [vals([2, 3], 9), vals([2, 3], 9).map((v) => -v)] },
  { name: 'dot 2-D', make: (L) => L.dot({ axes: -1 }), inputs: [[3, 4], [3, 4]] },
  { name: 'dot 2-D normalize', make: (L) => L.dot({ axes: 1, normalize: true }), inputs: [[3, 4], [3, 4]] },
  { name: 'dot 3-D', make: (L) => L.dot({ axes: [2, 1] }), inputs: [[2, 3, 4], [2, 4, 5]] },
  { name: 'dot 3-D axes 1,1', make: (L) => L.dot({ axes: [1, 1] }), inputs: [[2, 3, 4], [2, 3, 5]] },
  { name: 'embedding', make: (L) => L.embedding({ inputDim: 6, outputDim: 3 }), inputs: [[2, 4]], ints: 6 },
  { name: 'permute', make: (L) => L.permute({ dims: [3, 1, 2] }), inputs: [[2, 3, 4, 5]] },
  { name: 'repeatVector', make: (L) => L.repeatVector({ n: 3 }), inputs: [[2, 4]] },
  { name: 'globalAveragePooling1d', make: (L) => L.globalAveragePooling1d({}), inputs: [[2, 5, 3]] },
  { name: 'globalMaxPooling1d', make: (L) => L.globalMaxPooling1d({}), inputs: [[2, 5, 3]] },
  { name: 'gaussianNoise (inference)', make: (L) => L.gaussianNoise({ stddev: 0.5 }), inputs: [[2, 5]] },
  { name: 'gaussianDropout (inference)', make: (L) => L.gaussianDropout({ rate: 0.5 }), inputs: [[2, 5]] },
  { name: 'layerNormalization', make: (L) => L.layerNormalization({ gammaInitializer: 'glorotUniform' as never, betaInitializer: 'glorotUniform' as never }), inputs: [[2, 3, 4]] },
  { name: 'conv1d valid', make: (L) => L.conv1d({ filters: 3, kernelSize: 3, activation: 'relu', biasInitializer: 'glorotUniform' as never }), inputs: [[2, 7, 2]] },
  { name: 'conv1d same, strides 2', make: (L) => L.conv1d({ filters: 2, kernelSize: 4, strides: 2, padding: 'same' }), inputs: [[1, 9, 3]] },
  { name: 'conv1d dilation 2', make: (L) => L.conv1d({ filters: 2, kernelSize: 2, dilationRate: 2 }), inputs: [[2, 8, 2]], noRefGrad: true },
  { name: 'maxPooling1d', make: (L) => L.maxPooling1d({ poolSize: 2 }), inputs: [[2, 7, 3]] },
  { name: 'maxPooling1d same', make: (L) => L.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }), inputs: [[2, 7, 3]] },
  { name: 'averagePooling1d', make: (L) => L.averagePooling1d({ poolSize: 3, strides: 1 }), inputs: [[2, 6, 2]] },
  { name: 'add broadcasting', make: (L) => L.add({}), inputs: [[2, 3, 4], [2, 1, 4]] },
  { name: 'spatialDropout1d (inference)', make: (L) => (L as typeof tf.layers).spatialDropout1d({ rate: 0.5 }), inputs: [[2, 3, 4]] },
  { name: 'alphaDropout (inference)', make: (L) => L.alphaDropout({ rate: 0.5 }), inputs: [[2, 5]] },
  { name: 'layerNormalization axes', make: (L) => L.layerNormalization({ axis: [1, 2], epsilon: 0.01 }), inputs: [[2, 3, 4]] },
];

describe('added layers = tfjs-layers', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const theirs = (c.refOut ? { apply: (xs: ref.Tensor[]) => c.refOut!(xs), getWeights: () => [] } : c.make(rl.layers)) as rl.layers.Layer;
      const ours = c.make(tf.layers) as tf.layers.Layer;
      const data = c.inputs.map((s, i) => (c.ints ? vals(s, i + 1, 1).map((v) => Math.floor((v + 0.5) * c.ints!) % c.ints!) : vals(s, i + 1)));
      const rIn = c.inputs.map((s, i) => ref.tensor(data[i], s, c.ints ? 'int32' : 'float32'));
      const oIn = c.inputs.map((s, i) => tf.tensor(data[i], s, c.ints ? 'int32' : 'float32'));
      const single = c.inputs.length === 1;
      const rOut = theirs.apply(single ? rIn[0] : rIn) as ref.Tensor;
      ours.build(single ? [...oIn[0].shape] : oIn.map((t) => [...t.shape]));
      const rw = theirs.getWeights();
      expect(ours.weights.map((w) => w.shape)).toEqual(rw.map((w) => w.shape));
      if (rw.length > 0) ours.setWeights(await Promise.all(rw.map(async (w) => tf.tensor(await w.data(), w.shape))));
      const oOut = ours.apply(single ? oIn[0] : oIn) as tf.Tensor;
      expect(oOut.shape).toEqual(rOut.shape);
      close(await oOut.data(), await rOut.data());
      // Output shapes from symbolic inputs.
      const symShape = (L: typeof rl | typeof tf, layer: unknown) => {
        const ins = c.inputs.map((s) => (L as typeof rl).input({ shape: s.slice(1) }));
        return ((layer as rl.layers.Layer).apply(single ? ins[0] : ins) as rl.SymbolicTensor).shape;
      };
      if (!c.refOut) expect(symShape(tf, c.make(tf.layers))).toEqual(symShape(rl, c.make(rl.layers)));
      // Gradient of sum(out * w) with respect to the (float) inputs.
      if (!c.ints && !c.noRefGrad) {
        const w = vals(rOut.shape, 9);
        const og = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(ours.apply(single ? xs[0] : xs) as tf.Tensor, tf.tensor(w, oOut.shape))))(oIn);
        const rg = c.grad ? c.grad(data) : await Promise.all(ref.grads((...xs: ref.Tensor[]) => ref.sum(ref.mul(theirs.apply(single ? xs[0] : xs) as ref.Tensor, ref.tensor(w, rOut.shape))))(rIn).map((g) => g.data()));
        for (let i = 0; i < og.length; i++) close(await og[i].data(), rg[i], 1e-3);
      }
    });
  }

  it('embedding trains: the rows used get gradients, the others none', async () => {
    const e = tf.layers.embedding({ inputDim: 5, outputDim: 2 });
    e.build([1, 3]);
    const { grads } = tf.variableGrads(() => tf.sum(e.apply(tf.tensor([[1, 3, 1]], [1, 3], 'int32')) as tf.Tensor));
    expect(Array.from(await grads[e.weights[0].name].data())).toEqual([0, 0, 2, 2, 0, 0, 1, 1, 0, 0]);
  });

  it('spatialDropout1d drops whole channels and scales the rest; alphaDropout keeps zero mean, unit variance', async () => {
    const y = await (tf.layers.spatialDropout1d({ rate: 0.5 }).apply(tf.ones([4, 6, 8]), { training: true }) as tf.Tensor).array() as number[][][];
    for (const sample of y) for (let c = 0; c < 8; c++) {
      const col = sample.map((step) => step[c]);
      expect(new Set(col).size).toBe(1);
      expect([0, 2]).toContain(col[0]);
    }
    tf.random.setSeed(5);
    const n = 20000;
    const x = tf.randomNormal([n]);
    const v = await (tf.layers.alphaDropout({ rate: 0.2 }).apply(x, { training: true }) as tf.Tensor).data();
    const m = v.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / n);
    expect(Math.abs(m)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
  });

  it('training-only noise layers: noise while training, identity otherwise; bad arguments named', async () => {
    const x = tf.ones([200]);
    const n = tf.layers.gaussianNoise({ stddev: 0.5 }).apply(x, { training: true }) as tf.Tensor;
    const v = await n.data();
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    expect(Math.abs(m - 1)).toBeLessThan(0.15);
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.15);
    expect(() => tf.layers.subtract({}).apply([tf.ones([2]), tf.ones([2]), tf.ones([2])])).toThrow(/exactly 2/);
    expect(() => tf.layers.multiply({}).apply([tf.ones([2, 3]), tf.ones([2, 4])])).toThrow(/could not be broadcast/);
    expect(() => tf.layers.permute({ dims: [1, 3] })).toThrow(/consecutive integers/);
  });

  it('getConfig is complete: a layer rebuilt from its config has the same config', () => {
    const L = tf.layers;
    const made = [
      L.reLU({ maxValue: 6 }), L.leakyReLU({ alpha: 0.2 }), L.prelu({ sharedAxes: [1, 2] }), L.elu({ alpha: 1 }), L.softmax({ axis: -1 }), L.thresholdedReLU({ theta: 2 }),
      L.dot({ axes: [1, 2], normalize: true }), L.embedding({ inputDim: 10, outputDim: 4, inputLength: 7, maskZero: true }), L.permute({ dims: [2, 1] }), L.repeatVector({ n: 4 }),
      L.gaussianNoise({ stddev: 0.1 }), L.gaussianDropout({ rate: 0.2 }), L.layerNormalization({ axis: [1], epsilon: 1e-5, center: false }),
      L.conv1d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', dilationRate: 1, activation: 'relu', useBias: false }), L.maxPooling1d({ poolSize: 3 }), L.averagePooling1d({ poolSize: 2, strides: 1, padding: 'same' }),
      L.spatialDropout1d({ rate: 0.3, seed: 4 }), L.alphaDropout({ rate: 0.1, noiseShape: [1, 3] }),
      L.multiply({}), L.average({}), L.maximum({}), L.minimum({}), L.subtract({}), L.globalAveragePooling1d({}), L.globalMaxPooling1d({}),
    ];
    for (const l of made) {
      const cfg = l.getConfig();
      const Ctor = l.constructor as new (a: unknown) => tf.layers.Layer;
      const again = new Ctor({ ...cfg, name: `${String(cfg.name)}_copy` });
      expect({ ...again.getConfig(), name: cfg.name }).toEqual(cfg);
      expect((Ctor as unknown as { className: string }).className).toBe(l.className);
    }
  });
});

describe('batchNormalization center / scale false', () => {
  for (const [center, scale] of [[false, true], [true, false], [false, false]]) {
    it(`center ${center}, scale ${scale}: weights as tfjs-layers, outputs as its formula`, async () => {
      // tfjs-layers 4.22 builds the same weights but its call() reads the missing gamma/beta and
      // throws, so the outputs are checked against the formula with tfjs-core ops.
      const r = rl.layers.batchNormalization({ center, scale });
      r.build([6, 4]);
      const o = tf.layers.batchNormalization({ center, scale, movingMeanInitializer: 'ones' as never });
      o.build([6, 4]);
      expect(o.weights.map((w) => w.name.split('/').pop())).toEqual(r.weights.map((w) => w.name.split('/').pop()!.replace(/_\d+$/, '')));
      expect(o.trainableWeights.length).toBe(r.trainableWeights.length);
      const x = ref.tensor(vals([6, 4], 3, 4), [6, 4]);
      const { mean: m, variance: v } = ref.moments(x, 0);
      // Inference first (training updates the moving statistics): moving mean 1 (as initialised), variance 1.
      close(await (o.apply(tf.tensor(await x.data(), [6, 4])) as tf.Tensor).data(), await ref.div(ref.sub(x, 1), Math.sqrt(1 + 1e-3)).data(), 1e-3);
      close(await (o.apply(tf.tensor(await x.data(), [6, 4]), { training: true }) as tf.Tensor).data(), await ref.div(ref.sub(x, m), ref.sqrt(ref.add(v, 1e-3))).data(), 1e-3);
      expect(o.getConfig()).toMatchObject({ center, scale });
    });
  }
});
