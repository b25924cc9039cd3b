// fitDataset / evaluateDataset with tfjs-layers' semantics, trainOnBatch,
// callbacks (every hook, stopTraining, onYield), classWeight, initialEpoch,
// restoreBestWeights, the bad-input errors, and fit's memory on big data.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
});
afterEach(() => vi.restoreAllMocks());

/** 64 separable samples of 6 features, 3 classes, fixed values. */
function data(n = 64): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(n * 6);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 6; j++) x[i * 6 + j] = (j % 3 === y[i] ? 1 : 0) + ((i * 7 + j * 3) % 11) / 20;
  }
  return { x, y };
}

function mlp(seed = 3): tf.LayersModel {
  tf.random.setSeed(seed);
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 8, activation: 'relu', inputShape: [6] }));
  m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  m.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy', metrics: ['acc'] });
  return m;
}

/** The samples as a dataset of host rows, labels as numbers. */
function hostDataset(n = 64): tf.data.Dataset<{ xs: tf.data.HostArray; ys: number }> {
  const { x, y } = data(n);
  return tf.data.array(Array.from({ length: n }, (_, i) => ({ xs: tf.data.hostArray(x.subarray(i * 6, i * 6 + 6), [6]), ys: y[i] })));
}

async function weightsOf(m: tf.LayersModel): Promise<number[]> {
  const out: number[] = [];
  for (const w of m.weights) out.push(...(await w.data()));
  return out;
}

describe('fitDataset', () => {
  it('equals fit on the same batches (no shuffle): same per-epoch history and weights', async () => {
    const { x, y } = data();
    const a = mlp();
    const xt = tf.tensor(x, [64, 6]);
    const yt = tf.tensor(y, [64], 'int32');
    const ha = await a.fit(xt, yt, { epochs: 3, batchSize: 10, shuffle: false, verbose: 0 });
    const b = mlp();
    const hb = await b.fitDataset(hostDataset().batch(10), { epochs: 3, verbose: 0 });
    expect(Object.keys(hb.history).sort()).toEqual(Object.keys(ha.history).sort());
    hb.history.loss.forEach((v, i) => expect(v).toBeCloseTo(ha.history.loss[i], 5));
    expect(hb.history.acc).toEqual(ha.history.acc);
    const [wa, wb] = [await weightsOf(a), await weightsOf(b)];
    wb.forEach((v, i) => expect(v).toBeCloseTo(wa[i], 5));
    expect(hb.history.loss[2]).toBeLessThan(hb.history.loss[0]);
    tf.dispose([xt, yt]);
  });

  it('validationData as a dataset (validationBatches) or as tensors gives val_ keys', async () => {
    const m = mlp();
    const { x, y } = data();
    const vx = tf.tensor(x, [64, 6]);
    const vy = tf.tensor(y, [64], 'int32');
    const h1 = await m.fitDataset(hostDataset().batch(16), { epochs: 2, validationData: hostDataset().batch(16), validationBatches: 2, verbose: 0 });
    expect(Object.keys(h1.history).sort()).toEqual(['acc', 'accuracy', 'loss', 'val_acc', 'val_accuracy', 'val_loss']);
    // validationBatches 2 evaluates exactly the first 32 samples.
    const [l32] = m.evaluate(vx.slice(0, 32), vy.slice(0, 32)) as tf.Tensor[];
    const h2 = await m.fitDataset(hostDataset().batch(16), { epochs: 1, validationData: [vx, vy], verbose: 0 });
    expect(h2.history.val_loss).toHaveLength(1);
    expect(Number.isFinite(h2.history.val_loss[0])).toBe(true);
    expect(Number.isFinite((await l32.data())[0])).toBe(true);
    tf.dispose([vx, vy, l32]);
  });

  it('batchesPerEpoch keeps one iterator across epochs; running dry warns as TF.js and ends training', async () => {
    let produced = 0;
    const ds = tf.data
      .generator(function* () {
        for (let i = 0; i < 64; i++) {
          produced++;
          yield i;
        }
      })
      .map((i) => ({ xs: tf.data.hostArray(data().x.subarray(i * 6, i * 6 + 6), [6]), ys: i % 3 }))
      .batch(8);
    const m = mlp();
    const batches: number[] = [];
    const h = await m.fitDataset(ds, { epochs: 2, batchesPerEpoch: 3, verbose: 0, callbacks: { onBatchEnd: (b) => void batches.push(b) } });
    expect(h.epoch).toEqual([0, 1]);
    expect(batches).toEqual([0, 1, 2, 0, 1, 2]);
    // One pass, 48 samples read (+ at most one batch read ahead), not 2 fresh starts.
    expect(produced).toBeLessThanOrEqual(56);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const h2 = await m.fitDataset(ds, { epochs: 5, batchesPerEpoch: 3, verbose: 0 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/You provided `batchesPerEpoch` as 3, but your dataset iterator ran out of data after 2 batches; interrupting training.*at least `batchesPerEpoch \* epochs` batches \(in this case, 15 batches\)/);
    expect(h2.epoch).toEqual([0, 1, 2]);
  });

  it('evaluateDataset equals evaluate (uneven batches weighted by size); running out before `batches` warns', async () => {
    const m = mlp();
    const { x, y } = data();
    const xt = tf.tensor(x, [64, 6]);
    const yt = tf.tensor(y, [64], 'int32');
    const want = (await Promise.all((m.evaluate(xt, yt, { batchSize: 64 }) as tf.Tensor[]).map(async (t) => (await t.data())[0])));
    const got = await Promise.all(((await m.evaluateDataset(hostDataset().batch(10))) as tf.Tensor[]).map(async (t) => (await t.data())[0]));
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await m.evaluateDataset(hostDataset().batch(32), { batches: 5 });
    expect(String(warn.mock.calls[0][0])).toMatch(/ran out of data during evaluateDataset\(\).*in this case, 5 batches/);
    tf.dispose([xt, yt]);
  });

  it('a generator that throws rejects fitDataset with its error; nothing leaks and the model trains again', async () => {
    const m = mlp();
    const good = hostDataset().batch(16);
    await m.fitDataset(good, { epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    const bad = tf.data
      .generator(function* () {
        for (let i = 0; i < 40; i++) {
          if (i === 35) throw new Error('sensor unplugged at sample 35');
          yield { xs: tf.data.hostArray(new Float32Array(6).fill(i / 40), [6]), ys: i % 3 };
        }
      })
      .batch(8)
      .prefetch(2);
    await expect(m.fitDataset(bad, { epochs: 1, verbose: 0 })).rejects.toThrow('sensor unplugged at sample 35');
    expect(tf.memory().numTensors).toBe(before);
    const h = await m.fitDataset(good, { epochs: 1, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
  });

  it('bad elements: not {xs, ys}, keys that match no input / output (names listed), unbatched samples', async () => {
    const inp = tf.input({ shape: [6], name: 'features' });
    const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(inp) as tf.SymbolicTensor;
    const fm = tf.model({ inputs: inp, outputs: out });
    fm.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const one = (el: unknown) => tf.data.array([el]);
    await expect(fm.fitDataset(one([1, 2]), { epochs: 1, verbose: 0 })).rejects.toThrow(/must generate objects \{xs, ys\}.*generated an array of length 2/);
    await expect(fm.fitDataset(one({ xs: { pixels: tf.zeros([2, 6]) }, ys: tf.zeros([2]) }), { epochs: 1, verbose: 0 })).rejects.toThrow(/key 'pixels' matching no input of the model; its input names are: features/);
    await expect(fm.fitDataset(one({ xs: tf.zeros([2, 6]), ys: { label: tf.zeros([2]) } }), { epochs: 1, verbose: 0 })).rejects.toThrow(/key 'label' matching no output of the model; its output names are: cls/);
    await expect(fm.fitDataset(one({ xs: tf.data.hostArray(new Float32Array(6)), ys: 1 }), { epochs: 1, verbose: 0 })).rejects.toThrow(/holds a HostArray, not a tensor.*call \.batch\(batchSize\)/);
    await expect(fm.fitDataset(hostDataset().batch(4), { epochs: 0, verbose: 0 })).rejects.toThrow(/epochs must be a positive integer, got 0/);
  });
});

describe('callbacks, trainOnBatch, classWeight, initialEpoch', () => {
  it('every TF.js hook in order; stopTraining from onBatchEnd stops mid-epoch; onYield with yieldEvery batch', async () => {
    const m = mlp();
    const calls: string[] = [];
    const { x, y } = data();
    const xt = tf.tensor(x, [64, 6]);
    const yt = tf.tensor(y, [64], 'int32');
    const h = await m.fit(xt, yt, {
      epochs: 3,
      batchSize: 16,
      verbose: 0,
      yieldEvery: 'batch',
      callbacks: {
        onTrainBegin: () => void calls.push('trainBegin'),
        onEpochBegin: (e) => void calls.push(`epochBegin${e}`),
        onBatchBegin: (b) => void calls.push(`batchBegin${b}`),
        onBatchEnd: (b, logs) => {
          calls.push(`batchEnd${b}`);
          expect(Object.keys(logs ?? {}).sort()).toEqual(['acc', 'batch', 'loss', 'size']);
          if (calls.filter((c) => c.startsWith('batchEnd')).length === 6) m.stopTraining = true;
        },
        onYield: (e, b) => void calls.push(`yield${e}.${b}`),
        onEpochEnd: (e) => void calls.push(`epochEnd${e}`),
        onTrainEnd: () => void calls.push('trainEnd'),
      },
    });
    expect(calls).toEqual([
      'trainBegin',
      'epochBegin0', 'batchBegin0', 'batchEnd0', 'yield0.0', 'batchBegin1', 'batchEnd1', 'yield0.1', 'batchBegin2', 'batchEnd2', 'yield0.2', 'batchBegin3', 'batchEnd3', 'yield0.3', 'epochEnd0',
      'epochBegin1', 'batchBegin0', 'batchEnd0', 'yield1.0', 'batchBegin1', 'batchEnd1', 'yield1.1', 'epochEnd1',
      'trainEnd',
    ]);
    expect(h.epoch).toEqual([0, 1]);
    tf.dispose([xt, yt]);
  });

  it('initialEpoch runs epochs initialEpoch..epochs-1', async () => {
    const m = mlp();
    const { x, y } = data();
    const h = await m.fit(tf.tensor(x, [64, 6]), tf.tensor(y, [64], 'int32'), { epochs: 4, initialEpoch: 2, verbose: 0 });
    expect(h.epoch).toEqual([2, 3]);
  });

  it('trainOnBatch returns [loss, acc] (the loss alone without metrics) and steps once; predictOnBatch', async () => {
    const m = mlp();
    const { x, y } = data();
    const xt = tf.tensor(x, [64, 6]);
    const yt = tf.tensor(y, [64], 'int32');
    const [l0] = (m.evaluate(xt, yt, { batchSize: 64 }) as tf.Tensor[]).map((t) => t.dataSync()[0]);
    const r = await m.trainOnBatch(xt, yt);
    expect(Array.isArray(r)).toBe(true);
    const [loss, acc] = r as number[];
    expect(loss).toBeCloseTo(l0, 5); // the loss of the batch before the step
    expect(acc).toBeGreaterThanOrEqual(0);
    const [l1] = (m.evaluate(xt, yt, { batchSize: 64 }) as tf.Tensor[]).map((t) => t.dataSync()[0]);
    expect(l1).toBeLessThan(l0);
    const plain = mlp();
    plain.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    expect(typeof (await plain.trainOnBatch(xt, yt))).toBe('number');
    const p = m.predictOnBatch(xt.slice(0, 5)) as tf.Tensor;
    expect(p.shape).toEqual([5, 3]);
    tf.dispose([xt, yt, p]);
  });

  it('classWeight: the first batch loss is mean(weight[class] * per-sample cross-entropy)', async () => {
    const m = mlp();
    const { x, y } = data(12);
    const xt = tf.tensor(x, [12, 6]);
    const yt = tf.tensor(y, [12], 'int32');
    const probs = (m.predict(xt) as tf.Tensor).dataSync();
    const cw: Record<number, number> = { 0: 3, 2: 0.5 };
    let want = 0;
    for (let i = 0; i < 12; i++) want += (cw[y[i]] ?? 1) * -Math.log(probs[i * 3 + y[i]]);
    want /= 12;
    let first = NaN;
    await m.fit(xt, yt, { epochs: 1, batchSize: 12, shuffle: false, verbose: 0, classWeight: cw, callbacks: { onBatchEnd: (_, l) => void (first = l?.loss ?? NaN) } });
    expect(first).toBeCloseTo(want, 5);
    tf.dispose([xt, yt]);
  });

  it('EarlyStopping restoreBestWeights puts back the best epoch\'s weights at the end (Keras 3)', async () => {
    const m = mlp();
    const es = tf.callbacks.earlyStopping({ monitor: 'val_loss', patience: 1, restoreBestWeights: true });
    es.setModel(m);
    es.onTrainBegin();
    es.onEpochEnd(0, { val_loss: 0.5 });
    const best = await weightsOf(m);
    m.setWeights(m.weights.map((w) => tf.zerosLike(w)));
    es.onEpochEnd(1, { val_loss: 0.9 });
    expect(m.stopTraining).toBe(true);
    es.onTrainEnd();
    expect(await weightsOf(m)).toEqual(best);
    expect(es.bestEpoch).toBe(0);
  });
});

describe('failed fits', () => {
  it('a fit that fails mid-epoch (a callback throws) releases every tensor it made; the model trains again', async () => {
    const m = mlp();
    const { x, y } = data();
    const xt = tf.tensor(x, [64, 6]);
    const yt = tf.tensor(y, [64], 'int32');
    await m.fit(xt, yt, { epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    await expect(
      m.fit(xt, yt, { epochs: 2, batchSize: 8, validationSplit: 0.25, classWeight: { 0: 2 }, verbose: 0, callbacks: { onBatchEnd: (b) => { if (b === 3) throw new Error('callback broke'); } } }),
    ).rejects.toThrow('callback broke');
    expect(tf.memory().numTensors).toBe(before);
    const h = await m.fit(xt, yt, { epochs: 1, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
    tf.dispose([xt, yt]);
  });
});

describe('fit on big tensors', () => {
  it('validationSplit + finiteness check need no copy of the data: the wasm heap grows by far less than the data', async () => {
    const n = 20000;
    const feat = 784; // 62.7 MB of float32
    tf.random.setSeed(1);
    const x = tf.randomUniform([n, feat]);
    const y = tf.tensor(Int32Array.from({ length: n }, (_, i) => i % 10), [n], 'int32');
    tf.random.setSeed(2);
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 10, activation: 'softmax', inputShape: [feat] }));
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['acc'] });
    await m.trainOnBatch(x.slice(0, 256), y.slice(0, 256)); // warm the buffer pool for batches
    const before = (await tf.coreStats()).heapBytes;
    const tensors = tf.memory().numTensors;
    const h = await m.fit(x, y, { epochs: 1, batchSize: 256, validationSplit: 0.2, verbose: 0 });
    const grown = (await tf.coreStats()).heapBytes - before;
    console.log(`heap grew by ${(grown / 2 ** 20).toFixed(1)} MiB over ${(before / 2 ** 20).toFixed(0)} MiB`);
    expect(h.history.val_loss).toHaveLength(1);
    // The old path sliced the train and validation parts (1x the data) and
    // made 4 full-size temporaries for the finiteness check.
    expect(grown).toBeLessThan(24 << 20);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([x, y]);
  });
});
