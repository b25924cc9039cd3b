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
});
