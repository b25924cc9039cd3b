// compile({metrics}) beyond accuracy, against tfjs-layers 4.22: the same
// model, weights and data in both libraries give the same metricsNames, the
// same log keys and values in fit (batch and epoch logs, validation) and the
// same evaluate() values. Names tfjs-layers accepts, tf.metrics functions
// (logged under their name), custom functions; and the names we accept
// beyond tfjs-layers (recall, sparseCategoricalAccuracy, ...).
import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as rl from '@tensorflow/tfjs-layers';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
  await ref.setBackend('cpu');
});

const X = [[0.5, -1, 2], [1, 0.3, -0.7], [-0.2, 0.8, 0.1], [0.9, -0.4, 0.6], [0.1, 0.2, 0.3]];
const Y3 = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]];
const SPARSE = [0, 1, 2, 0, 1];
const Y1 = [[1], [0], [1], [1], [0]];

type Lib = typeof rl | typeof tf;
interface Run {
  names: string[];
  history: Record<string, number[]>;
  batchKeys: string[];
  evaluate: number[];
}

/** Fits one epoch (batches 2, 2, 1; no shuffling) with validation data and evaluates, in both libraries from the same weights. */
async function both(build: (L: Lib) => rl.LayersModel, compile: (L: Lib) => Record<string, unknown>, y: number[][] | number[], lr = 0.1): Promise<[Run, Run]> {
  const out: Run[] = [];
  let init: { v: Float32Array; s: number[] }[] | null = null;
  for (const L of [rl, tf] as const) {
    const m = build(L);
    if (!init) init = await Promise.all(m.getWeights().map(async (w) => ({ v: (await w.data()) as Float32Array, s: w.shape })));
    else m.setWeights(init.map(({ v, s }) => tf.tensor(v, s)) as never);
    const T = (v: number[][] | number[]) => (L === rl ? ref.tensor(v) : tf.tensor(v));
    m.compile({ optimizer: (L === rl ? ref.train.sgd(lr) : tf.train.sgd(lr)) as never, ...compile(L) } as never);
    let batchKeys: string[] = [];
    const h = await m.fit(T(X) as never, T(y) as never, {
      epochs: 1, batchSize: 2, shuffle: false, verbose: 0, validationData: [T(X), T(y)] as never,
      callbacks: { onBatchEnd: async (_b: number, logs?: Record<string, unknown>) => void (batchKeys = Object.keys(logs ?? {}).filter((k) => k !== 'batch' && k !== 'size')) } as never,
    });
    const ev = m.evaluate(T(X) as never, T(y) as never, { batchSize: 2 });
    const evaluate = await Promise.all((Array.isArray(ev) ? ev : [ev]).map(async (t) => (await t.data())[0]));
    out.push({ names: [...m.metricsNames], history: h.history as Record<string, number[]>, batchKeys: batchKeys.sort(), evaluate });
  }
  return out as [Run, Run];
}

function expectSame(theirs: Run, ours: Run, tol = 1e-4): void {
  expect(ours.names).toEqual(theirs.names);
  // History also keeps Keras' names of the accuracy keys (accuracy, val_accuracy) beside TF.js' acc / val_acc.
  const kerasAlias = (k: string) => (k === 'accuracy' || k === 'val_accuracy') && (k.replace('accuracy', 'acc') in ours.history);
  expect(Object.keys(ours.history).filter((k) => !kerasAlias(k)).sort()).toEqual(Object.keys(theirs.history).sort());
  expect(ours.batchKeys).toEqual(theirs.batchKeys);
  for (const [k, v] of Object.entries(theirs.history)) expect(Math.abs(ours.history[k][0] - v[0]), `${k}: ${ours.history[k][0]} vs ${v[0]}`).toBeLessThan(tol * (1 + Math.abs(v[0])));
  expect(ours.evaluate.length).toBe(theirs.evaluate.length);
  theirs.evaluate.forEach((v, i) => expect(Math.abs(ours.evaluate[i] - v), `evaluate[${i}] (${theirs.names[i]})`).toBeLessThan(tol * (1 + Math.abs(v))));
}

const softmax3 = (L: Lib) => (L as typeof rl).sequential({ layers: [(L as typeof rl).layers.dense({ units: 3, inputShape: [3], activation: 'softmax' })] });

describe('compile metrics as tfjs-layers', () => {
  it('by the names tfjs-layers accepts, on a softmax output', async () => {
    const metrics = ['accuracy', 'mse', 'MSE', 'mae', 'MAE', 'mape', 'MAPE', 'cosine', 'binaryAccuracy', 'categoricalAccuracy', 'precision', 'categoricalCrossentropy', 'ce'];
    const [theirs, ours] = await both(softmax3, () => ({ loss: 'categoricalCrossentropy', metrics }), Y3);
    expect(theirs.names).toEqual(['loss', 'acc', ...metrics.slice(1, -1), 'ce']);
    expectSame(theirs, ours);
  });

  it('as tf.metrics functions and custom functions, logged under the function name', async () => {
    const fns = (L: Lib) => {
      const M = L.metrics as typeof rl.metrics;
      function meanAbsDiff(a: rl.Tensor, b: rl.Tensor) {
        return M.meanAbsoluteError(a, b);
      }
      return [M.recall, M.precision, M.meanSquaredError, M.binaryAccuracy, M.categoricalAccuracy, M.MSE, M.cosineProximity, M.meanAbsoluteError, M.mape, M.binaryCrossentropy, M.categoricalCrossentropy, meanAbsDiff];
    };
    const [theirs, ours] = await both(softmax3, (L) => ({ loss: 'categoricalCrossentropy', metrics: fns(L) }), Y3);
    expect(theirs.names).toContain('meanAbsDiff');
    expect(theirs.names).toContain('MSE');
    expectSame(theirs, ours);
  });

  it('sparse labels: accuracy, sparseCategoricalCrossentropy, crossentropy and tf.metrics.sparseCategoricalAccuracy', async () => {
    for (const metrics of [['accuracy', 'sparseCategoricalCrossentropy'], ['crossentropy'], 'fn'] as const) {
      const [theirs, ours] = await both(softmax3, (L) => ({ loss: 'sparseCategoricalCrossentropy', metrics: metrics === 'fn' ? [(L.metrics as typeof rl.metrics).sparseCategoricalAccuracy] : metrics }), SPARSE);
      expectSame(theirs, ours);
    }
  });

  it('binary output: accuracy is binary accuracy; precision and recall of exact 0/1 predictions', async () => {
    const sigmoid = (L: Lib) => (L as typeof rl).sequential({ layers: [(L as typeof rl).layers.dense({ units: 1, inputShape: [3], activation: 'sigmoid' })] });
    const [t1, o1] = await both(sigmoid, () => ({ loss: 'binaryCrossentropy', metrics: ['accuracy', 'binaryAccuracy', 'crossentropy'] }), Y1);
    expectSame(t1, o1);
    // Predictions exactly 1 on some samples and 0 on others (relu of a step): precision and recall are neither 0 nor 1.
    const hard = (L: Lib) => (L as typeof rl).sequential({ layers: [(L as typeof rl).layers.dense({ units: 1, inputShape: [3], kernelInitializer: 'zeros', biasInitializer: 'zeros' }), (L as typeof rl).layers.dense({ units: 1, kernelInitializer: 'ones', biasInitializer: 'ones', activation: 'relu' })] });
    const xsOnes = [[1], [0], [0], [1], [1]];
    const [t2, o2] = await both(hard, (L) => ({ loss: 'meanSquaredError', metrics: ['precision', (L.metrics as typeof rl.metrics).recall, 'binaryAccuracy'] }), xsOnes, 0);
    expectSame(t2, o2);
    expect(t2.history.precision[0]).toBeCloseTo(0.6, 5);
  });

  it('several outputs: keys prefixed with the output name, as tfjs-layers', async () => {
    const build = (L: Lib) => {
      const R = L as typeof rl;
      const inp = R.input({ shape: [3] });
      const a = R.layers.dense({ units: 3, activation: 'softmax', name: 'a' }).apply(inp) as rl.SymbolicTensor;
      const b = R.layers.dense({ units: 3, name: 'b' }).apply(inp) as rl.SymbolicTensor;
      return R.model({ inputs: inp, outputs: [a, b] });
    };
    const out: string[][] = [];
    for (const L of [rl, tf] as const) {
      const m = build(L);
      m.compile({ optimizer: 'sgd', loss: ['categoricalCrossentropy', 'meanSquaredError'], metrics: { a: ['accuracy', 'precision'], b: [(L.metrics as typeof rl.metrics).meanAbsoluteError] } } as never);
      out.push([...m.metricsNames]);
    }
    expect(out[1]).toEqual(out[0]);
  });
});

describe('compile metrics beyond tfjs-layers', () => {
  it('recall, sparseCategoricalAccuracy, topKCategoricalAccuracy, meanSquaredError by name: logged under the name, the tf.metrics value', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [3], activation: 'softmax' })] });
    m.compile({ optimizer: tf.train.sgd(0), loss: 'categoricalCrossentropy', metrics: ['recall', 'topKCategoricalAccuracy', 'meanSquaredError', 'categorical_accuracy'] });
    expect(m.metricsNames).toEqual(['loss', 'recall', 'topKCategoricalAccuracy', 'meanSquaredError', 'categorical_accuracy']);
    const x = tf.tensor(X);
    const y = tf.tensor(Y3);
    const ev = (m.evaluate(x, y, { batchSize: 5 }) as tf.Tensor[]).map((t) => t.dataSync()[0]);
    const p = m.predict(x) as tf.Tensor;
    const want = [tf.metrics.recall(y, p), tf.metrics.topKCategoricalAccuracy(y, p).mean(), tf.metrics.meanSquaredError(y, p).mean(), tf.metrics.categoricalAccuracy(y, p).mean()].map((t) => t.dataSync()[0]);
    want.forEach((w, i) => expect(ev[i + 1]).toBeCloseTo(w, 5));
    expect(ev[2]).toBe(1); // top-5 of 3 classes

    const s = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [3], activation: 'softmax' })] });
    s.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['sparseCategoricalAccuracy'] });
    const h = await s.fit(x, tf.tensor(SPARSE), { epochs: 1, batchSize: 5, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'sparseCategoricalAccuracy']);
  });

  it('an unknown metric, or a function not returning a tensor, is an error naming it', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [3], activation: 'softmax' })] });
    expect(() => m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['f1'] })).toThrow(/unknown metric 'f1'; expected 'accuracy', 'crossentropy', a tf.metrics name \(.*precision.*\)/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: [42 as never] })).toThrow(/a metric must be a name or a function/);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: [function broken() { return 3 as never; }] });
    const before = tf.memory().numTensors;
    await expect(m.fit(tf.tensor(X), tf.tensor(Y3), { epochs: 1, verbose: 0 })).rejects.toThrow(/metric 'broken': the function must return a tensor, got number/);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2);
  });

  it('a saved training config keeps tf.metrics functions by name and drops custom ones', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [3], activation: 'softmax' })] });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy', tf.metrics.precision, tf.metrics.mse, (a: tf.Tensor, b: tf.Tensor) => tf.metrics.mae(a, b)] });
    let saved: unknown;
    await m.save(tf.io.withSaveHandler(async (art) => { saved = art.trainingConfig; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }), { includeOptimizer: true });
    expect((saved as { metrics: unknown }).metrics).toEqual(['accuracy', 'precision', 'mse']);
  });
});
