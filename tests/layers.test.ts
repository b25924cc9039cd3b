// Layers, models and training: parameter counts as Keras counts them,
// summaries, subclassed and functional models, fit semantics, errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
});

/** A separable toy problem: class = which quadrant of the image is bright. */
function quadrants(n: number, seed: number): { x: tf.Tensor; y: tf.Tensor } {
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
  const x = new Float32Array(n * 8 * 8);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * 4);
    y[i] = c;
    for (let r = 0; r < 8; r++)
      for (let q = 0; q < 8; q++) {
        const inQ = (r < 4 ? 0 : 2) + (q < 4 ? 0 : 1) === c;
        x[i * 64 + r * 8 + q] = (inQ ? 0.8 : 0.1) + 0.1 * rand();
      }
  }
  return { x: tf.tensor(x, [n, 8, 8, 1]), y: tf.tensor(y, [n], 'int32') };
}

function smallCnn(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  return m;
}

describe('parameter counts and summaries', () => {
  it('VGG16 has 138,357,544 parameters, all trainable', () => {
    const lines: string[] = [];
    const m = tf.builders.vgg16();
    m.summary(undefined, undefined, (l) => lines.push(l));
    expect(m.countParams()).toBe(138357544);
    expect(lines).toContain('Total params: 138,357,544');
    expect(lines).toContain('Trainable params: 138,357,544');
    expect(lines).toContain('Non-trainable params: 0');
    m.dispose();
  });

  it("the seed's CIFAR CNN: Keras' per-layer counts (k*k*cin*cout + cout, in*out + out)", () => {
    const m = tf.builders.cifarCnn([32, 32, 3], 10);
    const counts = m.layers.map((l) => l.countParams());
    expect(counts).toEqual([3 * 3 * 3 * 16 + 16, 3 * 3 * 16 * 32 + 32, 0, 3 * 3 * 32 * 64 + 64, 3 * 3 * 64 * 64 + 64, 0, 0, 256 * 128 + 128, 128 * 10 + 10]);
    expect(m.outputShape).toEqual([null, 10]);
    const lines: string[] = [];
    m.summary(undefined, undefined, (l) => lines.push(l));
    expect(lines.some((l) => /^conv2d\S* \(Conv2D\)\s+\(None, 32, 32, 16\)\s+448$/.test(l))).toBe(true);
    // Keras cuts a long "name (Type)" at the column, as here.
    expect(lines.some((l) => /^max_pooling2d\S* \(MaxPooling2D\)?\s*\(None, 16, 16, 32\)\s+0$/.test(l))).toBe(true);
    expect(lines).toContain('Total params: 94,698');
    m.dispose();
  });

  it("the seed's small ResNet counts its subclassed blocks' weights", () => {
    const m = tf.builders.smallResnet([32, 32, 3], 10);
    // conv 3*3*3*64+64, 3 blocks of 2 convs 3*3*64*64+64, dense 64*10+10.
    expect(m.countParams()).toBe(1792 + 3 * 2 * 36928 + 650);
    expect(m.layers[2].countParams()).toBe(2 * 36928);
    m.dispose();
  });

  it('BatchNormalization has 4*C parameters, 2*C trainable', () => {
    const m = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [4, 4, 6] })] });
    expect(m.countParams()).toBe(24);
    expect(m.trainableWeights.reduce((s, w) => s + w.size, 0)).toBe(12);
    m.dispose();
  });
});

describe('training', () => {
  it('fit lowers the loss and reports Keras history keys; val_loss is the last 20% before shuffling', async () => {
    tf.random.setSeed(7);
    const { x, y } = quadrants(200, 1);
    const m = smallCnn();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 4, batchSize: 16, validationSplit: 0.2, verbose: 0 });
    for (const k of ['loss', 'acc', 'accuracy', 'val_loss', 'val_acc', 'val_accuracy']) expect(h.history[k]).toHaveLength(4);
    expect(h.history.loss[3]).toBeLessThan(h.history.loss[0]);
    expect(h.history.acc[3]).toBeGreaterThan(0.5);
    // The validation set is samples 160..199 (the last 20%).
    const [vl, va] = m.evaluate(tf.slice(x, 160, 40), tf.slice(y, 160, 40)) as tf.Tensor[];
    expect((await vl.data())[0]).toBeCloseTo(h.history.val_loss[3], 5);
    expect((await va.data())[0]).toBeCloseTo(h.history.val_acc[3], 5);
  });

  it('a seed makes a training run reproducible bit for bit', async () => {
    const run = async () => {
      tf.random.setSeed(2021);
      const { x, y } = quadrants(96, 3);
      const m = smallCnn();
      m.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const h = await m.fit(x, y, { epochs: 2, batchSize: 32, shuffle: true, verbose: 0 });
      const w = await Promise.all(m.getWeights().map((t) => t.data()));
      return { loss: h.history.loss, w };
    };
    const a = await run();
    const b = await run();
    expect(b.loss).toEqual(a.loss);
    a.w.forEach((wa, i) => expect(Array.from(b.w[i])).toEqual(Array.from(wa)));
  });

  it('a subclassed layer with sub-layers trains like a built-in one', async () => {
    class Block extends tf.layers.Layer {
      readonly className = 'Block';
      readonly conv = tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'relu' });
      readonly add = tf.layers.add();
      call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        return this.add.apply([this.conv.apply(x), x]) as tf.Tensor;
      }
    }
    tf.random.setSeed(3);
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ filters: 1, kernelSize: 1, inputShape: [8, 8, 1] }));
    const block = new Block();
    m.add(block);
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
    expect(block.countParams()).toBe(10);
    const before = await block.getWeights()[0].data();
    m.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['acc'] });
    const { x, y } = quadrants(64, 5);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(h.history.acc).toHaveLength(2);
    const after = await block.getWeights()[0].data();
    expect(Array.from(after)).not.toEqual(Array.from(before));
  });

  it('functional model with a residual add and a concatenate', async () => {
    const inp = tf.input({ shape: [8, 8, 1] });
    const a = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(inp) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }).apply(a) as tf.SymbolicTensor;
    const s = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
    const c = tf.layers.concatenate().apply([s, inp]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 4, activation: 'softmax' }).apply(tf.layers.flatten().apply(c) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const m = tf.model({ inputs: inp, outputs: out });
    expect(c.shape).toEqual([null, 8, 8, 3]);
    expect(m.countParams()).toBe(20 + 38 + (8 * 8 * 3 * 4 + 4));
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const { x, y } = quadrants(64, 9);
    const h = await m.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0 });
    expect(h.history.loss[2]).toBeLessThan(h.history.loss[0]);
    const p = m.predict(x, { batchSize: 10 });
    expect(p.shape).toEqual([64, 4]);
    const rowSums = await tf.sum(p, 1).data();
    for (const v of rowSums) expect(v).toBeCloseTo(1, 5);
  });

  it('early stopping ends training when val_loss stops improving', async () => {
    const { x, y } = quadrants(64, 11);
    const m = smallCnn();
    m.compile({ optimizer: tf.train.sgd(0), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 20, validationSplit: 0.25, verbose: 0, callbacks: [tf.callbacks.earlyStopping({ patience: 1 })] });
    expect(h.epoch.length).toBe(2);
  });

  it('getWeights / setWeights round-trip; predict equals apply', async () => {
    const m = smallCnn();
    const w = m.getWeights();
    const m2 = smallCnn();
    m2.setWeights(w);
    const { x } = quadrants(10, 13);
    const a = await m.predict(x).data();
    const b = await (m2.apply(x) as tf.Tensor).data();
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});

describe('bad input', () => {
  it('wrong input shape names the layer and both shapes', async () => {
    const m = smallCnn();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await expect(m.fit(tf.zeros([4, 9, 9, 1]), tf.zeros([4], 'int32'), { verbose: 0 })).rejects.toThrow(/expected input of shape \[null,8,8,1\], got x of shape \[4,9,9,1\]/);
    expect(() => m.predict(tf.zeros([2, 8, 8]))).toThrow(/predict: expected input of shape \[null,8,8,1\], got \[2,8,8\]/);
  });

  it('labels out of range fail fit with the op name, and the model stays usable', async () => {
    const { x, y } = quadrants(32, 17);
    const m = smallCnn();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const before = await m.getWeights()[0].data();
    await expect(m.fit(x, tf.fill([32], 7, 'int32'), { epochs: 1, verbose: 0 })).rejects.toThrow(/label 7.*4 classes|4 classes.*7/);
    expect(Array.from(await m.getWeights()[0].data())).toEqual(Array.from(before));
    const h = await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
  });

  it('NaN in the data is rejected before training', async () => {
    const { y } = quadrants(8, 19);
    const bad = new Float32Array(8 * 64).fill(0.5);
    bad[100] = NaN;
    const m = smallCnn();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await expect(m.fit(tf.tensor(bad, [8, 8, 8, 1]), y, { verbose: 0 })).rejects.toThrow(/x contains NaN or Infinity/);
  });

  it('unknown loss, optimizer, activation and padding names are named in the error', () => {
    const m = smallCnn();
    expect(() => m.compile({ optimizer: 'adamw', loss: 'sparseCategoricalCrossentropy' })).toThrow(/unknown optimizer 'adamw'/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'hingy' })).toThrow(/unknown loss 'hingy'/);
    expect(() => tf.layers.dense({ units: 3, activation: 'swishy' as 'relu' })).toThrow(/dense\S*: unknown activation 'swishy'/);
    expect(() => tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'full' as 'same' })).toThrow(/unknown padding 'full'/);
  });
});
