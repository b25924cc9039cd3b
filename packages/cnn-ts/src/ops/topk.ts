/** `tf.topk`: the k largest entries along the last axis, and their indices. */
import type { Tensor } from '../tensor.js';
import type { TensorLike } from '../types.js';
import { assert, fmtShape } from '../util.js';
import { toTensor } from './convert.js';
import { argMax, max } from './reduction.js';
import { oneHot } from './creation.js';
import { concat, expandDims, reshape } from './transform.js';
import { mul, sub } from './binary.js';
import { cast } from './cast.js';
import { tidy } from '../globals.js';

/**
 * The `k` largest values of the last axis (sorted, largest first; among
 * equal values the lower index first, as TF.js) and their int32 indices.
 * Each of the `k` rounds takes the maximum and masks it out, so the values
 * are differentiable through `max`.
 */
export function topk(x: Tensor | TensorLike, k = 1, sorted = true): { values: Tensor; indices: Tensor } {
  const tx = toTensor(x, 'topk');
  assert(tx.rank >= 1, 'topk', () => `input must be at least rank 1, got shape ${fmtShape(tx.shape)}`);
  const n = tx.shape[tx.rank - 1];
  assert(Number.isInteger(k) && k >= 0 && k <= n, 'topk', () => `'k' passed to topk() must be >= 0 and <= the last dimension (${n}) but got ${k}`);
  void sorted; // results are always sorted (TF.js allows sorted output for sorted=false too)
  const last = tx.rank - 1;
  if (k === 0) {
    const shape = [...tx.shape.slice(0, last), 0];
    return { values: reshape(toTensor(new Float32Array(0), 'topk'), shape), indices: reshape(toTensor(new Int32Array(0), 'topk'), shape) };
  }
  return tidy(() => {
    const vals: Tensor[] = [];
    const idxs: Tensor[] = [];
    let cur = cast(tx, 'float32');
    for (let i = 0; i < k; i++) {
      const idx = argMax(cur, last);
      vals.push(expandDims(max(cur, last), last));
      idxs.push(expandDims(idx, last));
      // Push the chosen entry below every finite value for the next round.
      if (i + 1 < k) cur = sub(cur, mul(oneHot(idx, n, 1, 0, 'float32'), 3.4e38));
    }
    const values = k === 1 ? vals[0] : concat(vals, last);
    const indices = cast(k === 1 ? idxs[0] : concat(idxs, last), 'int32');
    return { values: tx.dtype === 'int32' ? cast(values, 'int32') : values, indices };
  });
}
