// Depthwise / separable convolution and up-sampling against TF.js
// (@tensorflow/tfjs-core on its cpu backend, @tensorflow/tfjs-layers):
// values and gradients of sum(y * r) on random shapes (batch 1, odd sizes,
// strides, dilation, every padding mode), and the layers with equal weights.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as refLayers from '@tensorflow/tfjs-layers';
import * as ours from 'cnn-ts';
import { rng } from './support/random.js';

beforeAll(async () => {
  await ours.ready({ threads: 2 });
  await ref.setBackend('cpu');
});

const next = rng(1313);
const values = (shape: number[]) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1);

function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return m;
}

type Pad = 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];
interface DwCase {
  x: [number, number, number, number];
  f: [number, number, number, number];
  s: number | [number, number];
  pad: Pad;
  d?: number;
}

const DW: DwCase[] = [
  { x: [1, 5, 5, 3], f: [3, 3, 3, 1], s: 1, pad: 'same' },
  { x: [2, 7, 6, 4], f: [3, 3, 4, 2], s: 2, pad: 'same' },
  { x: [1, 9, 8, 5], f: [5, 3, 5, 1], s: [2, 1], pad: 'valid' },
  { x: [1, 8, 8, 8], f: [3, 3, 8, 1], s: 2, pad: 'valid' },
  { x: [3, 6, 7, 9], f: [2, 2, 9, 3], s: 1, pad: 'same' },
  { x: [1, 6, 6, 12], f: [3, 3, 12, 1], s: 1, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { x: [1, 9, 9, 6], f: [3, 3, 6, 1], s: 1, pad: 'same', d: 2 },
  { x: [1, 10, 9, 4], f: [3, 2, 4, 2], s: 1, pad: 'valid', d: 3 },
];

function name(c: DwCase): string {
  return `x=${JSON.stringify(c.x)} f=${JSON.stringify(c.f)} s=${JSON.stringify(c.s)} p=${JSON.stringify(c.pad)} d=${c.d ?? 1}`;
}

describe('tf.depthwiseConv2d matches tfjs-core', () => {
  for (const c of DW) {
    it(name(c), async () => {
      const [xv, fv] = [values(c.x), values(c.f)];
      const d = c.d ?? 1;
      const yb = ref.depthwiseConv2d(ref.tensor4d(xv, c.x), ref.tensor4d(fv, c.f), c.s, c.pad, 'NHWC', d);
      const rv = values(yb.shape);
      const ya = ours.depthwiseConv2d(ours.tensor(xv, c.x), ours.tensor(fv, c.f), c.s, c.pad, 'NHWC', d);
      expect(ya.shape).toEqual(yb.shape);
      expect(maxErr(await ya.data(), await yb.data())).toBeLessThan(1e-5);
      // TF.js's cpu gradients refuse dilation > 1; those are checked against
      // finite differences in crates/cnn-core/src/depthwise/tests.rs.
      if (d > 1) return;
      const ga = ours.grads((x: ours.Tensor, f: ours.Tensor) => ours.sum(ours.mul(ours.depthwiseConv2d(x, f, c.s, c.pad), ours.tensor(rv, yb.shape))))([ours.tensor(xv, c.x), ours.tensor(fv, c.f)]);
      const gb = ref.grads((x: ref.Tensor, f: ref.Tensor) => ref.sum(ref.mul(ref.depthwiseConv2d(x as ref.Tensor4D, f as ref.Tensor4D, c.s, c.pad), ref.tensor(rv, yb.shape))))([ref.tensor4d(xv, c.x), ref.tensor4d(fv, c.f)]);
      expect(maxErr(await ga[0].data(), await gb[0].data()), 'input gradient').toBeLessThan(1e-4);
      expect(maxErr(await ga[1].data(), await gb[1].data()), 'filter gradient').toBeLessThan(1e-4);
    });
  }

  it('errors name the op and the mismatch', () => {
    expect(() => ours.depthwiseConv2d(ours.zeros([1, 4, 4, 3]), ours.zeros([3, 3, 2, 1]), 1, 'same')).toThrow(
      'Error in depthwiseConv2d: number of input channels (3) must match the inChannels dimension of the filter (2)',
    );
    expect(() => ours.depthwiseConv2d(ours.zeros([1, 4, 4, 3]), ours.zeros([3, 3, 3, 1]), 2, 'same', 'NHWC', 2)).toThrow('cannot both be > 1');
  });
});

describe('tf.separableConv2d matches tfjs-core', () => {
  const cases: [number[], number[], number, number, 'valid' | 'same'][] = [
    [[1, 7, 7, 3], [3, 3, 3, 2], 5, 1, 'same'],
    [[2, 9, 8, 4], [3, 3, 4, 1], 6, 2, 'valid'],
  ];
  for (const [xs, fs, cout, s, pad] of cases) {
    it(`x=${JSON.stringify(xs)} dw=${JSON.stringify(fs)} out=${cout} s=${s} ${pad}`, async () => {
      const pwShape = [1, 1, fs[2] * fs[3], cout];
      const [xv, dv, pv] = [values(xs), values(fs), values(pwShape)];
      const fa = (x: ours.Tensor, d: ours.Tensor, p: ours.Tensor) => ours.separableConv2d(x, d, p, s, pad);
      const fb = (x: ref.Tensor, d: ref.Tensor, p: ref.Tensor) => ref.separableConv2d(x as ref.Tensor4D, d as ref.Tensor4D, p as ref.Tensor4D, s, pad);
      const yb = fb(ref.tensor(xv, xs), ref.tensor(dv, fs), ref.tensor(pv, pwShape));
      const ya = fa(ours.tensor(xv, xs), ours.tensor(dv, fs), ours.tensor(pv, pwShape));
      expect(maxErr(await ya.data(), await yb.data())).toBeLessThan(1e-5);
      const rv = values(yb.shape);
      const ga = ours.grads((x: ours.Tensor, d: ours.Tensor, p: ours.Tensor) => ours.sum(ours.mul(fa(x, d, p), ours.tensor(rv, yb.shape))))([ours.tensor(xv, xs), ours.tensor(dv, fs), ours.tensor(pv, pwShape)]);
      const gb = ref.grads((x: ref.Tensor, d: ref.Tensor, p: ref.Tensor) => ref.sum(ref.mul(fb(x, d, p), ref.tensor(rv, yb.shape))))([ref.tensor(xv, xs), ref.tensor(dv, fs), ref.tensor(pv, pwShape)]);
      for (let i = 0; i < 3; i++) expect(maxErr(await ga[i].data(), await gb[i].data()), `gradient ${i}`).toBeLessThan(1e-4);
    });
  }
});

describe('layers against tfjs-layers with equal weights', () => {
  /** Builds both layers on `xShape`, copies our weights into theirs, compares outputs. */
  async function same(a: ours.layers.Layer, b: refLayers.layers.Layer, xShape: number[], tol = 1e-5): Promise<void> {
    const xv = values(xShape);
    const ya = a.apply(ours.tensor(xv, xShape)) as ours.Tensor;
    b.apply(ref.tensor(xv, xShape));
    const ws = await Promise.all(a.getWeights().map(async (w) => ref.tensor(await w.data(), w.shape)));
    b.setWeights(ws);
    const yb = b.apply(ref.tensor(xv, xShape)) as ref.Tensor;
    expect(ya.shape).toEqual(yb.shape);
    expect(maxErr(await ya.data(), await yb.data())).toBeLessThan(tol);
  }

  it('DepthwiseConv2D: multiplier 2, stride 2, same, bias, relu', async () => {
    const args = { kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' as const, activation: 'relu' as const, biasInitializer: 'glorotUniform' as const };
    await same(ours.layers.depthwiseConv2d(args), refLayers.layers.depthwiseConv2d(args), [2, 9, 8, 3]);
  });

  it('DepthwiseConv2D: kernel 3x2, valid, no bias', async () => {
    const args = { kernelSize: [3, 2] as [number, number], useBias: false };
    await same(ours.layers.depthwiseConv2d(args), refLayers.layers.depthwiseConv2d(args), [1, 9, 9, 4]);
  });

  it('DepthwiseConv2D with dilation 2 equals tf.depthwiseConv2d (tfjs-layers 4.22 drops dilationRate, Keras does not)', async () => {
    const layer = ours.layers.depthwiseConv2d({ kernelSize: [3, 2], dilationRate: 2, useBias: false });
    const xv = values([1, 9, 9, 4]);
    const y = layer.apply(ours.tensor(xv, [1, 9, 9, 4])) as ours.Tensor;
    expect(y.shape).toEqual([1, 5, 7, 4]);
    const f = await layer.getWeights()[0].data();
    const yb = ref.depthwiseConv2d(ref.tensor4d(xv, [1, 9, 9, 4]), ref.tensor4d(f, [3, 2, 4, 1]), 1, 'valid', 'NHWC', 2);
    expect(maxErr(await y.data(), await yb.data())).toBeLessThan(1e-5);
  });

  it('SeparableConv2D: 7 filters, multiplier 2, same, relu', async () => {
    const args = { filters: 7, kernelSize: 3, depthMultiplier: 2, padding: 'same' as const, activation: 'relu' as const, biasInitializer: 'glorotUniform' as const };
    await same(ours.layers.separableConv2d(args), refLayers.layers.separableConv2d(args), [2, 6, 7, 3]);
  });

  for (const interpolation of ['nearest', 'bilinear'] as const) {
    for (const size of [2, [3, 2]] as const) {
      it(`UpSampling2D ${interpolation} size ${JSON.stringify(size)}: values and gradient`, async () => {
        const xShape = [2, 3, 5, 4];
        const args = { size: typeof size === 'number' ? [size, size] : [...size], interpolation };
        await same(ours.layers.upSampling2d(args as ours.UpSampling2DLayerArgs), refLayers.layers.upSampling2d(args), xShape);
        const xv = values(xShape);
        const la = ours.layers.upSampling2d(args as ours.UpSampling2DLayerArgs);
        const lb = refLayers.layers.upSampling2d(args);
        const outShape = [2, 3 * args.size[0], 5 * args.size[1], 4];
        const rv = values(outShape);
        const ga = ours.grad((x: ours.Tensor) => ours.sum(ours.mul(la.apply(x) as ours.Tensor, ours.tensor(rv, outShape))))(ours.tensor(xv, xShape));
        // tfjs-core 4.22's cpu resize gradients mishandle images that are not
        // square (resizeBilinear's throws 'gradient ... has shape 2,5,3,4'):
        // the reference gradient is built from tfjs's forward instead, by
        // linearity: dx[i] = sum(resize(e_i) * r) for every unit input e_i.
        const r = ref.tensor(rv, outShape);
        const gb = new Float32Array(xv.length);
        for (let i = 0; i < xv.length; i++) {
          const e = new Float32Array(xv.length);
          e[i] = 1;
          gb[i] = ref.tidy(() => ref.sum(ref.mul(lb.apply(ref.tensor(e, xShape)) as ref.Tensor, r)).dataSync()[0]);
        }
        expect(maxErr(await ga.data(), gb)).toBeLessThan(1e-5);
      });
    }
  }

  it('Cropping2D and ReLU({maxValue})', async () => {
    await same(ours.layers.cropping2D({ cropping: [[1, 2], [0, 3]] }), refLayers.layers.cropping2D({ cropping: [[1, 2], [0, 3]] }), [2, 6, 7, 3]);
    await same(ours.layers.reLU({ maxValue: 0.5 }), refLayers.layers.reLU({ maxValue: 0.5 }), [3, 11]);
    await same(ours.layers.reLU({ maxValue: 6 }), refLayers.layers.reLU({ maxValue: 6 }), [3, 11]);
    await same(ours.layers.reLU(), refLayers.layers.reLU(), [3, 11]);
  });
});
