// Every exported op is classified: differentiable ones have their gradient
// checked against central finite differences (float32, small shapes,
// values kept away from kinks); the ops TF.js registers no gradient for
// throw, naming the op, when differentiated; the piecewise-constant ones
// have TF.js's zero gradient. A new export that is in none of the lists
// fails the first test, so no op can ship without a checked gradient.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import * as tf from 'cnn-ts';
import { rng } from './support/random.js';

type T = tf.Tensor;
interface Case {
  shapes: number[][];
  f: (...xs: T[]) => T;
  /** Values in [lo, hi] (default [-2, 2]), pushed at least `gap` away from `kinks`. */
  range?: [number, number];
  kinks?: number[];
  gap?: number;
  tol?: number;
}

const next = rng(99);
function values(shape: number[], c: Case): Float32Array {
  const [lo, hi] = c.range ?? [-2, 2];
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => {
    let v = lo + (hi - lo) * next();
    for (const k of c.kinks ?? []) if (Math.abs(v - k) < (c.gap ?? 0.1)) v = k + Math.sign(v - k || 1) * (c.gap ?? 0.1);
    return v;
  });
}

const nhwc = [1, 4, 4, 2];
/** Differentiable ops (also functions of tf.losses and tf.image, by qualified name). */
const DIFF: Record<string, Case> = {
  depthwiseConv2d: { shapes: [[1, 4, 4, 2], [3, 3, 2, 2]], f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') },
  separableConv2d: { shapes: [[1, 4, 4, 2], [3, 3, 2, 1], [1, 1, 2, 3]], f: (x, d, p) => tf.separableConv2d(x as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, 1, 'valid') },
  add: { shapes: [[2, 3], [3]], f: (a, b) => tf.add(a, b) },
  sub: { shapes: [[2, 3], [2, 1]], f: (a, b) => tf.sub(a, b) },
  mul: { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.mul(a, b) },
  div: { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.div(a, b), kinks: [0], gap: 0.5 },
  mod: { shapes: [[2, 3], [3]], f: (a, b) => tf.mod(a, b), range: [0.3, 3], kinks: [1, 2, 3], gap: 0.15 },
  maximum: { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.maximum(a, b) },
  minimum: { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.minimum(a, b) },
  pow: { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.pow(a, b), range: [0.5, 2] },
  squaredDifference: { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.squaredDifference(a, b) },
  atan2: { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.atan2(a, b), kinks: [0], gap: 0.3 },
  divNoNan: { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.divNoNan(a, b), kinks: [0], gap: 0.5 },
  addN: { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.addN([a, b, a]) },
  neg: { shapes: [[5]], f: (x) => tf.neg(x) },
  abs: { shapes: [[5]], f: (x) => tf.abs(x), kinks: [0] },
  square: { shapes: [[5]], f: (x) => tf.square(x) },
  sqrt: { shapes: [[5]], f: (x) => tf.sqrt(x), range: [0.5, 3] },
  rsqrt: { shapes: [[5]], f: (x) => tf.rsqrt(x), range: [0.5, 3] },
  exp: { shapes: [[5]], f: (x) => tf.exp(x) },
  expm1: { shapes: [[5]], f: (x) => tf.expm1(x) },
  log: { shapes: [[5]], f: (x) => tf.log(x), range: [0.5, 3] },
  log1p: { shapes: [[5]], f: (x) => tf.log1p(x), range: [0, 3] },
  sigmoid: { shapes: [[5]], f: (x) => tf.sigmoid(x) },
  tanh: { shapes: [[5]], f: (x) => tf.tanh(x) },
  softplus: { shapes: [[5]], f: (x) => tf.softplus(x) },
  relu: { shapes: [[6]], f: (x) => tf.relu(x), kinks: [0] },
  relu6: { shapes: [[6]], f: (x) => tf.relu6(x), range: [-2, 8], kinks: [0, 6] },
  elu: { shapes: [[6]], f: (x) => tf.elu(x), kinks: [0] },
  selu: { shapes: [[6]], f: (x) => tf.selu(x), kinks: [0] },
  leakyRelu: { shapes: [[6]], f: (x) => tf.leakyRelu(x, 0.3), kinks: [0] },
  gelu: { shapes: [[7]], f: (x) => tf.gelu(x), range: [-3, 3] },
  erf: { shapes: [[5]], f: (x) => tf.erf(x) },
  reciprocal: { shapes: [[5]], f: (x) => tf.reciprocal(x), kinks: [0], gap: 0.5 },
  sin: { shapes: [[5]], f: (x) => tf.sin(x) },
  cos: { shapes: [[5]], f: (x) => tf.cos(x) },
  clipByValue: { shapes: [[6]], f: (x) => tf.clipByValue(x, -1, 1), kinks: [-1, 1] },
  sum: { shapes: [[2, 3]], f: (x) => tf.sum(x, 1) },
  mean: { shapes: [[2, 3]], f: (x) => tf.mean(x, 0) },
  max: { shapes: [[2, 3]], f: (x) => tf.max(x, 1) },
  min: { shapes: [[2, 3]], f: (x) => tf.min(x, 0) },
  prod: { shapes: [[2, 3]], f: (x) => tf.prod(x, 1), range: [0.5, 2] },
  logSumExp: { shapes: [[2, 3]], f: (x) => tf.logSumExp(x, 1) },
  reshape: { shapes: [[2, 3]], f: (x) => tf.reshape(x, [3, 2]) },
  expandDims: { shapes: [[2, 3]], f: (x) => tf.expandDims(x, 1) },
  squeeze: { shapes: [[2, 1, 3]], f: (x) => tf.squeeze(x) },
  transpose: { shapes: [[2, 3, 2]], f: (x) => tf.transpose(x, [2, 0, 1]) },
  slice: { shapes: [[3, 4]], f: (x) => tf.slice(x, [1, 1], [2, 2]) },
  pad: { shapes: [[2, 3]], f: (x) => tf.pad(x, [[1, 0], [0, 2]], 0.5) },
  concat: { shapes: [[2, 3], [2, 1]], f: (a, b) => tf.concat([a, b], 1) },
  stack: { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.stack([a, b], 1) },
  unstack: { shapes: [[3, 2]], f: (x) => tf.unstack(x)[1] },
  split: { shapes: [[4, 2]], f: (x) => tf.split(x, [1, 3], 0)[1] },
  broadcastTo: { shapes: [[1, 3]], f: (x) => tf.broadcastTo(x, [2, 2, 3]) },
  tile: { shapes: [[2, 3]], f: (x) => tf.tile(x, [2, 1]) },
  reverse: { shapes: [[2, 3]], f: (x) => tf.reverse(x, 1) },
  gather: { shapes: [[4, 3]], f: (x) => tf.gather(x, tf.tensor1d([3, 0, 3, 1], 'int32'), 0) },
  unsortedSegmentSum: { shapes: [[4, 3]], f: (x) => tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2, 1], 'int32'), 3) },
  cast: { shapes: [[2, 3]], f: (x) => tf.cast(x, 'float32') },
  matMul: { shapes: [[2, 3], [3, 4]], f: (a, b) => tf.matMul(a, b) },
  outerProduct: { shapes: [[2], [3]], f: (a, b) => tf.outerProduct(a, b) },
  dot: { shapes: [[3], [3, 2]], f: (a, b) => tf.dot(a, b) },
  conv2d: { shapes: [nhwc, [3, 3, 2, 3]], f: (x, w) => tf.conv2d(x, w, 1, 'same'), tol: 3e-2 },
  conv2dTranspose: { shapes: [[1, 3, 3, 2], [3, 3, 4, 2]], f: (x, w) => tf.conv2dTranspose(x, w, [1, 6, 6, 4], 2, 'same'), tol: 3e-2 },
  maxPool: { shapes: [nhwc], f: (x) => tf.maxPool(x, 2, 2, 'valid') },
  avgPool: { shapes: [nhwc], f: (x) => tf.avgPool(x, 3, 1, 'same') },
  softmax: { shapes: [[2, 4]], f: (x) => tf.softmax(x) },
  logSoftmax: { shapes: [[2, 4]], f: (x) => tf.logSoftmax(x) },
  moments: { shapes: [[3, 4]], f: (x) => { const m = tf.moments(x, 0); return tf.add(m.mean, m.variance); } },
  batchNorm: { shapes: [[3, 2], [2], [2], [2], [2]], f: (x, m, v, o, s) => tf.batchNorm(x, m, tf.abs(v), o, s, 0.1) },
  dropout: { shapes: [[4, 4]], f: (x) => tf.dropout(x, 0.5, undefined, 7) },
  // Entries kept 0.6 apart, so no perturbation reorders them.
  topk: { shapes: [[2, 5]], f: (x) => tf.topk(tf.add(tf.mul(x, 0.1), tf.tensor([[0, 3, 1, 4, 2], [4, 0, 2, 1, 3]])), 2).values },
  'fused.conv2d': { shapes: [nhwc, [3, 3, 2, 2], [2]], f: (x, w, b) => tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'valid', bias: b, activation: 'relu' }), kinks: [0], tol: 3e-2 },
  'losses.meanSquaredError': { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.losses.meanSquaredError(a, b) },
  'losses.absoluteDifference': { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.losses.absoluteDifference(a, b) },
  'losses.softmaxCrossEntropy': { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.losses.softmaxCrossEntropy(a, b) },
  'losses.sigmoidCrossEntropy': { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.losses.sigmoidCrossEntropy(a, b) },
  'losses.logLoss': { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.losses.logLoss(a, b), range: [0.1, 0.9] },
  'losses.cosineDistance': { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.losses.cosineDistance(a, b, 1) },
  'losses.hingeLoss': { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.losses.hingeLoss(tf.step(a), b), kinks: [-1, 1], gap: 0.2 },
  'losses.huberLoss': { shapes: [[2, 3], [2, 3]], f: (a, b) => tf.losses.huberLoss(a, b, 0.5) },
  'image.resizeBilinear': { shapes: [[1, 3, 4, 2]], f: (x) => tf.image.resizeBilinear(x, [5, 3]) },
  'image.resizeNearestNeighbor': { shapes: [[1, 3, 4, 2]], f: (x) => tf.image.resizeNearestNeighbor(x, [5, 6]) },
  'image.cropAndResize': { shapes: [[2, 4, 4, 1]], f: (x) => tf.image.cropAndResize(x, [[0.1, 0.2, 0.9, 0.7]], [1], [3, 3]) },
  'image.flipLeftRight': { shapes: [[1, 2, 3, 2]], f: (x) => tf.image.flipLeftRight(x) },
  'image.rgbToGrayscale': { shapes: [[2, 2, 3]], f: (x) => tf.image.rgbToGrayscale(x) },
};

/** Ops with TF.js's zero gradient (piecewise constant). */
const ZERO: Record<string, (x: T) => T> = {
  floor: (x) => tf.floor(x),
  round: (x) => tf.round(x),
  sign: (x) => tf.sign(x),
  step: (x) => tf.step(x),
  isNaN: (x) => tf.isNaN(x),
  argMax: (x) => tf.argMax(x, 1),
  argMin: (x) => tf.argMin(x, 1),
  greaterEqual: (x) => tf.greaterEqual(x, 0.5),
};

/** Ops TF.js registers no gradient for. */
const NONE: Record<string, (x: T) => T> = {
  equal: (x) => tf.equal(x, 1),
  notEqual: (x) => tf.notEqual(x, 1),
  greater: (x) => tf.greater(x, 0),
  less: (x) => tf.less(x, 0),
  lessEqual: (x) => tf.lessEqual(x, 0),
  logicalAnd: (x) => tf.logicalAnd(tf.greater(x, 0), x),
  logicalOr: (x) => tf.logicalOr(x, x),
  logicalNot: (x) => tf.logicalNot(x),
  any: (x) => tf.any(x),
  all: (x) => tf.all(x),
};

/** floorDiv: TF.js's gradient is real division's (the op is flat almost everywhere), checked against tfjs-core. */
const SPECIAL = ['floorDiv'];

/** Exports that are not ops on float inputs (creation, memory, engine, models, ...). */
const NOT_OPS = new Set([
  'AdamOptimizer', 'Callback', 'EarlyStopping', 'History', 'LayersModel', 'MomentumOptimizer', 'Optimizer', 'RMSPropOptimizer', 'ResidualBlock', 'SGDOptimizer', 'Sequential',
  'SymbolicTensor', 'Tensor', 'TensorBuffer', 'Variable', 'backend', 'buffer', 'coreStats', 'dispose', 'engine', 'fill', 'flush', 'getBackend', 'grad', 'grads', 'input', 'keep',
  'loadLayersModel', 'memory', 'model', 'nextFrame', 'oneHot', 'ones', 'onesLike', 'randomNormal', 'randomUniform', 'range', 'ready', 'scalar', 'sequential', 'setBackend', 'tensor', 'tensor1d',
  'tensor2d', 'tensor3d', 'tensor4d', 'tidy', 'truncatedNormal', 'valueAndGrad', 'valueAndGrads', 'variable', 'variableGrads', 'zeros', 'zerosLike',
]);

beforeAll(async () => {
  await tf.ready({ threads: 2 });
});

/** sum(f(xs) * w) for a fixed random w, read synchronously. */
function scalarLoss(c: Case, w: T | null): (...xs: T[]) => T {
  return (...xs) => {
    const y = c.f(...xs);
    return tf.sum(w ? tf.mul(y, w) : y);
  };
}

describe('gradients of every exported op', () => {
  it('every exported function and op namespace member is classified', () => {
    const names = [
      ...Object.keys(tf).filter((k) => typeof (tf as Record<string, unknown>)[k] === 'function'),
      ...Object.keys(tf.losses).map((k) => `losses.${k}`),
      ...Object.keys(tf.image).map((k) => `image.${k}`),
      ...Object.keys(tf.fused).map((k) => `fused.${k}`),
    ];
    const unclassified = names.filter((n) => !(n in DIFF) && !(n in ZERO) && !(n in NONE) && !SPECIAL.includes(n) && !NOT_OPS.has(n));
    expect(unclassified).toEqual([]);
  });

  for (const [name, c] of Object.entries(DIFF)) {
    it(`${name}: gradient = finite differences`, () => {
      const xs = c.shapes.map((s) => values(s, c));
      const out = tf.tidy(() => c.f(...xs.map((v, i) => tf.tensor(v, c.shapes[i]))));
      const w = tf.tensor(Float32Array.from({ length: out.size }, () => 0.5 + next()), out.shape);
      out.dispose();
      const loss = scalarLoss(c, w);
      const analytic = tf.grads(loss)(xs.map((v, i) => tf.tensor(v, c.shapes[i]))).map((g) => g.dataSync());
      const eps = 1e-2;
      const at = (vals: Float32Array[]) => tf.tidy(() => loss(...vals.map((v, i) => tf.tensor(v, c.shapes[i]))).dataSync()[0]);
      xs.forEach((x, i) => {
        for (let j = 0; j < x.length; j++) {
          const plus = xs.map((v) => v.slice());
          const minus = xs.map((v) => v.slice());
          plus[i][j] += eps;
          minus[i][j] -= eps;
          const fd = (at(plus) - at(minus)) / (2 * eps);
          expect(Math.abs(analytic[i][j] - fd) / (1 + Math.abs(fd)), `${name}: d/dx${i}[${j}] analytic ${analytic[i][j]} vs finite difference ${fd}`).toBeLessThan(c.tol ?? 1e-2);
        }
      });
      w.dispose();
    });
  }

  for (const [name, f] of Object.entries(ZERO)) {
    it(`${name}: zero gradient, as TF.js`, async () => {
      const x = tf.tensor([[0.3, 1.7, -2.2], [4.1, -0.6, 0.9]]);
      const g = tf.grad((v) => tf.sum(tf.mul(tf.cast(f(v), 'float32'), 3)))(x);
      expect(Array.from(await g.data())).toEqual([0, 0, 0, 0, 0, 0]);
      const r = ref.grad((v: ref.Tensor) => ref.sum(ref.mul(ref.cast((ref as unknown as Record<string, (x: ref.Tensor, ...a: unknown[]) => ref.Tensor>)[name](v, ...(name.startsWith('arg') ? [1] : name === 'greaterEqual' ? [0.5] : [])), 'float32'), 3)))(ref.tensor([[0.3, 1.7, -2.2], [4.1, -0.6, 0.9]]));
      expect(Array.from(await r.data())).toEqual([0, 0, 0, 0, 0, 0]);
    });
  }

  for (const [name, f] of Object.entries(NONE)) {
    it(`${name}: differentiating through it throws, naming it`, () => {
      const x = tf.tensor([0.5, 1, -1]);
      expect(() => tf.grad((v) => tf.sum(tf.mul(tf.cast(f(v), 'float32'), v)))(x)).toThrow(new RegExp(`Cannot compute gradient: ${name} is not differentiable`));
    });
  }

  it('floorDiv has TF.js gradient (that of division), checked against tfjs-core', async () => {
    const a = [[3.5, -2.2], [7.1, 4.4]];
    const b = [[1.5, 2.5], [-2, 3]];
    const [ga, gb] = tf.grads((x, y) => tf.sum(tf.floorDiv(x, y)))([tf.tensor(a), tf.tensor(b)]);
    const [ra, rb] = ref.grads((x: ref.Tensor, y: ref.Tensor) => ref.sum(ref.floorDiv(x, y)))([ref.tensor(a), ref.tensor(b)]);
    const close = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x).forEach((v, i) => expect(v).toBeCloseTo(y[i], 5));
    close(await ga.data(), await ra.data());
    close(await gb.data(), await rb.data());
  });

  it('gelu gradient equals tfjs-layers gelu (erf form) differentiated by tfjs-core', async () => {
    const xs = [-3, -1.2, -0.1, 0, 0.4, 2.5];
    const g = await tf.grad((v) => tf.sum(tf.gelu(v)))(tf.tensor(xs)).data();
    // tfjs-layers' 'gelu' activation: 0.5 x (1 + erf(x / sqrt 2)).
    const r = await ref.grad((v: ref.Tensor) => ref.sum(ref.mul(ref.mul(v, 0.5), ref.add(1, ref.erf(ref.div(v, Math.SQRT2))))))(ref.tensor(xs)).data();
    xs.forEach((_, i) => expect(g[i]).toBeCloseTo(r[i], 3));
  });

  it('a dense layer before a gelu now trains (it used to be skipped silently)', async () => {
    tf.random.setSeed(3);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: 'gelu' as never }), tf.layers.dense({ units: 1 })] });
    m.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const before = await m.layers[0].getWeights()[0].data();
    await m.fit(tf.randomNormal([16, 3]), tf.randomNormal([16, 1]), { epochs: 1, batchSize: 16, verbose: 0 });
    const after = await m.layers[0].getWeights()[0].data();
    expect(Array.from(after)).not.toEqual(Array.from(before));
  });

  it('gather gradient scatters repeated indices into one row (vs tfjs-core), also along axis 1', async () => {
    const x = [[1, 2, 3], [4, 5, 6]];
    for (const [idx, axis] of [[[2, 0, 2, 2], 1], [[1, 1, 0], 0]] as const) {
      const g = await tf.grad((v) => tf.sum(tf.mul(tf.gather(v, tf.tensor1d([...idx], 'int32'), axis), 2)))(tf.tensor(x)).data();
      const r = await ref.grad((v: ref.Tensor) => ref.sum(ref.mul(ref.gather(v, ref.tensor1d([...idx], 'int32'), axis), 2)))(ref.tensor(x)).data();
      expect(Array.from(g)).toEqual(Array.from(r));
    }
  });

  it('tf.tidy inside variableGrads does not free what batch norm backward needs', async () => {
    const bn = tf.layers.batchNormalization({});
    const dense = tf.layers.dense({ units: 3 });
    const x = tf.randomNormal([8, 4]);
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.mean(tf.square(dense.apply(bn.apply(x, { training: true }) as T) as T))));
    expect(Object.keys(grads).length).toBe(4); // gamma, beta, kernel, bias
    for (const g of Object.values(grads)) expect(Number.isFinite((await g.data())[0])).toBe(true);
    value.dispose();
  });
});
