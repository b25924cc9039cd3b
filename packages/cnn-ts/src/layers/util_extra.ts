/** Small tensor helpers shared by the added layers. */
import { maximum, div, mul } from '../ops/binary.js';
import { sum } from '../ops/reduction.js';
import { sqrt } from '../ops/unary.js';
import type { Tensor } from '../tensor.js';

/** `x / sqrt(max(sum(x^2, axis), 1e-12))`, as tfjs-layers' l2Normalize. */
export function l2Normalize(x: Tensor, axis: number): Tensor {
  return div(x, sqrt(maximum(sum(mul(x, x), axis, true), 1e-12)));
}
