/** Element-wise binary ops with NumPy/TF broadcasting, and their gradients. */
import { makeTensor, Tensor } from '../tensor.js';
import type { DataType, TensorLike } from '../types.js';
import { broadcastAxes, broadcastShapes, shapesEqual } from '../util.js';
import { Binary, call, recordGrad, recordNoGrad, recordZeroGrad } from './kernel.js';
import { toTensor, upcast } from './convert.js';
import { reshape } from './transform.js';
import { sum } from './reduction.js';
import { floor, log, neg, square } from './unary.js';
import { cast } from './cast.js';

type Arg = Tensor | TensorLike;
type Grad = (dy: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null];

/** Sums `dy` over the axes `shape` was broadcast along, and reshapes to `shape`. */
export function sumTo(dy: Tensor, shape: number[]): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const axes = broadcastAxes(shape, dy.shape);
  const s = axes.length > 0 ? sum(dy, axes) : dy;
  return shapesEqual(s.shape, shape) ? s : reshape(s, shape);
}

/** A gradient function, `'zero'` (as TF.js for greaterEqual) or `'none'` (not differentiable: throws). */
function binaryOp(name: string, code: number, a: Arg, b: Arg, grad: Grad | 'zero' | 'none', outDtype?: DataType): Tensor {
  // A plain number takes the other operand's dtype, as in TF.js.
  let ta = a instanceof Tensor ? toTensor(a, name) : undefined;
  let tb = b instanceof Tensor ? toTensor(b, name) : undefined;
  ta ??= toTensor(a, name, tb?.dtype === 'int32' && typeof a === 'number' && Number.isInteger(a) ? 'int32' : undefined);
  tb ??= toTensor(b, name, ta.dtype === 'int32' && typeof b === 'number' && Number.isInteger(b) ? 'int32' : undefined);
  const out = broadcastShapes(ta.shape, tb.shape, name);
  const rank = out.length;
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const shapes = Uint32Array.from([rank, ...pad(ta.shape), ...pad(tb.shape), ...out]);
  const y = makeTensor(out, outDtype ?? upcast(ta.dtype, tb.dtype), name);
  call('binary', [ta, tb], [y], [code, shapes]);
  const [xa, xb] = [ta, tb];
  if (grad === 'zero') recordZeroGrad(name, [xa, xb], [y]);
  else if (grad === 'none') recordNoGrad(name, [xa, xb], [y]);
  else recordGrad(name, [xa, xb], [y], ([dy]) => grad(dy, xa, xb, y));
  return y;
}

/** `a + b` with broadcasting. */
export function add(a: Arg, b: Arg): Tensor {
  return binaryOp('add', Binary.add, a, b, (dy, a, b) => [sumTo(dy, a.shape), sumTo(dy, b.shape)]);
}
/** `a - b` with broadcasting. */
export function sub(a: Arg, b: Arg): Tensor {
  return binaryOp('sub', Binary.sub, a, b, (dy, a, b) => [sumTo(dy, a.shape), sumTo(neg(dy), b.shape)]);
}
/** `a * b` with broadcasting. */
export function mul(a: Arg, b: Arg): Tensor {
  return binaryOp('mul', Binary.mul, a, b, (dy, a, b) => [sumTo(mul(dy, b), a.shape), sumTo(mul(dy, a), b.shape)]);
}
/** `a / b` with broadcasting (floor division for two int32 tensors, as TF.js). */
export function div(a: Arg, b: Arg): Tensor {
  const ta = toTensor(a, 'div');
  const tb = toTensor(b, 'div', ta.dtype === 'int32' ? 'int32' : undefined);
  if (ta.dtype === 'int32' && tb.dtype === 'int32') return floorDiv(ta, tb);
  return binaryOp('div', Binary.div, ta, tb, divGrad, 'float32');
}
const divGrad: Grad = (dy, a, b) => [sumTo(div(dy, b), a.shape), sumTo(neg(div(mul(dy, a), square(b))), b.shape)];
export function floorDiv(a: Arg, b: Arg): Tensor {
  // TF.js's FloorDiv gradient is that of real division.
  // TF.js: the result is int32 whatever the inputs.
  return binaryOp('floorDiv', Binary.floorDiv, a, b, divGrad, 'int32');
}
export function mod(a: Arg, b: Arg): Tensor {
  // TF.js: d/da = dy, d/db = -dy * floor(a / b).
  return binaryOp('mod', Binary.mod, a, b, (dy, a, b) => [sumTo(dy, a.shape), sumTo(neg(mul(dy, floor(div(a, b)))), b.shape)]);
}
export function maximum(a: Arg, b: Arg): Tensor {
  return binaryOp('maximum', Binary.maximum, a, b, (dy, a, b) => [
    sumTo(mul(dy, cast(greaterEqual(a, b), 'float32')), a.shape),
    sumTo(mul(dy, cast(less(a, b), 'float32')), b.shape),
  ]);
}
export function minimum(a: Arg, b: Arg): Tensor {
  return binaryOp('minimum', Binary.minimum, a, b, (dy, a, b) => [
    sumTo(mul(dy, cast(lessEqual(a, b), 'float32')), a.shape),
    sumTo(mul(dy, cast(greater(a, b), 'float32')), b.shape),
  ]);
}
/** `base ** exp` with broadcasting. */
export function pow(base: Arg, exp: Arg): Tensor {
  return binaryOp('pow', Binary.pow, base, exp, (dy, a, b, y) => {
    const da = mul(dy, mul(b, pow(a, sub(b, 1))));
    // d/db a^b = a^b ln a, taken as 0 where a <= 0 (TF does the same).
    const positive = cast(greater(a, 0), 'float32');
    const safeA = add(mul(a, positive), sub(1, positive));
    const db = mul(dy, mul(mul(y, log(safeA)), positive));
    return [sumTo(da, a.shape), sumTo(db, b.shape)];
  });
}
/** `(a - b)^2`. */
export function squaredDifference(a: Arg, b: Arg): Tensor {
  return binaryOp('squaredDifference', Binary.squaredDifference, a, b, (dy, a, b) => {
    const d = mul(dy, mul(sub(a, b), 2));
    return [sumTo(d, a.shape), sumTo(neg(d), b.shape)];
  });
}
export function atan2(a: Arg, b: Arg): Tensor {
  return binaryOp('atan2', Binary.atan2, a, b, (dy, a, b) => {
    const d = add(square(a), square(b));
    return [sumTo(div(mul(dy, b), d), a.shape), sumTo(neg(div(mul(dy, a), d)), b.shape)];
  }, 'float32');
}
export function divNoNan(a: Arg, b: Arg): Tensor {
  // As TF.js's where(b == 0, 0, a / b): zero gradient where b == 0.
  return binaryOp('divNoNan', Binary.divNoNan, a, b, (dy, a, b) => [sumTo(divNoNan(dy, b), a.shape), sumTo(neg(divNoNan(mul(dy, a), square(b))), b.shape)], 'float32');
}
export function equal(a: Arg, b: Arg): Tensor {
  return binaryOp('equal', Binary.equal, a, b, 'none', 'bool');
}
export function notEqual(a: Arg, b: Arg): Tensor {
  return binaryOp('notEqual', Binary.notEqual, a, b, 'none', 'bool');
}
export function greater(a: Arg, b: Arg): Tensor {
  return binaryOp('greater', Binary.greater, a, b, 'none', 'bool');
}
export function greaterEqual(a: Arg, b: Arg): Tensor {
  return binaryOp('greaterEqual', Binary.greaterEqual, a, b, 'zero', 'bool');
}
export function less(a: Arg, b: Arg): Tensor {
  return binaryOp('less', Binary.less, a, b, 'none', 'bool');
}
export function lessEqual(a: Arg, b: Arg): Tensor {
  return binaryOp('lessEqual', Binary.lessEqual, a, b, 'none', 'bool');
}
export function logicalAnd(a: Arg, b: Arg): Tensor {
  return binaryOp('logicalAnd', Binary.logicalAnd, a, b, 'none', 'bool');
}
export function logicalOr(a: Arg, b: Arg): Tensor {
  return binaryOp('logicalOr', Binary.logicalOr, a, b, 'none', 'bool');
}

/** Sum of same-shaped tensors. */
export function addN(tensors: Tensor[]): Tensor {
  if (tensors.length === 0) throw new Error('Error in addN: needs at least one tensor');
  let acc = tensors[0];
  for (const t of tensors.slice(1)) acc = add(acc, t);
  return tensors.length === 1 ? add(acc, 0) : acc;
}
