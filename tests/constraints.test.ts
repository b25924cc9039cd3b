// Weight constraints against tfjs-layers 4.22: the projections themselves,
// the configs they serialize to, setWeights (which tfjs-layers constrains),
// and training, where they are applied after every optimizer step as Keras
// does. tfjs-layers 4.22 documents that but does not do it in fit (measured:
// a nonNeg kernel goes negative), so the expected weights after a step are
// tfjs-layers' unconstrained step followed by its own constraint.apply.
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

/** Seeded values in [-2, 2). */
const values = (n: number, seed: number): Float32Array => randArray(rng(seed), n).map((v) => v * 2);
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => expectClose(a, b, tol);



type Make = (C: typeof rl.constraints | typeof tf.constraints) => unknown;
const CASES: [string, Make][] = [
  ['maxNorm()', (C) => C.maxNorm({})],
  ['maxNorm({maxValue: 0.5, axis: 1})', (C) => C.maxNorm({ maxValue: 0.5, axis: 1 })],
  ['maxNorm({maxValue: 1.5, axis: [0, 1, 2]})', (C) => C.maxNorm({ maxValue: 1.5, axis: [0, 1, 2] as never })],
  ['unitNorm({})', (C) => C.unitNorm({})],
  ['unitNorm({axis: -1})', (C) => C.unitNorm({ axis: -1 })],
  ['nonNeg()', (C) => C.nonNeg()],
  ['minMaxNorm()', (C) => C.minMaxNorm({})],
  ['minMaxNorm({minValue: 1, maxValue: 2, rate: 0.5, axis: 1})', (C) => C.minMaxNorm({ minValue: 1, maxValue: 2, rate: 0.5, axis: 1 })],
];

describe('tf.constraints', () => {
  for (const [name, make] of CASES) {
    it(`${name}: apply and getConfig as tfjs-layers`, async () => {
      for (const shape of [[5, 3], [3, 3, 2, 4]]) {
        if (name.includes('[0, 1, 2]') && shape.length === 2) continue;
        const v = values(shape.reduce((a, b) => a * b), shape.length * 7 + name.length);
        const theirs = (make(rl.constraints) as rl.constraints.Constraint).apply(ref.tensor(v, shape));
        const c = make(tf.constraints) as { apply(w: tf.Tensor): tf.Tensor; getConfig(): unknown; getClassName(): string };
        const ours = c.apply(tf.tensor(v, shape));
        expect(ours.shape).toEqual(theirs.shape);
        close(await ours.data(), await theirs.data());
        ours.dispose();
        const theirC = make(rl.constraints) as rl.constraints.Constraint;
        expect(c.getClassName()).toBe(theirC.getClassName());
        expect(c.getConfig()).toEqual(theirC.getConfig());
      }
    });
  }

  it('an unknown name or bad argument is an error at the layer', () => {
    expect(() => tf.layers.dense({ units: 2, kernelConstraint: 'nonNegative' })).toThrow(/unknown constraint 'nonNegative'.*maxNorm, minMaxNorm, nonNeg, unitNorm/);
    expect(() => tf.constraints.maxNorm({ maxValue: NaN })).toThrow(/maxNorm: maxValue must be a finite number/);
    expect(() => tf.constraints.minMaxNorm({ minValue: 2, maxValue: 1 })).toThrow(/minValue 2 is above maxValue 1/);
  });

  it('string identifiers, as tfjs-layers: \'nonNeg\', \'maxNorm\' (and Keras\' snake_case)', async () => {
    for (const id of ['nonNeg', 'maxNorm', 'unitNorm', 'minMaxNorm', 'non_neg']) {
      const l = tf.layers.dense({ units: 2, inputShape: [3], kernelConstraint: id });
      l.apply(tf.zeros([1, 3]));
      const cfg = l.getConfig().kernelConstraint as { className: string };
      expect(cfg.className).toBe(id === 'non_neg' ? 'NonNeg' : id[0].toUpperCase() + id.slice(1));
      l.dispose();
    }
  });
});

describe('constraints in layers', () => {
  it('Dense getConfig has the constraints as tfjs-layers writes them, and survives a JSON round trip', async () => {
    const mk = (L: typeof rl | typeof tf) => L.layers.dense({ units: 2, inputShape: [3], kernelConstraint: L.constraints.maxNorm({ maxValue: 0.01 }), biasConstraint: 'nonNeg' } as never);
    const theirs = mk(rl).getConfig();
    const ours = mk(tf).getConfig();
    expect(ours.kernelConstraint).toEqual(theirs.kernelConstraint);
    expect(ours.biasConstraint).toEqual(theirs.biasConstraint);
    const m = tf.sequential({ layers: [mk(tf) as tf.layers.Layer] });
    const back = await tf.models.modelFromJSON(JSON.parse(JSON.stringify(m.toJSON(null, false))) as never);
    expect(back.layers[0].getConfig().kernelConstraint).toEqual(theirs.kernelConstraint);
    // The rebuilt layer applies it: setWeights projects.
    back.setWeights([tf.tensor([[3, 0], [4, 0], [0, 1]]), tf.tensor([-1, 1])]);
    close(await back.getWeights()[0].data(), [0.006, 0, 0.008, 0, 0, 0.01]);
    close(await back.getWeights()[1].data(), [0, 1]);
  });

  it('setWeights projects constrained weights, as tfjs-layers\' LayerVariable.write', async () => {
    const vals = [[[-1, 2], [3, -4], [5, 6]], [3, 4]];
    const out: Float32Array[][] = [];
    for (const L of [rl, tf] as const) {
      const m = (L as typeof rl).sequential({ layers: [(L as typeof rl).layers.dense({ units: 2, inputShape: [3], kernelConstraint: (L as typeof rl).constraints.nonNeg(), biasConstraint: (L as typeof rl).constraints.unitNorm({}) })] });
      const mk = L === rl ? (v: number[] | number[][]) => ref.tensor(v) : (v: number[] | number[][]) => tf.tensor(v);
      m.setWeights(vals.map(mk) as never);
      out.push(await Promise.all(m.getWeights().map((w) => w.data() as Promise<Float32Array>)));
    }
    out[1].forEach((w, i) => close(w, out[0][i]));
  });

  // One SGD step with a large rate (the constraint has something to do), in both libraries.
  // Ours is built with the constraints; tfjs-layers without (its fit would not
  // apply them), starting from the projected initial weights as ours does
  // (setWeights projects), and `project` gives the expected weights after the step.
  async function stepBoth(layers: (L: typeof rl | typeof tf, constrained: boolean) => unknown[], project: (w: ref.Tensor, i: number) => ref.Tensor, x: number[][] | number[][][][], y: number[][]) {
    const ours = tf.sequential({ layers: layers(tf, true) as never });
    const theirs = rl.sequential({ layers: layers(rl, false) as never });
    const init = await Promise.all(ours.getWeights().map(async (w) => ({ v: (await w.data()) as Float32Array, s: w.shape })));
    ours.setWeights(init.map(({ v, s }) => tf.tensor(v, s)));
    theirs.setWeights(init.map(({ v, s }, i) => project(ref.tensor(v, s), i)));
    const before = await Promise.all(theirs.getWeights().map((w) => w.data() as Promise<Float32Array>));
    (await Promise.all(ours.getWeights().map((w) => w.data()))).forEach((w, i) => close(w, before[i]));
    for (const [m, L] of [[theirs, ref], [ours, tf]] as const) {
      const T = L === ref ? ref.tensor : tf.tensor;
      (m as rl.Sequential).compile({ optimizer: (L === ref ? ref.train.sgd(3) : tf.train.sgd(3)) as never, loss: 'meanSquaredError' });
      await (m as rl.Sequential).fit(T(x) as never, T(y) as never, { epochs: 1, batchSize: x.length, shuffle: false, verbose: 0 });
    }
    const stepped = theirs.getWeights();
    const expected = await Promise.all(stepped.map((w, i) => project(w, i).data() as Promise<Float32Array>));
    const got = await Promise.all(ours.getWeights().map((w) => w.data() as Promise<Float32Array>));
    const unprojected = await Promise.all(stepped.map((w) => w.data() as Promise<Float32Array>));
    return { expected, got, unprojected };
  }

  it('Dense: after a fit step the weights are tfjs-layers\' step, then projected', async () => {
    const X = [[0.5, -1, 2], [1, 0.3, -0.7], [-0.2, 0.8, 0.1], [0.9, -0.4, 0.6]];
    const Y = [[1, -3], [0, 1], [-2, 0.5], [0.2, 0.8]];
    const kc = (L: typeof rl | typeof tf) => L.constraints.maxNorm({ maxValue: 0.7 });
    const bc = (L: typeof rl | typeof tf) => L.constraints.nonNeg();
    const { expected, got, unprojected } = await stepBoth(
      (L, c) => [(L as typeof rl).layers.dense({ units: 2, inputShape: [3], biasInitializer: 'ones', ...(c ? { kernelConstraint: kc(L), biasConstraint: bc(L) } : {}) } as never)],
      (w, i) => (i === 0 ? kc(rl) : bc(rl)).apply(w), X, Y);
    got.forEach((w, i) => close(w, expected[i]));
    // The step did something the constraints had to undo (else this test could not fail).
    expect(Math.min(...unprojected[1])).toBeLessThan(-0.01);
    expect(Math.max(...unprojected[0].map(Math.abs))).toBeGreaterThan(0.7);
  });

  it('Conv2D kernelConstraint maxNorm over [0, 1, 2] (per filter), after a fit step', async () => {
    const x = Array.from({ length: 2 }, (_, n) => Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => [Math.sin(n + i * 3 + j), Math.cos(i - j * n)])));
    const y = [[1, 0, 2, 0, 0, 0, 1, 1, 0, 2, 0, 1], [0, 1, 0, 0, 3, 0, 0, 1, 1, 0, 0, 0]];
    const kc = (L: typeof rl | typeof tf) => L.constraints.maxNorm({ maxValue: 0.3, axis: [0, 1, 2] as never });
    const { expected, got } = await stepBoth(
      (L, c) => [(L as typeof rl).layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [4, 4, 2], ...(c ? { kernelConstraint: kc(L) } : {}) } as never), (L as typeof rl).layers.flatten()],
      (w, i) => (i === 0 ? kc(rl).apply(w) : w), x, y);
    got.forEach((w, i) => close(w, expected[i], 1e-4));
  });

  it('depthwise, embeddings, batch-norm gamma/beta and PReLU alpha constraints hold after training', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.depthwiseConv2d({ kernelSize: 2, inputShape: [4, 4, 2], depthwiseConstraint: tf.constraints.nonNeg(), biasConstraint: 'nonNeg', useBias: true }),
        tf.layers.batchNormalization({ gammaConstraint: tf.constraints.minMaxNorm({ minValue: 0.5, maxValue: 0.5, axis: 0 }), betaConstraint: tf.constraints.nonNeg() }),
        tf.layers.prelu({ alphaConstraint: tf.constraints.nonNeg() }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 1 }),
      ],
    });
    m.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
    const x = tf.randomNormal([8, 4, 4, 2], 0, 1, 'float32', 3);
    const y = tf.mul(tf.randomNormal([8, 1], 0, 1, 'float32', 4), -5);
    await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
    // The first three layers' weights by name (the last Dense's bias is unconstrained).
    const w = Object.fromEntries(m.layers.slice(0, 3).flatMap((l) => l.weights).map((v) => [v.name.split('/').pop()!, v]));
    for (const n of ['depthwise_kernel', 'bias', 'beta', 'alpha']) expect(Math.min(...(await w[n].data())), n).toBeGreaterThanOrEqual(0);
    const g = await w.gamma.data();
    expect(Math.hypot(...g)).toBeCloseTo(0.5, 4);

    const e = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 5, outputDim: 3, inputLength: 2, embeddingsConstraint: tf.constraints.unitNorm({ axis: 1 }) }), tf.layers.flatten(), tf.layers.dense({ units: 1 })] });
    e.compile({ optimizer: tf.train.sgd(1), loss: 'meanSquaredError' });
    await e.fit(tf.tensor([[0, 1], [2, 3], [4, 0]]), tf.tensor([[3], [-2], [5]]), { epochs: 2, batchSize: 3, verbose: 0 });
    const table = await e.layers[0].getWeights()[0].array() as number[][];
    for (const row of table) expect(Math.hypot(...row)).toBeCloseTo(1, 4);
    expect(e.layers[0].getConfig().embeddingsConstraint).toEqual({ className: 'UnitNorm', config: { axis: 1 } });
  });
});

describe('TF.js addWeight(name, shape, dtype, initializer, regularizer, trainable, constraint) in a custom layer', () => {
  it('the weight gets its initializer, its penalty in the loss and its constraint after each step', async () => {
    class Scale extends tf.layers.Layer {
      static className = 'ScaleForConstraints';
      w!: tf.Variable;
      override build(): void {
        this.w = this.addWeight('w', [3], 'float32', tf.initializers.constant({ value: 0.5 }), tf.regularizers.l2({ l2: 1 }), true, tf.constraints.nonNeg());
        this.built = true;
      }
      override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
        return s;
      }
      call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return (Array.isArray(x) ? x[0] : x).mul(this.w.read());
      }
    }
    const layer = new Scale({ inputShape: [3] } as never);
    expect(layer.className).toBe('ScaleForConstraints');
    const m = tf.sequential({ layers: [layer] });
    m.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const x = tf.tensor([[1, 2, 3]]);
    const y = tf.tensor([[-5, -5, -5]]);
    const h0 = await m.fit(x, y, { epochs: 1, verbose: 0 });
    // mse of 0.5*x against -5, plus l2 = 1 * 3 * 0.25.
    const mse = ([1, 2, 3].reduce((s, v) => s + (0.5 * v + 5) ** 2, 0)) / 3;
    expect(h0.history.loss[0]).toBeCloseTo(mse + 0.75, 4);
    m.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    await m.fit(x, y, { epochs: 2, verbose: 0 });
    expect(Array.from(await layer.w.data())).toEqual([0, 0, 0]);
    expect(() => (layer as unknown as { addWeight(...a: unknown[]): unknown }).addWeight('bad', [1], 'int32', 'zeros')).toThrow(/only float32 weights are supported, got dtype 'int32'/);
  });
});
