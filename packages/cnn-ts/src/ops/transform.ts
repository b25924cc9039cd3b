/** Shape and data movement: reshape, transpose, slice, pad, concat, tile, ... (their gradients: grads/transform.ts). */
import { makeTensor, Tensor } from '../tensor.js';
import type { TensorLike } from '../types.js';
import { assert, fmtShape, parseAxes, sizeFromShape, stridesOf } from '../util.js';
import { alias, call, recordOp } from './kernel.js';
import { toTensor } from './convert.js';

type Arg = Tensor | TensorLike;

/** Queues `dst[...] = src[...]` over `shape` with element strides (see copyStrided). */
function copy(src: Tensor, dst: Tensor, shape: number[], srcOffset: number, srcStrides: number[], dstOffset: number, dstStrides: number[], created: boolean): void {
  const spec = Int32Array.from([shape.length, ...shape, srcOffset, ...srcStrides, dstOffset, ...dstStrides]);
  if (created) call('copyStrided', [src], [dst], [spec]);
  else call('copyStrided', [src], [], [spec], { inplace: [dst] });
}

/** A zero-filled (or `value`-filled) new tensor. */
function filled(shape: number[], value: number, like: Tensor): Tensor {
  const t = makeTensor(shape, like.dtype);
  call('fill', [], [t], [value]);
  return t;
}

/** Same data, new shape (one dimension may be -1). */
export function reshape(x: Arg, shape: number[]): Tensor {
  const tx = toTensor(x, 'reshape');
  const s = [...shape];
  const inferred = s.indexOf(-1);
  if (inferred >= 0) {
    assert(s.lastIndexOf(-1) === inferred, 'reshape', () => 'only one dimension can be -1');
    const rest = sizeFromShape(s.filter((_, i) => i !== inferred));
    assert(rest > 0 && tx.size % rest === 0, 'reshape', () => `cannot reshape a tensor of ${tx.size} elements to ${fmtShape(shape)}`);
    s[inferred] = tx.size / rest;
  }
  assert(s.every((d) => Number.isInteger(d) && d >= 0), 'reshape', () => `invalid shape ${fmtShape(shape)}`);
  assert(sizeFromShape(s) === tx.size, 'reshape', () => `new shape ${fmtShape(s)} has ${sizeFromShape(s)} elements, the tensor of shape ${fmtShape(tx.shape)} has ${tx.size}`);
  const y = makeTensor(s, tx.dtype);
  alias(tx, y);
  recordOp('reshape', [tx], [y]);
  return y;
}

export function expandDims(x: Arg, axis = 0): Tensor {
  const tx = toTensor(x, 'expandDims');
  const a = axis < 0 ? axis + tx.rank + 1 : axis;
  assert(a >= 0 && a <= tx.rank, 'expandDims', () => `axis ${axis} is out of range for rank ${tx.rank}`);
  const s = [...tx.shape];
  s.splice(a, 0, 1);
  return reshape(tx, s);
}

export function squeeze(x: Arg, axis?: number[]): Tensor {
  const tx = toTensor(x, 'squeeze');
  const axes = axis === undefined ? tx.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : parseAxes(axis, tx.rank, 'squeeze');
  for (const a of axes) assert(tx.shape[a] === 1, 'squeeze', () => `cannot squeeze axis ${a} of size ${tx.shape[a]}`);
  return reshape(tx, tx.shape.filter((_, i) => !axes.includes(i)));
}

/** Permutes the axes (reverses them by default). */
export function transpose(x: Arg, perm?: number[]): Tensor {
  const tx = toTensor(x, 'transpose');
  const p = perm ?? tx.shape.map((_, i) => tx.rank - 1 - i);
  assert(p.length === tx.rank && [...p].sort((a, b) => a - b).every((v, i) => v === i), 'transpose', () => `perm ${fmtShape(p)} is not a permutation of the ${tx.rank} axes`);
  const shape = p.map((a) => tx.shape[a]);
  const y = makeTensor(shape, tx.dtype);
  const xs = stridesOf(tx.shape);
  copy(tx, y, shape, 0, p.map((a) => xs[a]), 0, stridesOf(shape), true);
  recordOp('transpose', [tx], [y], { perm: p });
  return y;
}

/** A box of `size` (−1: to the end) starting at `begin`. */
export function slice(x: Arg, begin: number | number[], size?: number | number[]): Tensor {
  const tx = toTensor(x, 'slice');
  const b = typeof begin === 'number' ? [begin, ...new Array<number>(tx.rank - 1).fill(0)] : [...begin, ...new Array<number>(tx.rank - begin.length).fill(0)];
  const sz0 = size === undefined ? [] : typeof size === 'number' ? [size] : size;
  const sz = tx.shape.map((d, i) => (sz0[i] === undefined || sz0[i] === -1 ? d - b[i] : sz0[i]));
  for (let i = 0; i < tx.rank; i++) {
    assert(b[i] >= 0 && sz[i] >= 0 && b[i] + sz[i] <= tx.shape[i], 'slice', () => `begin ${fmtShape(b)} + size ${fmtShape(sz)} is outside the input's shape ${fmtShape(tx.shape)}`);
  }
  const y = makeTensor(sz, tx.dtype);
  const xs = stridesOf(tx.shape);
  copy(tx, y, sz, b.reduce((o, v, i) => o + v * xs[i], 0), xs, 0, stridesOf(sz), true);
  recordOp('slice', [tx], [y], { begin: b, size: sz });
  return y;
}

/** Pads with `constantValue`; `paddings[i] = [before, after]` for axis i. */
export function pad(x: Arg, paddings: Array<[number, number]>, constantValue = 0): Tensor {
  const tx = toTensor(x, 'pad');
  assert(paddings.length === tx.rank, 'pad', () => `paddings has ${paddings.length} entries, the input has rank ${tx.rank}`);
  for (const [a, b] of paddings) assert(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b >= 0, 'pad', () => `paddings must be non-negative integers, got [${a},${b}]`);
  const shape = tx.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const y = filled(shape, constantValue, tx);
  const ys = stridesOf(shape);
  copy(tx, y, tx.shape, 0, stridesOf(tx.shape), paddings.reduce((o, [a], i) => o + a * ys[i], 0), ys, false);
  recordOp('pad', [tx], [y], { paddings });
  return y;
}

/** Joins tensors along `axis`. */
export function concat(tensors: Arg[], axis = 0): Tensor {
  assert(tensors.length > 0, 'concat', () => 'needs at least one tensor');
  const ts = tensors.map((t) => toTensor(t, 'concat'));
  const rank = ts[0].rank;
  const a = axis < 0 ? axis + rank : axis;
  assert(a >= 0 && a < Math.max(rank, 1), 'concat', () => `axis ${axis} is out of range for rank ${rank}`);
  for (const t of ts) {
    assert(t.rank === rank && t.shape.every((d, i) => i === a || d === ts[0].shape[i]), 'concat', () => `shapes ${ts.map((u) => fmtShape(u.shape)).join(', ')} do not match outside axis ${a}`);
  }
  const shape = [...ts[0].shape];
  shape[a] = ts.reduce((s, t) => s + t.shape[a], 0);
  const y = filled(shape, 0, ts[0]);
  const ys = stridesOf(shape);
  let off = 0;
  for (const t of ts) {
    copy(t, y, t.shape, 0, stridesOf(t.shape), off * ys[a], ys, false);
    off += t.shape[a];
  }
  recordOp('concat', ts, [y], { axis: a });
  return y;
}

export function stack(tensors: Arg[], axis = 0): Tensor {
  return concat(tensors.map((t) => expandDims(t, axis)), axis);
}

export function unstack(x: Arg, axis = 0): Tensor[] {
  const tx = toTensor(x, 'unstack');
  const a = axis < 0 ? axis + tx.rank : axis;
  return Array.from({ length: tx.shape[a] }, (_, i) => {
    const begin = tx.shape.map((_, j) => (j === a ? i : 0));
    const size = tx.shape.map((d, j) => (j === a ? 1 : d));
    return squeeze(slice(tx, begin, size), [a]);
  });
}

/** Splits along `axis` into equal parts or the given sizes. */
export function split(x: Arg, numOrSizeSplits: number | number[], axis = 0): Tensor[] {
  const tx = toTensor(x, 'split');
  const a = axis < 0 ? axis + tx.rank : axis;
  const sizes = typeof numOrSizeSplits === 'number' ? new Array<number>(numOrSizeSplits).fill(tx.shape[a] / numOrSizeSplits) : numOrSizeSplits;
  assert(sizes.every((s) => Number.isInteger(s)) && sizes.reduce((p, v) => p + v, 0) === tx.shape[a], 'split', () => `cannot split axis of size ${tx.shape[a]} into ${fmtShape(sizes)}`);
  let o = 0;
  return sizes.map((s) => {
    const begin = tx.shape.map((_, j) => (j === a ? o : 0));
    const size = tx.shape.map((d, j) => (j === a ? s : d));
    o += s;
    return slice(tx, begin, size);
  });
}

/** Repeats the input along dimensions broadcast from size 1 (numpy-style). */
export function broadcastTo(x: Arg, shape: number[]): Tensor {
  const tx = toTensor(x, 'broadcastTo');
  assert(shape.length >= tx.rank, 'broadcastTo', () => `cannot broadcast ${fmtShape(tx.shape)} to the lower rank ${fmtShape(shape)}`);
  const lead = shape.length - tx.rank;
  const xs = stridesOf(tx.shape);
  const strides = shape.map((d, i) => {
    const src = i < lead ? 1 : tx.shape[i - lead];
    assert(src === d || src === 1, 'broadcastTo', () => `cannot broadcast ${fmtShape(tx.shape)} to ${fmtShape(shape)}`);
    return i < lead || src === 1 ? 0 : xs[i - lead];
  });
  if (shape.length === tx.rank && strides.every((s, i) => s !== 0 || shape[i] === 1)) return reshape(tx, shape);
  const y = makeTensor([...shape], tx.dtype, 'broadcastTo');
  copy(tx, y, shape, 0, strides, 0, stridesOf(shape), true);
  recordOp('broadcastTo', [tx], [y]);
  return y;
}

/** Repeats the whole tensor `reps[i]` times along axis i. */
export function tile(x: Arg, reps: number[]): Tensor {
  const tx = toTensor(x, 'tile');
  assert(reps.length === tx.rank, 'tile', () => `reps has ${reps.length} entries, the input has rank ${tx.rank}`);
  // [a, b] tiled [r, s] = broadcast of view [1, a, 1, b] to [r, a, s, b].
  const view = tx.shape.flatMap((d) => [1, d]);
  const big = tx.shape.flatMap((d, i) => [reps[i], d]);
  return reshape(broadcastTo(reshape(tx, view), big), tx.shape.map((d, i) => d * reps[i]));
}

/** Reverses the order of elements along `axis`. */
export function reverse(x: Arg, axis?: number | number[]): Tensor {
  const tx = toTensor(x, 'reverse');
  const axes = parseAxes(axis, tx.rank, 'reverse');
  const xs = stridesOf(tx.shape);
  const offset = axes.reduce((o, a) => o + (tx.shape[a] - 1) * xs[a], 0);
  const y = makeTensor([...tx.shape], tx.dtype);
  copy(tx, y, tx.shape, offset, xs.map((s, i) => (axes.includes(i) ? -s : s)), 0, stridesOf(tx.shape), true);
  recordOp('reverse', [tx], [y], { axes });
  return y;
}

/** Gathers slices along `axis` by integer `indices`. */
export function gather(x: Arg, indices: Tensor | TensorLike, axis = 0): Tensor {
  const tx = toTensor(x, 'gather');
  const ti = toTensor(indices, 'gather', 'int32');
  const a = axis < 0 ? axis + tx.rank : axis;
  const outer = sizeFromShape(tx.shape.slice(0, a));
  const inner = sizeFromShape(tx.shape.slice(a + 1));
  const y = makeTensor([...tx.shape.slice(0, a), ...ti.shape, ...tx.shape.slice(a + 1)], tx.dtype, 'gather');
  const n = tx.shape[a];
  call('gather', [tx, ti], [y], [outer, n, inner]);
  recordOp('gather', [tx], [y], { outer, axisLen: n, inner }, [ti]);
  return y;
}

/**
 * Sums the slices of `x` (along axis 0) that share a segment id (TF.js
 * `tf.unsortedSegmentSum`): `out[s] = sum of x[i] with segmentIds[i] == s`,
 * for `s` in `0..numSegments`.
 */
export function unsortedSegmentSum(x: Arg, segmentIds: Tensor | TensorLike, numSegments: number): Tensor {
  const tx = toTensor(x, 'unsortedSegmentSum');
  const ids = toTensor(segmentIds, 'unsortedSegmentSum', 'int32');
  assert(Number.isInteger(numSegments) && numSegments >= 0, 'unsortedSegmentSum', () => `numSegments must be a non-negative integer, got ${numSegments}`);
  assert(ids.rank === 1 && ids.size === tx.shape[0], 'unsortedSegmentSum', () => `segmentIds must be 1-D with one id per row of x (${tx.shape[0]}), got shape ${fmtShape(ids.shape)}`);
  const inner = sizeFromShape(tx.shape.slice(1));
  const y = makeTensor([numSegments, ...tx.shape.slice(1)], tx.dtype, 'unsortedSegmentSum');
  call('scatterAdd', [tx, ids], [y], [1, numSegments, inner]);
  recordOp('unsortedSegmentSum', [tx], [y], undefined, [ids]);
  return y;
}
