/** Matrix multiply (rank 2, or batched over leading dims of equal size). */
import { makeTensor, Tensor } from '../tensor.js';
import type { TensorLike } from '../types.js';
import { assert, assertSize, fmtShape } from '../util.js';
import { call, recordOp } from './kernel.js';
import { toTensor } from './convert.js';
import { reshape } from './transform.js';
import { concat } from './transform.js';
import { slice } from './transform.js';

type Arg = Tensor | TensorLike;

/** One rank-2 product `op(A) op(B)` (also the gradient's, grads/matmul.ts). */
export function matMul2d(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  const [m, ka] = transposeA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kb, n] = transposeB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  assert(ka === kb, 'matMul', () => `inner shapes of A ${fmtShape(a.shape)} and B ${fmtShape(b.shape)}${transposeA ? ' (A transposed)' : ''}${transposeB ? ' (B transposed)' : ''} must match: ${ka} != ${kb}`);
  const y = makeTensor([m, n], 'float32', 'matMul');
  call('matMul', [a, b], [y], [m, n, ka, transposeA, transposeB]);
  recordOp('matMul', [a, b], [y], { transposeA, transposeB });
  return y;
}

/**
 * `A · B`, optionally transposing either. Rank 2, or rank > 2 with equal
 * leading (batch) dimensions.
 */
export function matMul(a: Arg, b: Arg, transposeA = false, transposeB = false): Tensor {
  const ta = toTensor(a, 'matMul');
  const tb = toTensor(b, 'matMul');
  assert(ta.rank >= 2 && tb.rank >= 2, 'matMul', () => `inputs must be rank >= 2, got ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}`);
  if (ta.rank === 2 && tb.rank === 2) return matMul2d(ta, tb, transposeA, transposeB);
  assert(ta.rank === tb.rank && ta.shape.slice(0, -2).every((d, i) => d === tb.shape[i]), 'matMul', () => `batch dimensions of ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)} must match`);
  const batch = ta.shape.slice(0, -2);
  const nb = batch.reduce((p, v) => p * v, 1);
  const a3 = reshape(ta, [nb, ...ta.shape.slice(-2)]);
  const b3 = reshape(tb, [nb, ...tb.shape.slice(-2)]);
  const parts: Tensor[] = [];
  for (let i = 0; i < nb; i++) {
    const ai = reshape(slice(a3, [i, 0, 0], [1, -1, -1]), ta.shape.slice(-2));
    const bi = reshape(slice(b3, [i, 0, 0], [1, -1, -1]), tb.shape.slice(-2));
    parts.push(reshape(matMul2d(ai, bi, transposeA, transposeB), [1, -1]));
  }
  const m = transposeA ? ta.shape[ta.rank - 1] : ta.shape[ta.rank - 2];
  const n = transposeB ? tb.shape[tb.rank - 2] : tb.shape[tb.rank - 1];
  return reshape(concat(parts, 0), [...batch, m, n]);
}

/** Outer product of two vectors. */
export function outerProduct(v1: Arg, v2: Arg): Tensor {
  const a = toTensor(v1, 'outerProduct');
  const b = toTensor(v2, 'outerProduct');
  assertSize([a.size, b.size], 'outerProduct');
  return matMul(reshape(a, [-1, 1]), reshape(b, [1, -1]));
}

/** Dot product of vectors / matrix-vector / matrix-matrix. */
export function dot(t1: Arg, t2: Arg): Tensor {
  const a = toTensor(t1, 'dot');
  const b = toTensor(t2, 'dot');
  const a2 = a.rank === 1 ? reshape(a, [1, -1]) : a;
  const b2 = b.rank === 1 ? reshape(b, [-1, 1]) : b;
  const y = matMul(a2, b2);
  const shape = [...(a.rank === 1 ? [] : [a.shape[0]]), ...(b.rank === 1 ? [] : [b.shape[1]])];
  return reshape(y, shape);
}
