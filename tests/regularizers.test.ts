// Regularizers as tfjs-layers applies them: the same model, weights and
// data trained one SGD step in both libraries give the same loss (with the
// penalty) and the same weights.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as rl from '@tensorflow/tfjs-layers';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
  await ref.setBackend('cpu');
});

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `element ${i}: ${a[i]} vs ${b[i]}`).toBeLessThan(tol * (1 + Math.abs(b[i])));
}

const X = [[0.5, -1, 2], [1, 0.3, -0.7], [-0.2, 0.8, 0.1], [0.9, -0.4, 0.6]];
const Y = [[1, 0], [0, 1], [0.5, 0.5], [0.2, 0.8]];

async function trainBoth(args: (R: typeof rl | typeof tf) => Record<string, unknown>) {
  const out: { loss: number; weights: Float32Array[] }[] = [];
  let init: Float32Array[] | null = null;
  for (const lib of [rl, tf] as const) {
    const L = lib as typeof rl;
    const m = L.sequential({ layers: [L.layers.dense({ units: 4, inputShape: [3], activation: 'tanh', ...args(lib) }), L.layers.dense({ units: 2, ...args(lib) })] });
    if (!init) init = await Promise.all(m.getWeights().map((w) => w.data() as Promise<Float32Array>));
    const shapes = m.getWeights().map((w) => w.shape);
    const make = lib === rl ? (v: Float32Array, s: number[]) => ref.tensor(v, s) : (v: Float32Array, s: number[]) => tf.tensor(v, s);
    m.setWeights(init.map((v, i) => make(v, shapes[i])) as never);
    m.compile({ optimizer: (lib === rl ? ref.train.sgd(0.1) : tf.train.sgd(0.1)) as never, loss: 'meanSquaredError' });
    const x = lib === rl ? ref.tensor(X) : tf.tensor(X);
    const y = lib === rl ? ref.tensor(Y) : tf.tensor(Y);
    const h = await m.fit(x as never, y as never, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    out.push({ loss: h.history.loss[0] as number, weights: await Promise.all(m.getWeights().map((w) => w.data() as Promise<Float32Array>)) });
  }
  return out;
}

describe('regularizers', () => {
  for (const [name, args] of [
    ['kernelRegularizer l2', (R: typeof rl | typeof tf) => ({ kernelRegularizer: R.regularizers.l2({ l2: 0.1 }) })],
    ['kernel l1 + bias l1l2', (R: typeof rl | typeof tf) => ({ kernelRegularizer: R.regularizers.l1({ l1: 0.05 }), biasRegularizer: R.regularizers.l1l2({ l1: 0.02, l2: 0.3 }) })],
  ] as const) {
    it(`${name}: one SGD step gives tfjs-layers' loss and weights`, async () => {
      const [theirs, ours] = await trainBoth(args as never);
      expect(ours.loss).toBeCloseTo(theirs.loss, 4);
      ours.weights.forEach((w, i) => close(w, theirs.weights[i]));
    });
  }

  it('activityRegularizer: the loss is Keras\' (penalty of each output divided by the batch size); tfjs-layers has none', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: 'tanh', activityRegularizer: tf.regularizers.l2({ l2: 0.2 }) }), tf.layers.dense({ units: 2, activityRegularizer: tf.regularizers.l2({ l2: 0.2 }) })] });
    const w = await Promise.all(m.getWeights().map(async (t) => ref.tensor(await t.data(), t.shape)));
    m.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const h = await m.fit(tf.tensor(X), tf.tensor(Y), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    const hid = ref.tanh(ref.add(ref.matMul(ref.tensor(X), w[0]), w[1]));
    const out = ref.add(ref.matMul(hid, w[2]), w[3]);
    const want = ref.add(ref.losses.meanSquaredError(ref.tensor(Y), out), ref.mul(0.2 / 4, ref.add(ref.sum(ref.square(hid)), ref.sum(ref.square(out)))));
    expect(h.history.loss[0]).toBeCloseTo((await want.data())[0], 5);
    expect(() => rl.layers.dense({ units: 2, inputShape: [3], activityRegularizer: rl.regularizers.l2() }).apply(ref.ones([1, 3]))).toThrow(/not supported/);
  });

  it('defaults are those of tfjs-layers (0.01), getConfig carries the regularizer, unknown names are named', async () => {
    expect(tf.regularizers.l1l2().getConfig()).toEqual(rl.regularizers.l1l2().getConfig());
    expect(tf.regularizers.l2().getConfig()).toEqual(rl.regularizers.l2().getConfig());
    expect(tf.layers.dense({ units: 2, kernelRegularizer: tf.regularizers.l1({ l1: 0.3 }) }).getConfig().kernelRegularizer).toEqual({ className: 'L1L2', config: { l1: 0.3, l2: 0 } });
    expect(() => tf.layers.dense({ units: 2, kernelRegularizer: 'l3' as never })).toThrow(/unknown regularizer 'l3'/);
  });
});

describe('evaluate and validation loss without the weight penalty (tfjs-layers 4.22)', () => {
  it('fit\'s loss has the kernelRegularizer penalty; val_loss and evaluate() do not, with the same values as tfjs-layers', async () => {
    const runs: { loss: number; valLoss: number; evaluate: number[]; mse: number }[] = [];
    let init: Float32Array[] | null = null;
    for (const lib of [rl, tf] as const) {
      const L = lib as typeof rl;
      const m = L.sequential({ layers: [L.layers.dense({ units: 2, inputShape: [3], kernelRegularizer: L.regularizers.l2({ l2: 0.5 }), biasRegularizer: L.regularizers.l1({ l1: 0.3 }), biasInitializer: 'ones' })] });
      if (!init) init = await Promise.all(m.getWeights().map((w) => w.data() as Promise<Float32Array>));
      else m.setWeights(init.map((v, i) => tf.tensor(v, m.getWeights()[i].shape)) as never);
      const T = (v: number[][]) => (lib === rl ? ref.tensor(v) : tf.tensor(v));
      // Learning rate 0: the weights stay put, so every value below is of the same weights.
      m.compile({ optimizer: (lib === rl ? ref.train.sgd(0) : tf.train.sgd(0)) as never, loss: 'meanSquaredError', metrics: ['mse'] });
      const h = await m.fit(T(X) as never, T(Y) as never, { epochs: 1, batchSize: 4, verbose: 0, validationData: [T(X), T(Y)] as never });
      const ev = m.evaluate(T(X) as never, T(Y) as never, { batchSize: 4 }) as rl.Tensor[];
      runs.push({ loss: h.history.loss[0] as number, valLoss: h.history.val_loss[0] as number, evaluate: ev.map((t) => t.dataSync()[0]), mse: h.history.mse[0] as number });
    }
    const [theirs, ours] = runs;
    const w = init!;
    const penalty = 0.5 * Array.from(w[0]).reduce((s, v) => s + v * v, 0) + 0.3 * Array.from(w[1]).reduce((s, v) => s + Math.abs(v), 0);
    expect(theirs.loss).toBeCloseTo(theirs.mse + penalty, 4);
    expect(ours.loss).toBeCloseTo(theirs.loss, 4);
    expect(ours.valLoss).toBeCloseTo(theirs.valLoss, 5);
    expect(ours.valLoss).toBeCloseTo(theirs.mse, 5);
    ours.evaluate.forEach((v, i) => expect(v).toBeCloseTo(theirs.evaluate[i], 5));
    expect(ours.evaluate[0]).toBeCloseTo(ours.mse, 5);
  });
});
