// Property-based fuzz (fast-check) over random op arguments and shapes, in
// inline and worker mode: every call either returns the right result
// (checked against plain-JS references here) or throws a clear error at
// the call that names the op; afterwards the library still computes, and
// tensors, core buffers and the wasm heap are back where they were.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';

// ---- plain-JS references -----------------------------------------------------

interface Arr {
  shape: number[];
  data: number[];
}
type Ref = Arr | 'invalid';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const stridesOf = (s: number[]) => s.map((_, i) => size(s.slice(i + 1)));
/** Calls `f` with every multi-index of `shape`, in row-major order. */
function each(shape: number[], f: (idx: number[]) => void): void {
  const n = size(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    f(idx);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
}
const at = (a: Arr, idx: number[]) => a.data[idx.reduce((o, v, i) => o + v * stridesOf(a.shape)[i], 0)];

function refBinary(a: Arr, b: Arr, f: (x: number, y: number) => number): Ref {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pa = [...new Array<number>(rank - a.shape.length).fill(1), ...a.shape];
  const pb = [...new Array<number>(rank - b.shape.length).fill(1), ...b.shape];
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    if (pa[i] !== pb[i] && pa[i] !== 1 && pb[i] !== 1) return 'invalid';
    out.push(pa[i] === 1 ? pb[i] : pa[i]);
  }
  const A = { shape: pa, data: a.data };
  const B = { shape: pb, data: b.data };
  const data: number[] = [];
  each(out, (idx) => data.push(f(at(A, idx.map((v, i) => (pa[i] === 1 ? 0 : v))), at(B, idx.map((v, i) => (pb[i] === 1 ? 0 : v))))));
  return { shape: out, data };
}

function refMatMul(a: Arr, b: Arr, ta: boolean, tb: boolean): Ref {
  if (a.shape.length !== 2 || b.shape.length !== 2) return 'invalid';
  const [m, k] = ta ? [a.shape[1], a.shape[0]] : a.shape;
  const [k2, n] = tb ? [b.shape[1], b.shape[0]] : b.shape;
  if (k !== k2) return 'invalid';
  const A = (i: number, j: number) => (ta ? a.data[j * m + i] : a.data[i * k + j]);
  const B = (i: number, j: number) => (tb ? b.data[j * k + i] : b.data[i * n + j]);
  const data: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
    data.push(s);
  }
  return { shape: [m, n], data };
}

function refSum(a: Arr, axis: number): Ref {
  const r = a.shape.length;
  if (axis < -r || axis >= r) return 'invalid';
  const ax = axis < 0 ? axis + r : axis;
  const out = a.shape.filter((_, i) => i !== ax);
  const data = new Array<number>(size(out)).fill(0);
  const os = stridesOf(out);
  each(a.shape, (idx) => {
    const o = idx.filter((_, i) => i !== ax).reduce((p, v, i) => p + v * os[i], 0);
    data[o] += at(a, idx);
  });
  return { shape: out, data };
}

function refTranspose(a: Arr, perm: number[]): Ref {
  if (perm.length !== a.shape.length || [...perm].sort((x, y) => x - y).some((v, i) => v !== i)) return 'invalid';
  const out = perm.map((p) => a.shape[p]);
  const data: number[] = [];
  each(out, (idx) => {
    const src = new Array<number>(perm.length);
    perm.forEach((p, i) => (src[p] = idx[i]));
    data.push(at(a, src));
  });
  return { shape: out, data };
}

function refSlice(a: Arr, begin: number[], sz: number[]): Ref {
  const s = a.shape.map((d, i) => (sz[i] === -1 ? d - begin[i] : sz[i]));
  if (a.shape.some((d, i) => begin[i] < 0 || s[i] < 0 || begin[i] + s[i] > d)) return 'invalid';
  const data: number[] = [];
  each(s, (idx) => data.push(at(a, idx.map((v, i) => v + begin[i]))));
  return { shape: s, data };
}

function refReshape(a: Arr, shape: number[]): Ref {
  const known = size(shape.filter((d) => d !== -1));
  const s = shape.map((d) => (d === -1 ? (known === 0 ? NaN : size(a.shape) / known) : d));
  if (shape.filter((d) => d === -1).length > 1 || !s.every((d) => Number.isInteger(d) && d >= 0) || size(s) !== size(a.shape)) return 'invalid';
  return { shape: s, data: a.data };
}

function refSoftmax(a: Arr): Ref {
  if (a.shape.length === 0) return 'invalid';
  const c = a.shape[a.shape.length - 1];
  const data: number[] = [];
  for (let r = 0; r < a.data.length / Math.max(c, 1); r++) {
    const row = a.data.slice(r * c, r * c + c);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((p, v) => p + v, 0);
    data.push(...e.map((v) => v / s));
  }
  return { shape: a.shape, data };
}

function refConv(x: Arr, f: Arr, stride: number, pad: 'valid' | 'same'): Ref {
  const [n, h, w, c] = x.shape;
  const [kh, kw, fc2, co] = f.shape;
  if (c !== fc2 || kh < 1 || kw < 1) return 'invalid';
  const out = (d: number, k: number) => (pad === 'same' ? Math.ceil(d / stride) : Math.floor((d - k) / stride) + 1);
  const oh = out(h, kh);
  const ow = out(w, kw);
  if (pad === 'valid' && (h < kh || w < kw)) return 'invalid';
  const padT = pad === 'same' ? Math.floor(Math.max((oh - 1) * stride + kh - h, 0) / 2) : 0;
  const padL = pad === 'same' ? Math.floor(Math.max((ow - 1) * stride + kw - w, 0) / 2) : 0;
  const data: number[] = [];
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < co; o++) {
    let s = 0;
    for (let di = 0; di < kh; di++) for (let dj = 0; dj < kw; dj++) {
      const yi = i * stride + di - padT;
      const xj = j * stride + dj - padL;
      if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
      for (let q = 0; q < c; q++) s += at(x, [b, yi, xj, q]) * at(f, [di, dj, q, o]);
    }
    data.push(s);
  }
  return { shape: [n, oh, ow, co], data };
}

function refGather(a: Arr, idx: number[]): Ref | 'data-error' {
  if (a.shape.length === 0) return 'invalid';
  const rows = a.shape[0];
  if (idx.some((i) => i < 0 || i >= rows)) return 'data-error';
  const inner = size(a.shape.slice(1));
  return { shape: [idx.length, ...a.shape.slice(1)], data: idx.flatMap((i) => a.data.slice(i * inner, i * inner + inner)) };
}

// ---- generators ------------------------------------------------------------------

const dim = fc.integer({ min: 0, max: 4 });
const shapeArb = (minRank = 0, maxRank = 4) => fc.array(dim, { minLength: minRank, maxLength: maxRank });
const arrOf = (shape: number[]): fc.Arbitrary<Arr> => fc.array(fc.integer({ min: -3, max: 3 }), { minLength: size(shape), maxLength: size(shape) }).map((data) => ({ shape, data }));
const arrArb = (minRank = 0, maxRank = 4) => shapeArb(minRank, maxRank).chain(arrOf);
/** Two arrays whose shapes often broadcast (one derived from the other). */
const pairArb = arrArb(0, 4).chain((a) =>
  fc.oneof(
    shapeArb(0, 4),
    fc.constant(a.shape),
    fc.constant(a.shape.map((d, i) => (i % 2 === 0 ? 1 : d))),
    fc.constant(a.shape.slice(1)),
  ).chain((s) => arrOf(s).map((b) => [a, b] as const)),
);

const T = (a: Arr) => tf.tensor(a.data, a.shape);

interface Case {
  op: string;
  run: () => tf.Tensor;
  ref: Ref | 'data-error';
}

const caseArb: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(pairArb, fc.constantFrom('add', 'sub', 'mul', 'maximum') as fc.Arbitrary<'add' | 'sub' | 'mul' | 'maximum'>).map(([[a, b], op]) => ({
    op,
    run: () => tf[op](T(a), T(b)),
    ref: refBinary(a, b, { add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y, maximum: Math.max }[op]),
  })),
  fc.tuple(arrArb(1, 2), arrArb(1, 2), fc.boolean(), fc.boolean()).map(([a, b, ta, tb]) => ({ op: 'matMul', run: () => tf.matMul(T(a), T(b), ta, tb), ref: refMatMul(a, b, ta, tb) })),
  fc.tuple(arrArb(2, 2), fc.integer({ min: 0, max: 4 }), fc.boolean()).chain(([a, k, tb]) =>
    arrOf(tb ? [k, a.shape[1]] : [a.shape[1], k]).map((b) => ({ op: 'matMul', run: () => tf.matMul(T(a), T(b), false, tb), ref: refMatMul(a, b, false, tb) })),
  ),
  fc.tuple(arrArb(1, 4), fc.integer({ min: -5, max: 4 })).map(([a, axis]) => ({ op: 'sum', run: () => tf.sum(T(a), axis), ref: refSum(a, axis) })),
  arrArb(0, 4).chain((a) =>
    fc.oneof(fc.shuffledSubarray([...a.shape.keys()], { minLength: a.shape.length, maxLength: a.shape.length }), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 })).map((perm) => ({
      op: 'transpose',
      run: () => tf.transpose(T(a), perm),
      ref: refTranspose(a, perm),
    })),
  ),
  arrArb(1, 4).chain((a) =>
    fc.tuple(fc.tuple(...a.shape.map((d) => fc.integer({ min: 0, max: d + 1 }))), fc.tuple(...a.shape.map((d) => fc.integer({ min: -1, max: d })))).map(([b, s]) => ({
      op: 'slice',
      run: () => tf.slice(T(a), b, s),
      ref: refSlice(a, b, s),
    })),
  ),
  fc.tuple(arrArb(0, 3), fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 3 })).map(([a, s]) => ({ op: 'reshape', run: () => tf.reshape(T(a), s), ref: refReshape(a, s) })),
  arrArb(1, 3).map((a) => ({ op: 'softmax', run: () => tf.softmax(T(a)), ref: refSoftmax(a) })),
  fc
    .tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.constantFrom<'valid' | 'same'>('valid', 'same'), fc.boolean())
    .chain(([n, h, w, c, kh, kw, co, s, fcIn, pad, match]) =>
      fc.tuple(arrOf([n, h, w, c]), arrOf([kh, kw, match ? c : fcIn, co])).map(([x, f]) => ({ op: 'conv2d', run: () => tf.conv2d(T(x), T(f), s, pad), ref: refConv(x, f, s, pad) })),
    ),
  fc.tuple(arrArb(1, 3), fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 5 })).map(([a, idx]) => ({
    op: 'gather',
    run: () => tf.gather(T(a), tf.tensor(idx, [idx.length], 'int32')),
    ref: refGather(a, idx),
  })),
  // Creation with shapes that are invalid or far too big (two dims >= 65536: more than 2^32 elements).
  fc.oneof(fc.array(fc.constantFrom(0, 1, 3, -1, 1.5, NaN), { maxLength: 3 }), fc.tuple(fc.constantFrom(65536, 70000, 2 ** 20), fc.constantFrom(65537, 66000, 2 ** 16), fc.constantFrom(1, 3)).map((t) => [...t])).map((shape) => ({
    op: 'zeros',
    run: () => tf.zeros(shape),
    ref: shape.every((d) => Number.isInteger(d) && d >= 0) && size(shape) < 2 ** 30 ? { shape, data: new Array<number>(size(shape)).fill(0) } : 'invalid',
  })),
);

// ---- the property ------------------------------------------------------------------

function close(got: Float32Array, want: number[]): boolean {
  return got.length === want.length && want.every((w, i) => Math.abs(got[i] - w) <= 1e-4 * Math.max(1, Math.abs(w)));
}

async function check(c: Case): Promise<void> {
  const before = tf.memory().numTensors;
  let y: tf.Tensor | undefined;
  let thrown: Error | undefined;
  tf.tidy(() => {
    try {
      y = tf.keep(c.run());
    } catch (e) {
      thrown = e as Error;
    }
  });
  if (thrown) {
    // A clear error at the call, naming the op (or the op it is built on).
    expect(thrown.message).toMatch(/^(Error in [\w ]+:|[\w ]+: )/);
    expect(c.ref, `${c.op} threw '${thrown.message}' for valid arguments`).toBe('invalid');
  } else {
    expect(c.ref, `${c.op} accepted invalid arguments`).not.toBe('invalid');
    if (c.ref === 'data-error') {
      await expect(y!.data()).rejects.toThrow(new RegExp(c.op));
    } else {
      const r = c.ref as Arr;
      expect(y!.shape).toEqual(r.shape);
      const got = await y!.data();
      expect(close(got as Float32Array, r.data), `${c.op}: got ${Array.from(got).slice(0, 8)}, want ${r.data.slice(0, 8)}`).toBe(true);
    }
    y!.dispose();
  }
  expect(tf.memory().numTensors).toBe(before);
}

for (const mode of ['inline', 'worker'] as const) {
  describe(`fuzz (${mode})`, () => {
    afterAll(async () => {
      if (mode === 'worker') await tf.ready({ mode: 'inline', threads: 2 });
    });

    it('every call returns the right result or throws a clear error at the call; nothing is left behind', async () => {
      await tf.ready({ mode, threads: 2 });
      await tf.flush();
      const tensors = tf.memory().numTensors;
      const core0 = await tf.coreStats();
      await fc.assert(fc.asyncProperty(caseArb, check), { numRuns: mode === 'inline' ? 1000 : 400, seed: 15 });
      // The library still computes...
      const z = tf.tidy(() => tf.matMul(tf.tensor([[1, 2]]), tf.tensor([[3], [4]])));
      expect(Array.from(await z.data())).toEqual([11]);
      z.dispose();
      // ...and nothing is left: tensors, core buffers; the heap bounded.
      await tf.flush();
      expect(tf.memory().numTensors).toBe(tensors);
      const core1 = await tf.coreStats();
      expect(core1.buffers).toBe(core0.buffers);
      expect(core1.floats).toBe(core0.floats);
      expect(core1.heapBytes - core0.heapBytes).toBeLessThan(64 << 20);
    });
  });
}
