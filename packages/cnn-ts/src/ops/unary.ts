/** Element-wise unary ops and their gradients. */
import { makeTensor, Tensor } from '../tensor.js';
import type { DataType, TensorLike } from '../types.js';
import { assert } from '../util.js';
import { call, recordGrad, recordNoGrad, recordZeroGrad, Unary } from './kernel.js';
import { toTensor } from './convert.js';
import { add, div, mul, sub } from './binary.js';
import { cast } from './cast.js';

type Arg = Tensor | TensorLike;

/** A gradient function, `'zero'` (piecewise constant, as TF.js) or `'none'` (not differentiable: throws). */
type UnaryGrad = ((dy: Tensor, x: Tensor, y: Tensor) => Tensor) | 'zero' | 'none';

function unaryOp(name: string, code: number, x: Arg, grad: UnaryGrad, alpha = 0, beta = 0, dtype?: DataType): Tensor {
  const tx = toTensor(x, name);
  const y = makeTensor([...tx.shape], dtype ?? (tx.dtype === 'bool' ? 'float32' : tx.dtype));
  call('unary', [tx], [y], [code, alpha, beta]);
  if (grad === 'zero') recordZeroGrad(name, [tx], [y]);
  else if (grad === 'none') recordNoGrad(name, [tx], [y]);
  else recordGrad(name, [tx], [y], ([dy]) => [grad(dy, tx, y)]);
  return y;
}

/** `1.0` where `cond` holds, else `0.0`, as float32 (for masking gradients). */
function mask(cond: Tensor): Tensor {
  return cast(cond, 'float32');
}

export function neg(x: Arg): Tensor {
  return unaryOp('neg', Unary.neg, x, (dy) => neg(dy));
}
export function abs(x: Arg): Tensor {
  // TF.js's Abs gradient: dy * step(x, -1), i.e. -1 at x = 0 (what an L1 penalty on zero-initialised biases sees).
  return unaryOp('abs', Unary.abs, x, (dy, x) => mul(dy, step(x, -1)));
}
export function square(x: Arg): Tensor {
  return unaryOp('square', Unary.square, x, (dy, x) => mul(dy, mul(x, 2)));
}
export function sqrt(x: Arg): Tensor {
  return unaryOp('sqrt', Unary.sqrt, x, (dy, _x, y) => div(dy, mul(y, 2)), 0, 0, 'float32');
}
export function rsqrt(x: Arg): Tensor {
  return unaryOp('rsqrt', Unary.rsqrt, x, (dy, x, y) => mul(dy, div(mul(y, -0.5), x)), 0, 0, 'float32');
}
export function exp(x: Arg): Tensor {
  return unaryOp('exp', Unary.exp, x, (dy, _x, y) => mul(dy, y), 0, 0, 'float32');
}
export function expm1(x: Arg): Tensor {
  return unaryOp('expm1', Unary.expm1, x, (dy, _x, y) => mul(dy, add(y, 1)), 0, 0, 'float32');
}
export function log(x: Arg): Tensor {
  return unaryOp('log', Unary.log, x, (dy, x) => div(dy, x), 0, 0, 'float32');
}
export function log1p(x: Arg): Tensor {
  return unaryOp('log1p', Unary.log1p, x, (dy, x) => div(dy, add(x, 1)), 0, 0, 'float32');
}
export function sigmoid(x: Arg): Tensor {
  return unaryOp('sigmoid', Unary.sigmoid, x, (dy, _x, y) => mul(dy, mul(y, sub(1, y))), 0, 0, 'float32');
}
export function tanh(x: Arg): Tensor {
  return unaryOp('tanh', Unary.tanh, x, (dy, _x, y) => mul(dy, sub(1, square(y))), 0, 0, 'float32');
}
export function softplus(x: Arg): Tensor {
  return unaryOp('softplus', Unary.softplus, x, (dy, x) => mul(dy, sigmoid(x)), 0, 0, 'float32');
}
/** `max(x, 0)`. */
export function relu(x: Arg): Tensor {
  return unaryOp('relu', Unary.relu, x, (dy, x) => {
    const dx = makeTensor([...x.shape], 'float32');
    call('reluBackward', [x, dy], [dx]);
    return dx;
  });
}
export function relu6(x: Arg): Tensor {
  return unaryOp('relu6', Unary.relu6, x, (dy, x) => mul(dy, mul(mask(greaterThan(x, 0)), mask(lessThan(x, 6)))));
}
export function elu(x: Arg, alpha = 1): Tensor {
  return unaryOp('elu', Unary.elu, x, (dy, x, y) => {
    const pos = mask(greaterThan(x, 0));
    return mul(dy, add(pos, mul(sub(1, pos), add(y, alpha))));
  }, alpha);
}
export function selu(x: Arg): Tensor {
  const scale = 1.0507009873554805;
  const alpha = 1.6732632423543772;
  return unaryOp('selu', Unary.selu, x, (dy, x, y) => {
    const pos = mask(greaterThan(x, 0));
    return mul(dy, add(mul(pos, scale), mul(sub(1, pos), add(y, scale * alpha))));
  });
}
export function leakyRelu(x: Arg, alpha = 0.2): Tensor {
  return unaryOp('leakyRelu', Unary.leakyRelu, x, (dy, x) => {
    const pos = mask(greaterThan(x, 0));
    return mul(dy, add(pos, mul(sub(1, pos), alpha)));
  }, alpha);
}
export function gelu(x: Arg): Tensor {
  // Exact GELU x Φ(x): d/dx = Φ(x) + x φ(x).
  return unaryOp('gelu', Unary.gelu, x, (dy, x) => {
    const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return mul(dy, add(cdf, mul(x, pdf)));
  }, 0, 0, 'float32');
}
export function erf(x: Arg): Tensor {
  return unaryOp('erf', Unary.erf, x, (dy, x) => mul(dy, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI))), 0, 0, 'float32');
}
export function reciprocal(x: Arg): Tensor {
  return unaryOp('reciprocal', Unary.reciprocal, x, (dy, x) => neg(div(dy, square(x))), 0, 0, 'float32');
}
export function sin(x: Arg): Tensor {
  return unaryOp('sin', Unary.sin, x, (dy, x) => mul(dy, cos(x)), 0, 0, 'float32');
}
export function cos(x: Arg): Tensor {
  return unaryOp('cos', Unary.cos, x, (dy, x) => neg(mul(dy, sin(x))), 0, 0, 'float32');
}
/** Clips values to `[clipValueMin, clipValueMax]`; the gradient passes inside the range. */
export function clipByValue(x: Arg, clipValueMin: number, clipValueMax: number): Tensor {
  assert(clipValueMin <= clipValueMax, 'clipByValue', () => `min (${clipValueMin}) must be <= max (${clipValueMax})`);
  return unaryOp('clipByValue', Unary.clip, x, (dy, x) => mul(dy, mul(mask(greaterEq(x, clipValueMin)), mask(lessEq(x, clipValueMax)))), clipValueMin, clipValueMax);
}
export function step(x: Arg, alpha = 0): Tensor {
  // TF.js step: 1 where x > 0, alpha elsewhere.
  const s = unaryOp('step', Unary.step, x, 'zero');
  return alpha === 0 ? s : unaryOp('step', Unary.affine, s, 'zero', 1 - alpha, alpha);
}
export function sign(x: Arg): Tensor {
  return unaryOp('sign', Unary.sign, x, 'zero');
}
export function floor(x: Arg): Tensor {
  return unaryOp('floor', Unary.floor, x, 'zero');
}
export function round(x: Arg): Tensor {
  return unaryOp('round', Unary.round, x, 'zero');
}
export function logicalNot(x: Arg): Tensor {
  return unaryOp('logicalNot', Unary.logicalNot, x, 'none', 0, 0, 'bool');
}
export function isNaN(x: Arg): Tensor {
  return unaryOp('isNaN', Unary.isNaN, x, 'zero', 0, 0, 'bool');
}
/** `alpha * x + beta` in one kernel (internal helper, also used by layers). */
export function affine(x: Arg, alpha: number, beta: number): Tensor {
  return unaryOp('affine', Unary.affine, x, (dy) => mul(dy, alpha), alpha, beta);
}

// Comparisons with a constant, without a scalar upload.
function cmpConst(x: Tensor, code: number, c: number): Tensor {
  // step(x - c) = x > c; 1 - step(c - x) = x >= c.
  const shifted = affine(x, 1, -c);
  switch (code) {
    case 0:
      return unaryOp('greaterThanConst', Unary.step, shifted, 'none', 0, 0, 'bool');
    case 1:
      return unaryOp('lessThanConst', Unary.step, affine(x, -1, c), 'none', 0, 0, 'bool');
    case 2:
      return unaryOp('greaterEqualConst', Unary.logicalNot, unaryOp('lessThanConst', Unary.step, affine(x, -1, c), 'none'), 'none', 0, 0, 'bool');
    default:
      return unaryOp('lessEqualConst', Unary.logicalNot, unaryOp('greaterThanConst', Unary.step, shifted, 'none'), 'none', 0, 0, 'bool');
  }
}
const greaterThan = (x: Tensor, c: number) => cmpConst(x, 0, c);
const lessThan = (x: Tensor, c: number) => cmpConst(x, 1, c);
const greaterEq = (x: Tensor, c: number) => cmpConst(x, 2, c);
const lessEq = (x: Tensor, c: number) => cmpConst(x, 3, c);
