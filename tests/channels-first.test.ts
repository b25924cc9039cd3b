// dataFormat: 'channelsFirst' (and batch norm's axis 1) against tfjs-layers
// 4.22: the same layer, weights and NCHW input give the same output shape,
// values and config; a small channels-first CNN takes the same SGD step.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as rl from '@tensorflow/tfjs-layers';
import * as tf from 'cnn-ts';
import { expectClose } from './support/close.js';
import { randArray, rng } from './support/random.js';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
  await ref.setBackend('cpu');
});

/** Seeded values in [-1, 1). */
const values = (n: number, seed: number): Float32Array => randArray(rng(seed), n);
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4) => expectClose(a, b, tol);

type Lib = typeof rl | typeof tf;
// Input [batch 2, channels 3, height 5, width 6].
const IN = [3, 5, 6];
const NHWC = [5, 6, 3];
/** Each case: the layer's arguments given the data format; whether tfjs-layers 4.22 itself gets channelsFirst right. */
type Make = (L: Lib, first: boolean, extra: object) => unknown;
const df = (first: boolean) => ({ dataFormat: first ? 'channelsFirst' : 'channelsLast' });
const CASES: [string, Make, boolean][] = [
  ['conv2d', (L, f, e) => L.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', ...df(f), ...e } as never), true],
  ['conv2d valid dilated', (L, f, e) => L.layers.conv2d({ filters: 2, kernelSize: [2, 3], dilationRate: 2, ...df(f), ...e } as never), true],
  ['depthwiseConv2d', (L, f, e) => L.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', ...df(f), ...e } as never), true],
  // tfjs-layers 4.22 fails on this one (it adds the bias as [1, filters, 1, 1] to NHWC values).
  ['separableConv2d', (L, f, e) => L.layers.separableConv2d({ filters: 4, kernelSize: 3, ...df(f), ...e } as never), false],
  ['conv2dTranspose', (L, f, e) => L.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', ...df(f), ...e } as never), true],
  ['maxPooling2d', (L, f, e) => L.layers.maxPooling2d({ poolSize: 2, strides: 2, ...df(f), ...e } as never), true],
  ['averagePooling2d same', (L, f, e) => L.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', ...df(f), ...e } as never), true],
  ['globalAveragePooling2d', (L, f, e) => L.layers.globalAveragePooling2d({ ...df(f), ...e } as never), true],
  ['globalMaxPooling2d', (L, f, e) => L.layers.globalMaxPooling2d({ ...df(f), ...e } as never), true],
  // tfjs-layers 4.22's inference with axis 1 normalises with the wrong channel's statistics (checked by hand: ours is the formula).
  ['batchNormalization axis 1', (L, f, e) => L.layers.batchNormalization({ axis: f ? 1 : -1, ...e }), false],
  ['flatten', (L, f, e) => L.layers.flatten({ ...df(f), ...e } as never), true],
  ['upSampling2d', (L, f, e) => L.layers.upSampling2d({ size: [2, 3], ...df(f), ...e } as never), true],
  ['zeroPadding2d', (L, f, e) => L.layers.zeroPadding2d({ padding: [[1, 0], [2, 1]], ...df(f), ...e } as never), true],
];

describe("dataFormat: 'channelsFirst' as tfjs-layers", () => {
  for (const [name, make, tfjsRight] of CASES) {
    it(`${name}: output and config`, async () => {
      const x = values(2 * IN.reduce((a, b) => a * b), name.length + 11);
      const ours = tf.sequential({ layers: [make(tf, true, { inputShape: IN }) as tf.layers.Layer] });
      // TF.js values: tfjs-layers' channels-last layer on the NHWC data, its output back to NCHW.
      const last = rl.sequential({ layers: [make(rl, false, { inputShape: NHWC }) as rl.layers.Layer] });
      const ws = last.getWeights().map((w, i) => {
        const v = values(w.size, 100 + i);
        return /variance/.test(last.weights[i].name) ? v.map((e) => e + 1.5) : v;
      });
      last.setWeights(ws.map((v, i) => ref.tensor(v, last.getWeights()[i].shape)));
      ours.setWeights(ws.map((v, i) => tf.tensor(v, last.getWeights()[i].shape)));
      const yl = last.predict(ref.transpose(ref.tensor(x, [2, ...IN]), [0, 2, 3, 1])) as ref.Tensor;
      const want = yl.rank === 4 ? ref.transpose(yl, [0, 3, 1, 2]) : yl;
      const got = ours.predict(tf.tensor(x, [2, ...IN])) as tf.Tensor;
      expect(got.shape).toEqual(want.shape);
      close(await got.data(), await want.data());
      const cfg = ours.layers[0].getConfig();
      if (tfjsRight) {
        // And tfjs-layers' own channels-first layer: same shapes, values and config.
        const theirs = rl.sequential({ layers: [make(rl, true, { inputShape: IN }) as rl.layers.Layer] });
        theirs.setWeights(ws.map((v, i) => ref.tensor(v, last.getWeights()[i].shape)));
        expect(ours.outputs[0].shape).toEqual(theirs.outputs[0].shape);
        close(await got.data(), await (theirs.predict(ref.tensor(x, [2, ...IN])) as ref.Tensor).data());
        expect(cfg.dataFormat).toBe(theirs.layers[0].getConfig().dataFormat);
      } else expect(cfg.dataFormat ?? cfg.axis).toBe(name.startsWith('batch') ? 1 : 'channelsFirst');
      // The JSON round trip keeps it.
      const back = await tf.models.modelFromJSON(JSON.parse(JSON.stringify(ours.toJSON(null, false))) as never);
      back.setWeights(ours.getWeights());
      close(await (back.predict(tf.tensor(x, [2, ...IN])) as tf.Tensor).data(), await want.data());
    });
  }

  it('cropping2d (not in tfjs-layers 4.22): the NCHW slice', async () => {
    const x = values(2 * 3 * 5 * 6, 5);
    const m = tf.sequential({ layers: [tf.layers.cropping2d({ cropping: [[1, 0], [2, 1]], dataFormat: 'channelsFirst', inputShape: IN })] });
    const got = m.predict(tf.tensor(x, [2, ...IN])) as tf.Tensor;
    const want = ref.slice(ref.tensor(x, [2, ...IN]), [0, 0, 1, 2], [2, 3, 4, 3]);
    expect(got.shape).toEqual([2, 3, 4, 3]);
    close(await got.data(), await want.data());
  });

  it('a channels-first CNN (conv, pooling, flatten, dense) takes tfjs-layers\' SGD step', async () => {
    const build = (L: Lib) => {
      const R = L as typeof rl;
      return R.sequential({
        layers: [
          R.layers.conv2d({ inputShape: IN, filters: 4, kernelSize: 3, padding: 'same', dataFormat: 'channelsFirst' }),
          R.layers.maxPooling2d({ poolSize: 2, dataFormat: 'channelsFirst' }),
          R.layers.flatten({ dataFormat: 'channelsFirst' } as never),
          R.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      });
    };
    const theirs = build(rl);
    const ours = build(tf);
    const init = await Promise.all(theirs.getWeights().map((w) => w.data() as Promise<Float32Array>));
    ours.setWeights(init.map((v, i) => tf.tensor(v, theirs.getWeights()[i].shape)));
    const x = values(4 * IN.reduce((a, b) => a * b), 7);
    const y = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]];
    theirs.compile({ optimizer: ref.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    ours.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    const ht = await theirs.fit(ref.tensor(x, [4, ...IN]), ref.tensor(y), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    const ho = await ours.fit(tf.tensor(x, [4, ...IN]), tf.tensor(y), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    expect(ho.history.loss[0]).toBeCloseTo(ht.history.loss[0] as number, 4);
    const after = await Promise.all(theirs.getWeights().map((w) => w.data() as Promise<Float32Array>));
    const mine = await Promise.all(ours.getWeights().map((w) => w.data()));
    mine.forEach((w, i) => close(w, after[i], 2e-4));
    expect(Math.max(...after[0].map((v, i) => Math.abs(v - init[0][i])))).toBeGreaterThan(1e-3);
  });

  it('with batch norm on axis 1, a fit step equals tfjs-layers\' channels-last model on the NHWC data', async () => {
    const build = (L: Lib, first: boolean) => {
      const R = L as typeof rl;
      const d = { dataFormat: first ? 'channelsFirst' : 'channelsLast' } as const;
      return R.sequential({
        layers: [
          R.layers.conv2d({ inputShape: first ? IN : NHWC, filters: 4, kernelSize: 3, padding: 'same', ...d }),
          R.layers.batchNormalization({ axis: first ? 1 : -1 }),
          R.layers.averagePooling2d({ poolSize: 2, ...d }),
          R.layers.flatten(d as never),
          R.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      });
    };
    const theirs = build(rl, false);
    const ours = build(tf, true);
    const init = await Promise.all(theirs.getWeights().map((w) => w.data() as Promise<Float32Array>));
    ours.setWeights(init.map((v, i) => tf.tensor(v, theirs.getWeights()[i].shape)));
    const x = values(4 * IN.reduce((a, b) => a * b), 9);
    const y = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]];
    theirs.compile({ optimizer: ref.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    ours.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    const ht = await theirs.fit(ref.transpose(ref.tensor(x, [4, ...IN]), [0, 2, 3, 1]), ref.tensor(y), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    const ho = await ours.fit(tf.tensor(x, [4, ...IN]), tf.tensor(y), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    expect(ho.history.loss[0]).toBeCloseTo(ht.history.loss[0] as number, 4);
    const after = await Promise.all(theirs.getWeights().map((w) => w.data() as Promise<Float32Array>));
    (await Promise.all(ours.getWeights().map((w) => w.data()))).forEach((w, i) => close(w, after[i], 2e-4));
  });

  it('an unknown dataFormat is an error naming the layer and the valid values', () => {
    expect(() => tf.layers.conv2d({ filters: 1, kernelSize: 3, dataFormat: 'nchw' as never })).toThrow(/"nchw" is not a valid DataFormat; valid values are channelsFirst, channelsLast/);
    expect(() => tf.layers.maxPooling2d({ dataFormat: 'NCHW' as never })).toThrow(/not a valid DataFormat/);
  });
});
