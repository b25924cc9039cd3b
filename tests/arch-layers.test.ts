// The issue-13 layers on their own: configs that rebuild the layer
// (the serialization contract), argument errors naming the layer, ReLU's
// cap and gradient, Cropping2D's bounds, Conv2DTranspose refusing dilation.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 1 });
});

describe('getConfig rebuilds an equal layer', () => {
  const cases: [string, () => tf.layers.Layer][] = [
    ['DepthwiseConv2D', () => tf.layers.depthwiseConv2d({ kernelSize: [3, 2], depthMultiplier: 2, strides: 2, padding: 'same', useBias: false, activation: 'relu6', name: 'dw' })],
    ['SeparableConv2D', () => tf.layers.separableConv2d({ filters: 8, kernelSize: 3, dilationRate: 2, depthMultiplier: 3, pointwiseInitializer: 'heNormal', name: 'sep' })],
    ['UpSampling2D', () => tf.layers.upSampling2d({ size: [3, 2], interpolation: 'bilinear', name: 'up' })],
    ['Cropping2D', () => tf.layers.cropping2D({ cropping: [1, 2], name: 'crop' })],
    ['ReLU', () => tf.layers.reLU({ maxValue: 6, name: 'r6' })],
    ['Conv2D', () => tf.layers.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, kernelInitializer: 'heUniform', name: 'c' })],
  ];
  for (const [cls, make] of cases) {
    it(cls, () => {
      const l = make();
      const c = l.getConfig();
      const ctor = l.constructor as unknown as { className: string; new (config: Record<string, unknown>): tf.layers.Layer };
      expect(ctor.className).toBe(cls);
      expect(l.className).toBe(cls);
      expect(new ctor(c).getConfig()).toEqual(c);
    });
  }

  it('configs carry every constructor argument, TF.js camelCase', () => {
    const c = tf.layers.depthwiseConv2d({ kernelSize: 3, name: 'dw2' }).getConfig();
    expect(c).toMatchObject({ kernelSize: [3, 3], strides: [1, 1], padding: 'valid', dataFormat: 'channelsLast', dilationRate: [1, 1], activation: 'linear', useBias: true, depthMultiplier: 1, depthwiseInitializer: { className: 'GlorotUniform', config: { seed: null } }, biasInitializer: { className: 'Zeros', config: {} } });
    expect(tf.layers.upSampling2d().getConfig()).toMatchObject({ size: [2, 2], interpolation: 'nearest', dataFormat: 'channelsLast' });
    expect(tf.layers.cropping2D({ cropping: 1 }).getConfig()).toMatchObject({ cropping: [[1, 1], [1, 1]] });
  });
});

describe('errors name the layer and the bad value', () => {
  it('Conv2DTranspose refuses dilationRate instead of ignoring it', () => {
    expect(() => tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, dilationRate: 2, name: 'up' })).toThrow('up: dilationRate [2,2] is not supported by Conv2DTranspose; expected 1');
  });
  it('strides and dilation both > 1, bad multiplier, bad interpolation, bad cap', () => {
    expect(() => tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, dilationRate: 2, name: 'd' })).toThrow('d: strides [2,2] and dilationRate [2,2] cannot both be > 1');
    expect(() => tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 0, name: 'd' })).toThrow('d: depthMultiplier must be a positive integer, got 0');
    // @ts-expect-error: not an interpolation
    expect(() => tf.layers.upSampling2d({ interpolation: 'bicubic', name: 'u' })).toThrow("u: unknown interpolation 'bicubic'; expected 'nearest' or 'bilinear'");
    expect(() => tf.layers.reLU({ maxValue: -1, name: 'r' })).toThrow('r: maxValue must be a non-negative number, got -1');
  });
  it('Cropping2D that leaves nothing', () => {
    // (Sequential.add leaving a failed layer behind is issue 15's, not checked here.)
    const layer = tf.layers.cropping2D({ cropping: [[2, 2], [0, 0]], name: 'crop' });
    expect(() => layer.computeOutputShape([null, 4, 4, 1])).toThrow('crop: cropping 2+2 leaves nothing of height 4');
  });
});

describe('values checked by eye', () => {
  it('ReLU({maxValue: 2}) clips and passes gradient only inside (0, 2)', async () => {
    const x = tf.tensor([-1, 0.5, 1.5, 3], [4]);
    const r = tf.layers.reLU({ maxValue: 2 });
    expect(Array.from(await (r.apply(x) as tf.Tensor).data())).toEqual([0, 0.5, 1.5, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(r.apply(t) as tf.Tensor))(x);
    expect(Array.from(await g.data())).toEqual([0, 1, 1, 0]);
  });
  it('Cropping2D [[1, 0], [0, 1]] of a 3x3 arange keeps rows 1-2, columns 0-1', async () => {
    const x = tf.tensor(Float32Array.from({ length: 9 }, (_, i) => i), [1, 3, 3, 1]);
    const y = tf.layers.cropping2D({ cropping: [[1, 0], [0, 1]] }).apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(await y.data())).toEqual([3, 4, 6, 7]);
  });
  it('depthwiseConv2d of ones: each output counts its real taps', async () => {
    const y = tf.depthwiseConv2d(tf.ones([1, 3, 3, 2]), tf.ones([3, 3, 2, 1]), 1, 'same');
    expect(Array.from(await y.data())).toEqual([4, 4, 6, 6, 4, 4, 6, 6, 9, 9, 6, 6, 4, 4, 6, 6, 4, 4]);
  });
});
