/** Creating tensors: from values, constant, random, one-hot, variables. */
import { ENGINE } from '../engine.js';
import { generator, normalValues, uniformValues } from '../random.js';
import { makeTensor, Tensor, Variable } from '../tensor.js';
import type { DataType, TensorLike } from '../types.js';
import { assert, assertDtype, assertShape, flattenValues, fmtShape, inferShape, sizeFromShape } from '../util.js';
import { alias, call, checkAlive, upload } from './kernel.js';

/** Uploads `values` as a new tensor (values are copied). */
export function fromValues(values: Float32Array, shape: number[], dtype: DataType): Tensor {
  const t = makeTensor(shape, dtype);
  upload(t, values);
  return t;
}

function inferDtype(v: TensorLike): DataType {
  // As TF.js: Int32Array, Uint8Array and Uint8ClampedArray give int32.
  if (v instanceof Int32Array || v instanceof Uint8Array || v instanceof Uint8ClampedArray) return 'int32';
  if (typeof v === 'boolean') return 'bool';
  let x: unknown = v;
  while (Array.isArray(x)) x = x[0];
  return typeof x === 'boolean' ? 'bool' : 'float32';
}

function castValues(values: Float32Array, dtype: DataType): Float32Array {
  if (dtype === 'int32') for (let i = 0; i < values.length; i++) values[i] = Math.trunc(values[i]);
  if (dtype === 'bool') for (let i = 0; i < values.length; i++) values[i] = values[i] !== 0 ? 1 : 0;
  return values;
}

/**
 * Creates a tensor from values: nested arrays, a flat (typed) array with a
 * `shape`, or a number.
 * @example tf.tensor([[1, 2], [3, 4]]); tf.tensor([1, 2, 3, 4], [2, 2]);
 */
export function tensor(values: TensorLike, shape?: number[], dtype?: DataType): Tensor {
  return tensorOfRank(values, shape, dtype, 'tensor');
}

/** `tensor()` that checks the rank (when given) before anything is created. */
function tensorOfRank(values: TensorLike, shape: number[] | undefined, dtype: DataType | undefined, op: string, rank?: number): Tensor {
  if (dtype !== undefined) assertDtype(dtype, op);
  const flat = flattenValues(values);
  const inferred = inferShape(values, op);
  let s = shape ?? inferred;
  if (shape) {
    assertShape(shape, op);
    // A single value fills any shape, as in TF.js.
    assert(flat.length === sizeFromShape(shape) || (flat.length === 1 && inferred.length === 0), op, () => `based on the provided shape, ${fmtShape(shape)}, the tensor should have ${sizeFromShape(shape)} values but has ${flat.length}`);
    s = shape;
  }
  if (rank !== undefined) assert(s.length === rank, op, () => `values must be ${rank}-D, got shape ${fmtShape(s)}`);
  const dt = dtype ?? inferDtype(values);
  const data = flat.length === sizeFromShape(s) ? flat : new Float32Array(sizeFromShape(s)).fill(flat[0]);
  return fromValues(castValues(data, dt), s, dt);
}

export function scalar(value: number | boolean, dtype?: DataType): Tensor {
  return tensor(value, [], dtype);
}
export function tensor1d(values: TensorLike, dtype?: DataType): Tensor {
  return tensorOfRank(values, undefined, dtype, 'tensor1d', 1);
}
export function tensor2d(values: TensorLike, shape?: [number, number], dtype?: DataType): Tensor {
  return tensorOfRank(values, shape, dtype, 'tensor2d', 2);
}
export function tensor3d(values: TensorLike, shape?: [number, number, number], dtype?: DataType): Tensor {
  return tensorOfRank(values, shape, dtype, 'tensor3d', 3);
}
export function tensor4d(values: TensorLike, shape?: [number, number, number, number], dtype?: DataType): Tensor {
  return tensorOfRank(values, shape, dtype, 'tensor4d', 4);
}

/** A tensor of `shape` filled with `value` (computed in the core, nothing uploaded). */
export function fill(shape: number[], value: number, dtype: DataType = 'float32', op = 'fill'): Tensor {
  assertShape(shape, op);
  assertDtype(dtype, op);
  const t = makeTensor(shape, dtype, op);
  call('fill', [], [t], [value]);
  return t;
}
export function zeros(shape: number[], dtype: DataType = 'float32'): Tensor {
  return fill(shape, 0, dtype, 'zeros');
}
export function ones(shape: number[], dtype: DataType = 'float32'): Tensor {
  return fill(shape, 1, dtype, 'ones');
}
export function zerosLike(x: Tensor): Tensor {
  return zeros(x.shape, x.dtype);
}
export function onesLike(x: Tensor): Tensor {
  return ones(x.shape, x.dtype);
}

/** Normal random values; `seed` gives a reproducible stream. */
export function randomNormal(shape: number[], mean = 0, stdDev = 1, dtype: DataType = 'float32', seed?: number): Tensor {
  assertShape(shape, 'randomNormal');
  assertDtype(dtype, 'randomNormal');
  return fromValues(castValues(normalValues(sizeFromShape(shape), mean, stdDev, generator(seed)), dtype), shape, dtype);
}

/** Normal values redrawn beyond two standard deviations. */
export function truncatedNormal(shape: number[], mean = 0, stdDev = 1, dtype: DataType = 'float32', seed?: number): Tensor {
  assertShape(shape, 'truncatedNormal');
  assertDtype(dtype, 'truncatedNormal');
  return fromValues(castValues(normalValues(sizeFromShape(shape), mean, stdDev, generator(seed), true), dtype), shape, dtype);
}

/** Uniform random values in [minval, maxval). */
export function randomUniform(shape: number[], minval = 0, maxval = 1, dtype: DataType = 'float32', seed?: number | string): Tensor {
  assertShape(shape, 'randomUniform');
  assertDtype(dtype, 'randomUniform');
  return fromValues(castValues(uniformValues(sizeFromShape(shape), minval, maxval, generator(seed)), dtype), shape, dtype);
}

/** One-hot rows of `depth` for integer `indices`; out-of-range indices give all `offValue`. */
export function oneHot(indices: Tensor | TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DataType = 'int32'): Tensor {
  const ind = indices instanceof Tensor ? indices : tensor(indices, undefined, 'int32');
  assert(Number.isInteger(depth) && depth >= 1, 'oneHot', () => `depth must be a positive integer, got ${depth}`);
  // TF.js 4: int32 by default (values are stored as f32 in the core either way).
  const y = makeTensor([...ind.shape, depth], dtype, 'oneHot');
  call('oneHot', [ind], [y], [depth, onValue, offValue]);
  return y;
}

/** Evenly spaced values `start, start+step, ...` below `stop`. */
export function range(start: number, stop: number, step = 1, dtype: DataType = 'float32'): Tensor {
  assert(step !== 0, 'range', () => 'step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  return fromValues(castValues(Float32Array.from({ length: n }, (_, i) => start + i * step), dtype), [n], dtype);
}

let variableCount = 0;

/** A mutable tensor initialised with a copy of `initialValue`. */
export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DataType): Variable {
  assert(initialValue instanceof Tensor, 'variable', () => `initialValue must be a Tensor, got ${typeof initialValue}`);
  checkAlive(initialValue, 'variable');
  if (dtype !== undefined) assertDtype(dtype, 'variable');
  const dt = dtype ?? initialValue.dtype;
  const v = new Variable(ENGINE.newId(), [...initialValue.shape], dt, trainable, name ?? `Variable_${variableCount++}`);
  alias(initialValue, v);
  return v;
}
