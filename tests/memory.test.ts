// dispose / tidy free wasm memory: 1,000 forward+backward steps of a small
// convnet leave memory() and the wasm heap where they were after warm-up.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
});

describe('memory', () => {
  it('1,000 training steps: tensor count, core buffers and wasm heap stay flat', async () => {
    tf.random.setSeed(1);
    const w1 = tf.variable(tf.randomNormal([3, 3, 1, 8], 0, 0.3));
    const b1 = tf.variable(tf.zeros([8]));
    const w2 = tf.variable(tf.randomNormal([4 * 4 * 8, 4], 0, 0.1));
    const x = tf.randomUniform([16, 8, 8, 1]);
    const labels = tf.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 4), [16], 'int32');
    const opt = tf.train.adam(0.01);
    const vars = [w1, b1, w2];
    const step = () => {
      const loss = opt.minimize(
        () => {
          const h = tf.fused.conv2d({ x, filter: w1, strides: 1, pad: 'same', bias: b1, activation: 'relu' });
          const p = tf.maxPool(h, 2, 2, 'valid');
          const logits = tf.matMul(tf.reshape(p, [16, -1]), w2);
          return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 4), logits);
        },
        true,
        vars,
      );
      return loss!;
    };
    // Warm-up: optimizer state and the allocator's free lists settle.
    for (let i = 0; i < 20; i++) step().dispose();
    await tf.flush();
    const before = tf.memory();
    const coreBefore = await tf.coreStats();
    let first = 0;
    let last = 0;
    for (let i = 0; i < 1000; i++) {
      const l = step();
      if (i === 0) first = (await l.data())[0];
      if (i === 999) last = (await l.data())[0];
      l.dispose();
    }
    const after = tf.memory();
    const coreAfter = await tf.coreStats();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(coreAfter.buffers).toBe(coreBefore.buffers);
    expect(coreAfter.floats).toBe(coreBefore.floats);
    expect(coreAfter.heapBytes).toBe(coreBefore.heapBytes);
    expect(last).toBeLessThan(first);
  });

  it('tidy frees intermediates and keeps what it returns', async () => {
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => {
      const a = tf.ones([4, 4]);
      const b = tf.add(a, 1);
      return tf.mul(b, 2);
    });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(Array.from(await y.data())).toEqual(new Array(16).fill(4));
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a failing op in the core leaves the pool usable and frees what was disposed', async () => {
    await tf.flush();
    const base = await tf.coreStats();
    const x = tf.zeros([2, 3]);
    const bad = tf.tensor([0, 5], [2], 'int32');
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, activation: 'softmax', inputShape: [3] })] });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(m.fit(x, bad, { verbose: 0 })).rejects.toThrow(/label 5/);
    const ok = tf.tidy(() => tf.add(tf.ones([2]), 1));
    expect(Array.from(await ok.data())).toEqual([2, 2]);
    tf.dispose([x, bad, ok]);
    m.dispose();
    await tf.flush();
    const now = await tf.coreStats();
    expect(now.buffers).toBe(base.buffers);
    expect(now.floats).toBe(base.floats);
  });
});
