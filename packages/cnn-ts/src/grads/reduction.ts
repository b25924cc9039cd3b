/** Gradients of the reductions (ops/reduction.ts). */
import type { Tensor } from '../tensor.js';
import { sizeFromShape } from '../util.js';
import { div, equal, mul, sub } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { sum, type ReduceAttrs } from '../ops/reduction.js';
import { broadcastTo, reshape } from '../ops/transform.js';
import { exp } from '../ops/unary.js';
import { registerGradient, registerNonDifferentiable, registerZeroGradient } from './registry.js';

/** Registers `dx = f(dy, x, y, attrs)` for a reduction. */
function reduction(op: string, f: (dy: Tensor, x: Tensor, y: Tensor, r: ReduceAttrs) => Tensor): void {
  registerGradient<ReduceAttrs>(op, ([dy], { inputs: [x], outputs: [y], attrs }) => [f(dy, x, y, attrs)]);
}

/** Broadcasts a reduced tensor (the gradient, or the result) back to the input's shape. */
function expand(t: Tensor, x: Tensor, r: ReduceAttrs): Tensor {
  return broadcastTo(reshape(t, r.kept), x.shape);
}

/** Gradient of max/min: split equally among the elements equal to the result (as TF). */
function extremum(dy: Tensor, x: Tensor, y: Tensor, r: ReduceAttrs): Tensor {
  const hit = cast(equal(x, expand(y, x, r)), 'float32');
  const count = broadcastTo(reshape(sum(hit, r.axes), r.kept), x.shape);
  return div(mul(hit, expand(dy, x, r)), count);
}

reduction('sum', (dy, x, _y, r) => expand(dy, x, r));
reduction('mean', (dy, x, _y, r) => div(expand(dy, x, r), sizeFromShape(x.shape) / Math.max(1, sizeFromShape(r.kept))));
reduction('max', extremum);
reduction('min', extremum);
reduction('prod', (dy, x, y, r) => div(mul(expand(dy, x, r), expand(y, x, r)), x));
reduction('logSumExp', (dy, x, y, r) => mul(expand(dy, x, r), exp(sub(x, expand(y, x, r)))));

registerZeroGradient('argMax', 'argMin');
registerNonDifferentiable('any', 'all');
