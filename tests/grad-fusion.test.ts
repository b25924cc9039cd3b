// The tape's fused gradients (packages/cnn-ts/src/grads/registry.ts `GradFusion`): a max pool
// right after a ReLU-fused convolution with a bias takes maxPool2dReluBiasGrad, which routes
// the pool's gradient, applies the ReLU mask and sums the bias gradient in one kernel. It must
// give the unfused gradients bit for bit, match finite differences, and stay out of the way
// where the convolution's output is read by another op or is itself a requested gradient.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';
import { getGradientFusion, gradientFusions } from '../packages/cnn-ts/dist/grads/registry.js';
import { gradientsFromTape } from '../packages/cnn-ts/dist/gradients.js';
import { ENGINE } from '../packages/cnn-ts/dist/engine.js';
import { rng } from './support/random.js';

const next = rng(1717);
const rand = (shape: number[], lo = -1, hi = 1) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * next()), shape);

/** Counts the fused max-pool gradient's runs while `f` runs. */
function countingFusion<T>(f: () => T): { value: T; runs: number } {
  const on = gradientFusions.on;
  gradientFusions.on = true;
  const fusion = getGradientFusion('maxPool')!;
  gradientFusions.on = on;
  const run = fusion.run;
  let runs = 0;
  fusion.run = (dys, ctx) => {
    runs++;
    return run(dys, ctx);
  };
  try {
    return { value: f(), runs };
  } finally {
    fusion.run = run;
  }
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));

describe('fused max-pool, ReLU and bias gradient', () => {
  beforeAll(async () => {
    await tf.ready({ threads: 2 });
  });

  // conv (relu, bias) -> 2x2 max pool -> weighted sum; shapes on the kernel's fast path (row
  // pairs dividing its 4096-pixel chunk) and off it (a 6-wide input, 3x3 SAME pooling).
  const cases = [
    { x: [2, 8, 8, 3], w: [3, 3, 3, 8], pool: 2, stride: 2, pad: 'valid' as const },
    { x: [1, 6, 6, 2], w: [3, 3, 2, 4], pool: 2, stride: 2, pad: 'valid' as const },
    { x: [1, 5, 5, 2], w: [3, 3, 2, 5], pool: 3, stride: 2, pad: 'same' as const },
  ];
  for (const c of cases) {
    const name = `x ${c.x.join('x')}, filter ${c.w.join('x')}, pool ${c.pool} stride ${c.stride} ${c.pad}`;
    it(`gives the unfused gradients bit for bit and matches finite differences: ${name}`, () => {
      const [x, w, b] = [rand(c.x), rand(c.w), rand([c.w[3]], -0.1, 0.1)];
      const yShape = tf.maxPool(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' }), c.pool, c.stride, c.pad).shape;
      const r = rand(yShape);
      const loss = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' }), c.pool, c.stride, c.pad), r));
      const g = tf.grads(loss);
      const fused = countingFusion(() => g([x, w, b]));
      expect(fused.runs).toBe(1);
      gradientFusions.on = false;
      let plain: tf.Tensor[];
      try {
        plain = countingFusion(() => g([x, w, b])).value;
      } finally {
        gradientFusions.on = true;
      }
      fused.value.forEach((t, i) => expect(bits(t), `gradient ${i}`).toEqual(bits(plain[i])));
      // Central differences on the filter and the bias (float64 sums of the loss).
      const f64 = (w2: tf.Tensor, b2: tf.Tensor) => loss(x, w2, b2).dataSync()[0];
      for (const [k, t] of [[1, w], [2, b]] as const) {
        const v = t.dataSync();
        const gk = fused.value[k].dataSync();
        for (const i of [0, 1, v.length - 1]) {
          const h = 1e-2;
          const at = (d: number) => {
            const u = Float32Array.from(v);
            u[i] += d;
            const p = tf.tensor(u, t.shape);
            return k === 1 ? f64(p, b) : f64(w, p);
          };
          const num = (at(h) - at(-h)) / (2 * h);
          expect(Math.abs(gk[i] - num), `d/d${k === 1 ? 'w' : 'b'}[${i}]: ${gk[i]} vs ${num}`).toBeLessThan(2e-2 * Math.max(1, Math.abs(num)));
        }
      }
    });
  }

  it('is not taken when the convolution output has another reader', () => {
    const [x, w, b] = [rand([1, 4, 4, 2]), rand([3, 3, 2, 4]), rand([4], -0.1, 0.1)];
    const loss = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => {
      const y = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' });
      return tf.add(tf.sum(tf.maxPool(y, 2, 2, 'valid')), tf.sum(tf.mul(y, y)));
    };
    const { value, runs } = countingFusion(() => tf.grads(loss)([x, w, b]));
    expect(runs).toBe(0);
    gradientFusions.on = false;
    try {
      const plain = tf.grads(loss)([x, w, b]);
      value.forEach((t, i) => expect(bits(t)).toEqual(bits(plain[i])));
    } finally {
      gradientFusions.on = true;
    }
  });

  it('leaves a requested gradient of the convolution output unmasked', () => {
    const [x, w, b] = [rand([1, 4, 4, 2]), rand([3, 3, 2, 4]), rand([4], -2, -1.5)];
    const prev = ENGINE.startTape();
    const y = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' });
    const total = tf.sum(tf.maxPool(y, 2, 2, 'valid'));
    const tape = ENGINE.endTape(prev);
    const { value, runs } = countingFusion(() => gradientsFromTape(tape, [y], total));
    expect(runs).toBe(0);
    // One 1 per pooling window, wherever its (first) maximum is, zeros or not: 4 windows x 4 channels.
    expect(Array.from(value[0]!.dataSync()).reduce((a, v) => a + v, 0)).toBe(16);
  });
});
