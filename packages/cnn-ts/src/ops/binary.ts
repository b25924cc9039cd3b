/** Element-wise binary ops with NumPy/TF broadcasting (their gradients: grads/binary.ts). */
import { makeTensor, Tensor } from '../tensor.js';
import type { DataType, TensorLike } from '../types.js';
import { broadcastShapes } from '../util.js';
import { Binary, call, recordOp } from './kernel.js';
import { toTensor, upcast } from './convert.js';

type Arg = Tensor | TensorLike;

function binaryOp(name: string, code: number, a: Arg, b: Arg, outDtype?: DataType): Tensor {
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
  recordOp(name, [ta, tb], [y]);
  return y;
}

/** `a + b` with broadcasting. */
export function add(a: Arg, b: Arg): Tensor {
  return binaryOp('add', Binary.add, a, b);
}
/** `a - b` with broadcasting. */
export function sub(a: Arg, b: Arg): Tensor {
  return binaryOp('sub', Binary.sub, a, b);
}
/** `a * b` with broadcasting. */
export function mul(a: Arg, b: Arg): Tensor {
  return binaryOp('mul', Binary.mul, a, b);
}
/** `a / b` with broadcasting (floor division for two int32 tensors, as TF.js). */
export function div(a: Arg, b: Arg): Tensor {
  const ta = toTensor(a, 'div');
  const tb = toTensor(b, 'div', ta.dtype === 'int32' ? 'int32' : undefined);
  if (ta.dtype === 'int32' && tb.dtype === 'int32') return floorDiv(ta, tb);
  return binaryOp('div', Binary.div, ta, tb, 'float32');
}
export function floorDiv(a: Arg, b: Arg): Tensor {
  // TF.js: the result is int32 whatever the inputs.
  return binaryOp('floorDiv', Binary.floorDiv, a, b, 'int32');
}
export function mod(a: Arg, b: Arg): Tensor {
  return binaryOp('mod', Binary.mod, a, b);
}
export function maximum(a: Arg, b: Arg): Tensor {
  return binaryOp('maximum', Binary.maximum, a, b);
}
export function minimum(a: Arg, b: Arg): Tensor {
  return binaryOp('minimum', Binary.minimum, a, b);
}
/** `base ** exp` with broadcasting. */
export function pow(base: Arg, exp: Arg): Tensor {
  return binaryOp('pow', Binary.pow, base, exp);
}
/** `(a - b)^2`. */
export function squaredDifference(a: Arg, b: Arg): Tensor {
  return binaryOp('squaredDifference', Binary.squaredDifference, a, b);
}
export function atan2(a: Arg, b: Arg): Tensor {
  return binaryOp('atan2', Binary.atan2, a, b, 'float32');
}
export function divNoNan(a: Arg, b: Arg): Tensor {
  return binaryOp('divNoNan', Binary.divNoNan, a, b, 'float32');
}
export function equal(a: Arg, b: Arg): Tensor {
  return binaryOp('equal', Binary.equal, a, b, 'bool');
}
export function notEqual(a: Arg, b: Arg): Tensor {
  return binaryOp('notEqual', Binary.notEqual, a, b, 'bool');
}
export function greater(a: Arg, b: Arg): Tensor {
  return binaryOp('greater', Binary.greater, a, b, 'bool');
}
export function greaterEqual(a: Arg, b: Arg): Tensor {
  return binaryOp('greaterEqual', Binary.greaterEqual, a, b, 'bool');
}
export function less(a: Arg, b: Arg): Tensor {
  return binaryOp('less', Binary.less, a, b, 'bool');
}
export function lessEqual(a: Arg, b: Arg): Tensor {
  return binaryOp('lessEqual', Binary.lessEqual, a, b, 'bool');
}
export function logicalAnd(a: Arg, b: Arg): Tensor {
  return binaryOp('logicalAnd', Binary.logicalAnd, a, b, 'bool');
}
export function logicalOr(a: Arg, b: Arg): Tensor {
  return binaryOp('logicalOr', Binary.logicalOr, a, b, 'bool');
}

/** Sum of same-shaped tensors. */
export function addN(tensors: Tensor[]): Tensor {
  if (tensors.length === 0) throw new Error('Error in addN: needs at least one tensor');
  let acc = tensors[0];
  for (const t of tensors.slice(1)) acc = add(acc, t);
  return tensors.length === 1 ? add(acc, 0) : acc;
}
