// The argument checks tfjs-layers makes, made here at the same call with
// its message (read from the tfjs run) or one that names the same values.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as rl from '@tensorflow/tfjs-layers';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
  await ref.setBackend('cpu');
});

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('argument checks as tfjs-layers', () => {
  it('conv2d / conv2dTranspose without kernelSize', () => {
    expect(message(() => rl.layers.conv2d({ filters: 2 } as never))).toMatch(/required key 'kernelSize' not in config/);
    expect(() => tf.layers.conv2d({ filters: 2 } as never)).toThrow(/required key 'kernelSize' not in config/);
    expect(() => tf.layers.conv2dTranspose({ filters: 2 } as never)).toThrow(/required key 'kernelSize' not in config/);
  });

  it('flatten of a rank-2 input (symbolic and concrete)', () => {
    const want = message(() => rl.layers.flatten({ name: 'flat' }).apply(rl.input({ shape: [5] })));
    expect(want).toMatch(/expected min_ndim=3, found ndim=2/);
    expect(() => tf.layers.flatten({ name: 'flat' }).apply(tf.input({ shape: [5] }))).toThrow(want.replace(/flat\w*/, 'flat'));
    expect(() => tf.layers.flatten({}).apply(tf.ones([2, 5]))).toThrow(/expected min_ndim=3, found ndim=2/);
  });

  it('pooling strides of the wrong length, an unknown initializer, dense on the wrong width: errors naming the values', () => {
    expect(message(() => rl.layers.maxPooling2d({ poolSize: 2, strides: [1, 1, 1] as never }))).not.toBe('no error');
    expect(() => tf.layers.maxPooling2d({ poolSize: 2, strides: [1, 1, 1] as never })).toThrow(/strides.*\[1,1,1\]/);
    expect(message(() => rl.layers.dense({ units: 2, kernelInitializer: 'nope' as never }))).toMatch(/nope/);
    expect(() => tf.layers.dense({ units: 2, kernelInitializer: 'nope' as never }).apply(tf.ones([1, 3]))).toThrow(/unknown initializer 'nope'/);
    const d = tf.layers.dense({ units: 2 });
    d.apply(tf.ones([1, 3]));
    expect(() => d.apply(tf.ones([1, 4]))).toThrow(/expected axis -1 of input shape to have value 3 but got shape \[1,4\]/);
  });

  it('a second fit() while one runs is rejected with tfjs-layers\' message; the first completes', async () => {
    const run = async (lib: typeof tf | typeof rl, tensor: (v: number[], s: number[]) => unknown) => {
      const m = (lib as typeof rl).sequential({ layers: [(lib as typeof rl).layers.dense({ units: 1, inputShape: [2] })] });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const x = tensor(new Array(128).fill(1), [64, 2]) as ref.Tensor;
      const y = tensor(new Array(64).fill(1), [64, 1]) as ref.Tensor;
      const first = m.fit(x, y, { epochs: 2, verbose: 0 });
      const second = await m.fit(x, y, { verbose: 0 }).then(() => 'no error', (e: Error) => e.message);
      const h = await first;
      return { second, epochs: h.epoch.length };
    };
    const theirs = await run(rl, (v, s) => ref.tensor(v, s));
    const ours = await run(tf, (v, s) => tf.tensor(v, s));
    expect(ours).toEqual(theirs);
  });

  it('an unknown initializer fails when the layer is made (as tfjs-layers), not at its first call', () => {
    expect(message(() => rl.layers.dense({ units: 2, kernelInitializer: 'nope' as never }))).toMatch(/Unknown initializer: nope/);
    expect(() => tf.layers.dense({ units: 2, kernelInitializer: 'nope' as never })).toThrow(/unknown initializer 'nope'/);
    expect(() => tf.layers.conv2d({ filters: 1, kernelSize: 3, biasInitializer: 'nope' as never })).toThrow(/unknown initializer 'nope'/);
  });

  it('conv2d kernelSize / strides / dilationRate lists of the wrong length', () => {
    for (const [k, v] of [['kernelSize', [3]], ['strides', [1, 1, 1]], ['dilationRate', [1, 1, 1, 1]]] as const) {
      const args = { filters: 1, kernelSize: 3, [k]: v };
      expect(message(() => rl.layers.conv2d(args as never))).toMatch(new RegExp(`The ${k} argument must be an integer or tuple of 2 integers`));
      expect(() => tf.layers.conv2d(args as never)).toThrow(new RegExp(`the ${k} argument must be an integer or tuple of 2 integers, got \\[${v.join(',')}\\]`));
    }
  });

  it('a dense layer applied again to a symbolic input of another width', () => {
    const theirs = rl.layers.dense({ units: 2 });
    theirs.apply(rl.input({ shape: [3] }));
    expect(message(() => theirs.apply(rl.input({ shape: [4] })))).toMatch(/expected axis -1 of input shape to have value 3/);
    const d = tf.layers.dense({ units: 2 });
    d.apply(tf.input({ shape: [3] }));
    expect(() => d.apply(tf.input({ shape: [4] }))).toThrow(/expected axis -1 of input shape to have value 3 but got shape \[null,4\]/);
  });

  it('a Sequential model whose first layer has no inputShape: predict and fit say so', () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 1 }));
    expect(() => m.predict(tf.ones([1, 3]))).toThrow(/first layer in a Sequential model must get an `inputShape` or `batchInputShape` argument/);
  });

  it('targets of the wrong shape: fit, evaluate and trainOnBatch fail before any step, naming the shapes', async () => {
    const theirs = rl.sequential({ layers: [rl.layers.dense({ units: 1, inputShape: [2] })] });
    theirs.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const want = await theirs.fit(ref.ones([4, 2]), ref.ones([4, 3]), { verbose: 0 }).then(() => 'no error', (e: Error) => e.message);
    expect(want).toMatch(/target expected a batch of elements where each example has shape \[1\]/);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const before = await m.getWeights()[0].data();
    const re = /target expected a batch of elements where each example has shape \[1\] \(loss meanSquaredError, model output shape \[null,1\]\), but got 4 examples of shape \[3\]/;
    await expect(m.fit(tf.ones([4, 2]), tf.ones([4, 3]), { verbose: 0 })).rejects.toThrow(new RegExp('fit: ' + re.source));
    await expect(m.fit(tf.ones([4, 2]), tf.ones([4, 1]), { verbose: 0, validationData: [tf.ones([2, 2]), tf.ones([2, 2])] })).rejects.toThrow(/fit \(validation data\): target expected/);
    expect(() => m.evaluate(tf.ones([4, 2]), tf.ones([4, 3]))).toThrow(new RegExp('evaluate: ' + re.source));
    await expect(m.trainOnBatch(tf.ones([4, 2]), tf.ones([4, 3]))).rejects.toThrow(new RegExp('trainOnBatch: ' + re.source));
    expect(Array.from(await m.getWeights()[0].data())).toEqual(Array.from(before));
    // Accepted as Keras and tfjs-layers accept them: [n] for a width-1 output; sparse ids as [n] or [n, 1].
    await m.fit(tf.ones([4, 2]), tf.ones([4]), { verbose: 0 });
    const s = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], activation: 'softmax' })] });
    s.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await s.fit(tf.ones([4, 2]), tf.tensor([0, 1, 2, 1]), { verbose: 0 });
    await s.fit(tf.ones([4, 2]), tf.tensor([[0], [1], [2], [1]]), { verbose: 0 });
    await expect(s.fit(tf.ones([4, 2]), tf.ones([4, 3]), { verbose: 0 })).rejects.toThrow(/shape \[1\] \(one class id per sample\)/);
  });
});
