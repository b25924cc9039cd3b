/** Reductions over axes (sum, mean, max, ...), with keepDims, and their gradients. */
import { makeTensor, Tensor } from '../tensor.js';
import type { DataType, TensorLike } from '../types.js';
import { assert, parseAxes, sizeFromShape } from '../util.js';
import { call, recordGrad, recordNoGrad, recordZeroGrad, Reduce } from './kernel.js';
import { toTensor } from './convert.js';
import { broadcastTo, reshape } from './transform.js';
import { div, equal, mul, sub } from './binary.js';
import { exp } from './unary.js';
import { cast } from './cast.js';

type Arg = Tensor | TensorLike;

interface Reduced {
  x: Tensor;
  y: Tensor;
  axes: number[];
  /** `x.shape` with the reduced axes set to 1. */
  kept: number[];
}

function reduceOp(name: string, code: number, x: Arg, axis: number | number[] | undefined, keepDims: boolean, dtype?: DataType): Reduced {
  const tx = toTensor(x, name);
  const axes = parseAxes(axis, tx.rank, name);
  const kept = tx.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDims ? kept : tx.shape.filter((_, i) => !axes.includes(i));
  const y = makeTensor(outShape, dtype ?? (tx.dtype === 'bool' ? 'int32' : tx.dtype));
  call('reduce', [tx], [y], [code, Uint32Array.from(tx.shape), Uint32Array.from(axes)]);
  return { x: tx, y, axes, kept };
}

/** Broadcasts a reduced gradient back to the input's shape. */
function expand(dy: Tensor, r: Reduced): Tensor {
  return broadcastTo(reshape(dy, r.kept), r.x.shape);
}

/** Sum over `axis` (all axes by default). */
export function sum(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  const r = reduceOp('sum', Reduce.sum, x, axis, keepDims);
  recordGrad('sum', [r.x], [r.y], ([dy]) => [expand(dy, r)]);
  return r.y;
}

/** Mean over `axis`. */
export function mean(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  const r = reduceOp('mean', Reduce.mean, x, axis, keepDims, 'float32');
  const count = sizeFromShape(r.x.shape) / Math.max(1, sizeFromShape(r.kept));
  recordGrad('mean', [r.x], [r.y], ([dy]) => [div(expand(dy, r), count)]);
  return r.y;
}

/** Gradient of max/min: split equally among the elements equal to the result (as TF). */
function extremumGrad(r: Reduced): (dys: Tensor[]) => Tensor[] {
  return ([dy]) => {
    const hit = cast(equal(r.x, broadcastTo(reshape(r.y, r.kept), r.x.shape)), 'float32');
    const count = broadcastTo(reshapeSum(hit, r), r.x.shape);
    return [div(mul(hit, expand(dy, r)), count)];
  };
}

function reshapeSum(t: Tensor, r: Reduced): Tensor {
  return reshape(sum(t, r.axes), r.kept);
}

export function max(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  const r = reduceOp('max', Reduce.max, x, axis, keepDims);
  recordGrad('max', [r.x], [r.y], extremumGrad(r));
  return r.y;
}
export function min(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  const r = reduceOp('min', Reduce.min, x, axis, keepDims);
  recordGrad('min', [r.x], [r.y], extremumGrad(r));
  return r.y;
}
export function prod(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  const r = reduceOp('prod', Reduce.prod, x, axis, keepDims);
  recordGrad('prod', [r.x], [r.y], ([dy]) => [div(mul(expand(dy, r), broadcastTo(reshape(r.y, r.kept), r.x.shape)), r.x)]);
  return r.y;
}
/** `log(sum(exp(x)))`, computed stably. */
export function logSumExp(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  const r = reduceOp('logSumExp', Reduce.logSumExp, x, axis, keepDims, 'float32');
  recordGrad('logSumExp', [r.x], [r.y], ([dy]) => [mul(expand(dy, r), exp(sub(r.x, broadcastTo(reshape(r.y, r.kept), r.x.shape))))]);
  return r.y;
}

function argOp(name: string, code: number, x: Arg, axis: number): Tensor {
  const tx = toTensor(x, name);
  assert(tx.rank > 0, name, () => 'input must have rank >= 1');
  const r = reduceOp(name, code, tx, axis, false, 'int32');
  recordZeroGrad(name, [r.x], [r.y]);
  return r.y;
}
/** Index of the (first) maximum along `axis` (default 0, as TF.js). */
export function argMax(x: Arg, axis = 0): Tensor {
  return argOp('argMax', Reduce.argMax, x, axis);
}
export function argMin(x: Arg, axis = 0): Tensor {
  return argOp('argMin', Reduce.argMin, x, axis);
}
export function any(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  const r = reduceOp('any', Reduce.any, x, axis, keepDims, 'bool');
  recordNoGrad('any', [r.x], [r.y]);
  return r.y;
}
export function all(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  const r = reduceOp('all', Reduce.all, x, axis, keepDims, 'bool');
  recordNoGrad('all', [r.x], [r.y]);
  return r.y;
}
