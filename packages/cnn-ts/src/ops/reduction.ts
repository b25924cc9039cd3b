/** Reductions over axes (sum, mean, max, ...), with keepDims (their gradients: grads/reduction.ts). */
import { makeTensor, Tensor } from '../tensor.js';
import type { DataType, TensorLike } from '../types.js';
import { assert, parseAxes } from '../util.js';
import { call, recordOp, Reduce } from './kernel.js';
import { toTensor } from './convert.js';

type Arg = Tensor | TensorLike;

/** What a reduction records for its gradient. */
export interface ReduceAttrs {
  axes: number[];
  /** `x.shape` with the reduced axes set to 1. */
  kept: number[];
}

interface Reduced extends ReduceAttrs {
  x: Tensor;
  y: Tensor;
}

/** A reduction recorded on the tape with its axes and kept shape. */
function reduced(name: string, code: number, x: Arg, axis: number | number[] | undefined, keepDims: boolean, dtype?: DataType): Tensor {
  const r = reduceOp(name, code, x, axis, keepDims, dtype);
  recordOp<ReduceAttrs>(name, [r.x], [r.y], { axes: r.axes, kept: r.kept });
  return r.y;
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

/** Sum over `axis` (all axes by default). */
export function sum(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  return reduced('sum', Reduce.sum, x, axis, keepDims);
}

/** Mean over `axis`. */
export function mean(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  return reduced('mean', Reduce.mean, x, axis, keepDims, 'float32');
}

export function max(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  return reduced('max', Reduce.max, x, axis, keepDims);
}
export function min(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  return reduced('min', Reduce.min, x, axis, keepDims);
}
export function prod(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  return reduced('prod', Reduce.prod, x, axis, keepDims);
}
/** `log(sum(exp(x)))`, computed stably. */
export function logSumExp(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  return reduced('logSumExp', Reduce.logSumExp, x, axis, keepDims, 'float32');
}

function argOp(name: string, code: number, x: Arg, axis: number): Tensor {
  const tx = toTensor(x, name);
  assert(tx.rank > 0, name, () => 'input must have rank >= 1');
  const r = reduceOp(name, code, tx, axis, false, 'int32');
  recordOp(name, [r.x], [r.y]);
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
  recordOp('any', [r.x], [r.y]);
  return r.y;
}
export function all(x: Arg, axis?: number | number[], keepDims = false): Tensor {
  const r = reduceOp('all', Reduce.all, x, axis, keepDims, 'bool');
  recordOp('all', [r.x], [r.y]);
  return r.y;
}
