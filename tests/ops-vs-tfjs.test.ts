// Every op against @tensorflow/tfjs-core on its cpu backend: values and
// gradients on random shapes and values, same code for both libraries
// (the API is the same, so one closure serves both).
import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The node bundle of tfjs-core registers gradients when tfjs-layers loads.
import '@tensorflow/tfjs-layers';
import * as ours from 'cnn-ts';
import { rng } from './support/random.js';

type Lib = typeof ours | typeof ref;
// A tensor of either library: the closures only use the shared API.
type T = ours.Tensor | ref.Tensor;

interface Case {
  name: string;
  shapes: number[][];
  f: (tf: Lib, ...xs: T[]) => T;
  /** Input value range (default [-2, 2]). */
  range?: [number, number];
  grad?: boolean;
  tol?: number;
}

const next = rng(1234);
function values(shape: number[], [lo, hi]: [number, number]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  }
  return m;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
// The two libraries' functions have the same signatures but distinct
// nominal Tensor types; the closures are written once against `any` here.
const L = (tf: Lib) => tf as any;

async function check(c: Case): Promise<void> {
  const inputs = c.shapes.map((s) => values(s, c.range ?? [-2, 2]));
  const mk = (tf: Lib) => inputs.map((v, i) => L(tf).tensor(v, c.shapes[i]));
  const a = mk(ours);
  const b = mk(ref);
  const ya = c.f(ours, ...a) as ours.Tensor;
  const yb = c.f(ref, ...b) as ref.Tensor;
  expect(ya.shape, `${c.name} shape`).toEqual(yb.shape);
  const tol = c.tol ?? 1e-5;
  const va = await ya.data();
  const vb = await yb.data();
  expect(maxErr(va, vb), `${c.name} values`).toBeLessThan(tol);
  if (c.grad === false) return;
  const ga = ours.grads((...xs: ours.Tensor[]) => ours.sum(c.f(ours, ...xs) as ours.Tensor))(a);
  const gb = ref.grads((...xs: ref.Tensor[]) => ref.sum(c.f(ref, ...xs) as ref.Tensor))(b);
  for (let i = 0; i < ga.length; i++) {
    expect(maxErr(await ga[i].data(), await gb[i].data()), `${c.name} gradient ${i}`).toBeLessThan(tol * 10);
  }
}

const S = [[5], [3, 4], [2, 3, 5], [1, 1], [2, 1, 3, 7]];
const cases: Case[] = [];
for (const s of S) {
  for (const op of ['add', 'sub', 'mul', 'maximum', 'minimum', 'squaredDifference'] as const) {
    cases.push({ name: `${op} ${JSON.stringify(s)}`, shapes: [s, s], f: (tf, x, y) => L(tf)[op](x, y) });
  }
  cases.push({ name: `div ${JSON.stringify(s)}`, shapes: [s, s], f: (tf, x, y) => L(tf).div(x, L(tf).add(L(tf).abs(y), 0.5)) });
  for (const op of ['neg', 'abs', 'square', 'exp', 'sigmoid', 'tanh', 'relu', 'sin', 'cos', 'softplus', 'elu', 'selu'] as const) {
    cases.push({ name: `${op} ${JSON.stringify(s)}`, shapes: [s], f: (tf, x) => L(tf)[op](x) });
  }
  for (const op of ['sqrt', 'log', 'rsqrt', 'reciprocal'] as const) {
    cases.push({ name: `${op} ${JSON.stringify(s)}`, shapes: [s], f: (tf, x) => L(tf)[op](x), range: [0.2, 3] });
  }
  cases.push({ name: `clipByValue ${JSON.stringify(s)}`, shapes: [s], f: (tf, x) => L(tf).clipByValue(x, -0.5, 0.7) });
  cases.push({ name: `leakyRelu ${JSON.stringify(s)}`, shapes: [s], f: (tf, x) => L(tf).leakyRelu(x, 0.1) });
  cases.push({ name: `pow ${JSON.stringify(s)}`, shapes: [s, s], f: (tf, x, y) => L(tf).pow(x, y), range: [0.3, 2] });
}
// One tensor as both operands (the core reads one buffer twice).
for (const s of [[5], [2, 3, 4]]) {
  for (const op of ['add', 'sub', 'mul', 'maximum', 'squaredDifference'] as const) {
    cases.push({ name: `${op}(x, x) ${JSON.stringify(s)}`, shapes: [s], f: (tf, x) => L(tf)[op](x, x) });
  }
}
cases.push({ name: 'matMul(x, x) [4,4]', shapes: [[4, 4]], f: (tf, x) => L(tf).matMul(x, x) });
cases.push({ name: 'matMul(x, x, false, true) [3,5]', shapes: [[3, 5]], f: (tf, x) => L(tf).matMul(x, x, false, true) });
// Broadcasting.
for (const [sa, sb] of [[[3, 4], [4]], [[2, 3, 1], [1, 4]], [[3, 1, 5], [1, 4, 1]], [[6], []], [[], [2, 2]]]) {
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    cases.push({ name: `${op} broadcast ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, shapes: [sa, sb], f: (tf, x, y) => L(tf)[op](x, op === 'div' ? L(tf).add(L(tf).abs(y), 0.5) : y) });
  }
}
// Reductions.
for (const [s, axis] of [[[3, 4], undefined], [[3, 4], 0], [[3, 4], 1], [[2, 3, 4], [0, 2]], [[2, 3, 4], -1], [[5], 0]] as const) {
  for (const op of ['sum', 'mean', 'max', 'min', 'logSumExp'] as const) {
    cases.push({ name: `${op} ${JSON.stringify(s)} axis=${JSON.stringify(axis)}`, shapes: [[...s]], f: (tf, x) => L(tf)[op](x, axis) });
    cases.push({ name: `${op} keepDims ${JSON.stringify(s)} axis=${JSON.stringify(axis)}`, shapes: [[...s]], f: (tf, x) => L(tf)[op](x, axis, true) });
  }
}
for (const [s, axis] of [[[3, 4], 0], [[3, 4], 1], [[2, 3, 4], 2], [[7], 0]] as const) {
  cases.push({ name: `argMax ${JSON.stringify(s)} ${axis}`, shapes: [[...s]], f: (tf, x) => L(tf).argMax(x, axis), grad: false });
  cases.push({ name: `argMin ${JSON.stringify(s)} ${axis}`, shapes: [[...s]], f: (tf, x) => L(tf).argMin(x, axis), grad: false });
}
// Shape and data movement.
cases.push(
  { name: 'reshape', shapes: [[2, 3, 4]], f: (tf, x) => L(tf).reshape(x, [4, -1]) },
  { name: 'transpose default', shapes: [[2, 3, 4]], f: (tf, x) => L(tf).transpose(x) },
  { name: 'transpose [0,2,1,3]', shapes: [[2, 3, 4, 5]], f: (tf, x) => L(tf).transpose(x, [0, 2, 1, 3]) },
  { name: 'slice', shapes: [[4, 5, 3]], f: (tf, x) => L(tf).slice(x, [1, 2, 0], [2, -1, 2]) },
  { name: 'pad', shapes: [[2, 3]], f: (tf, x) => L(tf).pad(x, [[1, 2], [0, 3]], 1.5) },
  { name: 'concat axis 1', shapes: [[2, 3], [2, 5]], f: (tf, x, y) => L(tf).concat([x, y], 1) },
  { name: 'concat axis 0', shapes: [[2, 3], [4, 3]], f: (tf, x, y) => L(tf).concat([x, y], 0) },
  { name: 'stack', shapes: [[2, 3], [2, 3]], f: (tf, x, y) => L(tf).stack([x, y], 1) },
  { name: 'tile', shapes: [[2, 3]], f: (tf, x) => L(tf).tile(x, [2, 3]) },
  { name: 'broadcastTo', shapes: [[3, 1]], f: (tf, x) => L(tf).broadcastTo(x, [2, 3, 4]) },
  { name: 'reverse', shapes: [[3, 4]], f: (tf, x) => L(tf).reverse(x, 1) },
  { name: 'expandDims', shapes: [[3, 4]], f: (tf, x) => L(tf).expandDims(x, 1) },
  { name: 'squeeze', shapes: [[3, 1, 4, 1]], f: (tf, x) => L(tf).squeeze(x) },
  { name: 'matMul', shapes: [[5, 7], [7, 3]], f: (tf, x, y) => L(tf).matMul(x, y) },
  { name: 'matMul transposeA', shapes: [[7, 5], [7, 3]], f: (tf, x, y) => L(tf).matMul(x, y, true, false) },
  { name: 'matMul transposeB', shapes: [[5, 7], [3, 7]], f: (tf, x, y) => L(tf).matMul(x, y, false, true) },
  { name: 'matMul both', shapes: [[7, 5], [3, 7]], f: (tf, x, y) => L(tf).matMul(x, y, true, true) },
  { name: 'matMul batched', shapes: [[2, 5, 7], [2, 7, 3]], f: (tf, x, y) => L(tf).matMul(x, y) },
  { name: 'softmax', shapes: [[4, 10]], f: (tf, x) => L(tf).softmax(x) },
  { name: 'logSoftmax', shapes: [[4, 10]], f: (tf, x) => L(tf).logSoftmax(x) },
  { name: 'losses.meanSquaredError', shapes: [[4, 3], [4, 3]], f: (tf, x, y) => L(tf).losses.meanSquaredError(x, y) },
  // Gradient with respect to the logits only: TF.js returns (labels - softmax)
  // for the labels, which is not the derivative; ours is.
  { name: 'losses.softmaxCrossEntropy', shapes: [[4, 3]], f: (tf, z) => L(tf).losses.softmaxCrossEntropy(L(tf).tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0]]), z) },
);
// Convolution and pooling: every padding mode, strides, batch 1, odd sizes.
const convs: Array<[number[], number[], number | [number, number], 'valid' | 'same' | number]> = [
  [[1, 5, 5, 1], [3, 3, 1, 2], 1, 'valid'],
  [[2, 7, 6, 3], [3, 3, 3, 4], 1, 'same'],
  [[1, 9, 9, 3], [5, 5, 3, 2], 2, 'same'],
  [[2, 8, 7, 2], [3, 2, 2, 3], [2, 3], 'valid'],
  [[1, 6, 6, 4], [3, 3, 4, 5], 1, 1],
  [[1, 11, 11, 1], [1, 1, 1, 3], 3, 'same'],
  [[2, 6, 6, 16], [3, 3, 16, 8], 1, 'same'],
];
for (const [xs, fs, s, p] of convs) {
  cases.push({ name: `conv2d x=${JSON.stringify(xs)} f=${JSON.stringify(fs)} s=${s} p=${p}`, shapes: [xs, fs], f: (tf, x, w) => L(tf).conv2d(x, w, s, p), tol: 1e-4 });
}
// TF.js has no gradient for dilation > 1 (ours is checked by finite differences in the crate).
cases.push({ name: 'conv2d dilation 2', shapes: [[1, 9, 9, 2], [3, 3, 2, 3]], f: (tf, x, w) => L(tf).conv2d(x, w, 1, 'same', 'NHWC', 2), tol: 1e-4, grad: false });
cases.push({ name: 'conv2d explicit padding', shapes: [[1, 6, 5, 2], [3, 3, 2, 3]], f: (tf, x, w) => L(tf).conv2d(x, w, 1, [[0, 0], [2, 0], [1, 3], [0, 0]]), tol: 1e-4 });
cases.push({ name: 'conv2dTranspose s2 same', shapes: [[1, 4, 4, 3], [3, 3, 2, 3]], f: (tf, x, w) => L(tf).conv2dTranspose(x, w, [1, 8, 8, 2], 2, 'same'), tol: 1e-4 });
for (const [xs, k, s, p] of [[[1, 4, 4, 1], 2, 2, 'valid'], [[2, 5, 7, 3], 3, 2, 'same'], [[1, 6, 6, 2], 3, 1, 'same'], [[1, 7, 7, 3], [2, 3], [1, 2], 'valid']] as const) {
  cases.push({ name: `maxPool x=${JSON.stringify(xs)} k=${k} s=${s} ${p}`, shapes: [[...xs]], f: (tf, x) => L(tf).maxPool(x, k, s, p) });
  // TF.js's avgPool gradient divides by the full window even where SAME
  // padding cut it (its forward does not); TensorFlow divides by the real
  // cells, as ours does (crates/cnn-core/tests/golden.rs checks against TF).
  cases.push({ name: `avgPool x=${JSON.stringify(xs)} k=${k} s=${s} ${p}`, shapes: [[...xs]], f: (tf, x) => L(tf).avgPool(x, k, s, p), grad: p !== 'same' });
}

describe('ops vs @tensorflow/tfjs-core (cpu backend)', () => {
  beforeAll(async () => {
    await ref.setBackend('cpu');
    await ours.ready({ threads: 2 });
  });
  for (const c of cases) it(c.name, () => check(c));

  it("seed's worked example: ones 1x3x3x1 (*) ones 2x2x1x1", async () => {
    const x = ours.ones([1, 3, 3, 1]);
    const f = ours.ones([2, 2, 1, 1]);
    expect(await ours.conv2d(x, f, [1, 1], 'VALID').array()).toEqual([[[[4], [4]], [[4], [4]]]]);
    expect(await ours.squeeze(ours.conv2d(x, f, [1, 1], 'SAME')).array()).toEqual([[4, 4, 2], [4, 4, 2], [2, 2, 1]]);
    const padded = ours.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const explicit = ours.conv2d(x, f, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    expect(await explicit.array()).toEqual(await ours.conv2d(padded, f, 1, 'valid').array());
  });
});
