/** Element-wise unary ops (their gradients: grads/unary.ts). */
import { makeTensor, Tensor } from '../tensor.js';
import type { DataType, TensorLike } from '../types.js';
import { assert } from '../util.js';
import { call, recordOp, Unary } from './kernel.js';
import { toTensor } from './convert.js';

type Arg = Tensor | TensorLike;

/** What a unary op records for its gradient: the kernel's two parameters. */
export interface UnaryAttrs {
  alpha: number;
  beta: number;
}

function unaryOp(name: string, code: number, x: Arg, alpha = 0, beta = 0, dtype?: DataType): Tensor {
  const tx = toTensor(x, name);
  const y = makeTensor([...tx.shape], dtype ?? (tx.dtype === 'bool' ? 'float32' : tx.dtype));
  call('unary', [tx], [y], [code, alpha, beta]);
  recordOp<UnaryAttrs>(name, [tx], [y], { alpha, beta });
  return y;
}

export function neg(x: Arg): Tensor {
  return unaryOp('neg', Unary.neg, x);
}
export function abs(x: Arg): Tensor {
  // TF.js's Abs gradient: dy * step(x, -1), i.e. -1 at x = 0 (what an L1 penalty on zero-initialised biases sees).
  return unaryOp('abs', Unary.abs, x);
}
export function square(x: Arg): Tensor {
  return unaryOp('square', Unary.square, x);
}
export function sqrt(x: Arg): Tensor {
  return unaryOp('sqrt', Unary.sqrt, x, 0, 0, 'float32');
}
export function rsqrt(x: Arg): Tensor {
  return unaryOp('rsqrt', Unary.rsqrt, x, 0, 0, 'float32');
}
export function exp(x: Arg): Tensor {
  return unaryOp('exp', Unary.exp, x, 0, 0, 'float32');
}
export function expm1(x: Arg): Tensor {
  return unaryOp('expm1', Unary.expm1, x, 0, 0, 'float32');
}
export function log(x: Arg): Tensor {
  return unaryOp('log', Unary.log, x, 0, 0, 'float32');
}
export function log1p(x: Arg): Tensor {
  return unaryOp('log1p', Unary.log1p, x, 0, 0, 'float32');
}
export function sigmoid(x: Arg): Tensor {
  return unaryOp('sigmoid', Unary.sigmoid, x, 0, 0, 'float32');
}
export function tanh(x: Arg): Tensor {
  return unaryOp('tanh', Unary.tanh, x, 0, 0, 'float32');
}
export function softplus(x: Arg): Tensor {
  return unaryOp('softplus', Unary.softplus, x, 0, 0, 'float32');
}
/** `max(x, 0)`. */
export function relu(x: Arg): Tensor {
  return unaryOp('relu', Unary.relu, x);
}
export function relu6(x: Arg): Tensor {
  return unaryOp('relu6', Unary.relu6, x);
}
export function elu(x: Arg, alpha = 1): Tensor {
  return unaryOp('elu', Unary.elu, x, alpha);
}
/** SELU's fixed scale and alpha (Klambauer et al. 2017, as TF.js). */
export const SELU_SCALE = 1.0507009873554805;
export const SELU_ALPHA = 1.6732632423543772;
export function selu(x: Arg): Tensor {
  return unaryOp('selu', Unary.selu, x);
}
export function leakyRelu(x: Arg, alpha = 0.2): Tensor {
  return unaryOp('leakyRelu', Unary.leakyRelu, x, alpha);
}
export function gelu(x: Arg): Tensor {
  // Exact GELU x Φ(x): d/dx = Φ(x) + x φ(x).
  return unaryOp('gelu', Unary.gelu, x, 0, 0, 'float32');
}
export function erf(x: Arg): Tensor {
  return unaryOp('erf', Unary.erf, x, 0, 0, 'float32');
}
export function reciprocal(x: Arg): Tensor {
  return unaryOp('reciprocal', Unary.reciprocal, x, 0, 0, 'float32');
}
export function sin(x: Arg): Tensor {
  return unaryOp('sin', Unary.sin, x, 0, 0, 'float32');
}
export function cos(x: Arg): Tensor {
  return unaryOp('cos', Unary.cos, x, 0, 0, 'float32');
}
/** Clips values to `[clipValueMin, clipValueMax]`; the gradient passes inside the range. */
export function clipByValue(x: Arg, clipValueMin: number, clipValueMax: number): Tensor {
  assert(clipValueMin <= clipValueMax, 'clipByValue', () => `min (${clipValueMin}) must be <= max (${clipValueMax})`);
  return unaryOp('clipByValue', Unary.clip, x, clipValueMin, clipValueMax);
}
export function step(x: Arg, alpha = 0): Tensor {
  // TF.js step: 1 where x > 0, alpha elsewhere.
  const s = unaryOp('step', Unary.step, x);
  return alpha === 0 ? s : unaryOp('step', Unary.affine, s, 1 - alpha, alpha);
}
export function sign(x: Arg): Tensor {
  return unaryOp('sign', Unary.sign, x);
}
export function floor(x: Arg): Tensor {
  return unaryOp('floor', Unary.floor, x);
}
export function round(x: Arg): Tensor {
  return unaryOp('round', Unary.round, x);
}
export function logicalNot(x: Arg): Tensor {
  return unaryOp('logicalNot', Unary.logicalNot, x, 0, 0, 'bool');
}
export function isNaN(x: Arg): Tensor {
  return unaryOp('isNaN', Unary.isNaN, x, 0, 0, 'bool');
}
/** `alpha * x + beta` in one kernel (internal helper, also used by layers). */
export function affine(x: Arg, alpha: number, beta: number): Tensor {
  return unaryOp('affine', Unary.affine, x, alpha, beta);
}

// Comparisons with a constant, without a scalar upload.
function cmpConst(x: Tensor, code: number, c: number): Tensor {
  // step(x - c) = x > c; 1 - step(c - x) = x >= c.
  const shifted = affine(x, 1, -c);
  switch (code) {
    case 0:
      return unaryOp('greaterThanConst', Unary.step, shifted, 0, 0, 'bool');
    case 1:
      return unaryOp('lessThanConst', Unary.step, affine(x, -1, c), 0, 0, 'bool');
    case 2:
      return unaryOp('greaterEqualConst', Unary.logicalNot, unaryOp('lessThanConst', Unary.step, affine(x, -1, c)), 0, 0, 'bool');
    default:
      return unaryOp('lessEqualConst', Unary.logicalNot, unaryOp('greaterThanConst', Unary.step, shifted), 0, 0, 'bool');
  }
}
/** `x > c`, `x < c`, `x >= c`, `x <= c` as bool (internal: gradient masks). */
export const greaterThan = (x: Tensor, c: number) => cmpConst(x, 0, c);
export const lessThan = (x: Tensor, c: number) => cmpConst(x, 1, c);
export const greaterEq = (x: Tensor, c: number) => cmpConst(x, 2, c);
export const lessEq = (x: Tensor, c: number) => cmpConst(x, 3, c);
