/**
 * `tf.util`: the public helpers of tfjs-core's `util` namespace, with its
 * names, signatures and behaviour (messages included), so programs that use
 * `tf.util.assert`, `tf.util.shuffle`, `tf.util.createShuffledIndices`, ...
 * run unchanged. Host-side only: none of these touch tensors.
 */
import type { DataType, DataTypeMap, TypedArray } from './types.js';
import { stridesOf, sizeFromShape as size } from './util.js';

type Shuffleable = unknown[] | Uint32Array | Int32Array | Float32Array;
/** Nested arrays of `T` (TF.js `RecursiveArray`). */
export interface RecursiveArray<T> {
  [index: number]: T | RecursiveArray<T>;
}

/** Throws `Error(msg())` (or `msg`) unless `expr`. */
export function assert(expr: boolean, msg: (() => string) | string): asserts expr {
  if (!expr) throw new Error(typeof msg === 'string' ? msg : msg());
}

export function assertShapesMatch(shapeA: number[], shapeB: number[], errorMessagePrefix = ''): void {
  assert(arraysEqual(shapeA, shapeB), () => errorMessagePrefix + ` Shapes ${shapeA} and ${shapeB} must match`);
}

export function assertNonNull(a: unknown): void {
  assert(a != null, () => `The input to the tensor constructor must be a non-null value.`);
}

/** Number of elements of a tensor of `shape` (1 for a scalar). */
export function sizeFromShape(shape: number[]): number {
  return size(shape);
}

export function isScalarShape(shape: number[]): boolean {
  return shape.length === 0;
}

export function arraysEqual(n1: ArrayLike<number>, n2: ArrayLike<number>): boolean {
  if (n1 === n2) return true;
  if (n1 == null || n2 == null || n1.length !== n2.length) return false;
  for (let i = 0; i < n1.length; i++) if (n1[i] !== n2[i]) return false;
  return true;
}

export function arraysEqualWithNull(n1: (number | null)[], n2: (number | null)[]): boolean {
  if (n1 === n2) return true;
  if (n1 == null || n2 == null || n1.length !== n2.length) return false;
  for (let i = 0; i < n1.length; i++) if (n1[i] !== null && n2[i] !== null && n1[i] !== n2[i]) return false;
  return true;
}

export function isInt(a: number): boolean {
  return a % 1 === 0;
}

export function tanh(x: number): number {
  return Math.tanh(x);
}

/** A [rows, cols] shape of `size` elements, as square as possible. */
export function sizeToSquarishShape(size: number): [number, number] {
  const width = Math.ceil(Math.sqrt(size));
  return [width, Math.ceil(size / width)];
}

/** Shuffles `array` in place (Fisher-Yates, with `Math.random` as TF.js). */
export function shuffle(array: Shuffleable): void {
  let counter = array.length;
  while (counter > 0) {
    const index = (Math.random() * counter) | 0;
    counter--;
    swap(array as unknown[], counter, index);
  }
}

/** Shuffles two arrays of the same length in place, with the same permutation. */
export function shuffleCombo(array: Shuffleable, array2: Shuffleable): void {
  if (array.length !== array2.length) {
    throw new Error(`Array sizes must match to be shuffled together First array length was ${array.length}Second array length was ${array2.length}`);
  }
  let counter = array.length;
  while (counter > 0) {
    const index = (Math.random() * counter) | 0;
    counter--;
    swap(array as unknown[], counter, index);
    swap(array2 as unknown[], counter, index);
  }
}

/** `0..n-1` in random order. */
export function createShuffledIndices(n: number): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; ++i) idx[i] = i;
  shuffle(idx);
  return idx;
}

export function clamp(min: number, x: number, max: number): number {
  return Math.max(min, Math.min(x, max));
}

export function nearestLargerEven(val: number): number {
  return val % 2 === 0 ? val : val + 1;
}

export function swap<T>(object: { [index: number]: T }, left: number, right: number): void {
  const t = object[left];
  object[left] = object[right];
  object[right] = t;
}

export function sum(arr: number[]): number {
  let s = 0;
  for (const v of arr) s += v;
  return s;
}

/** A uniform random number in [a, b). */
export function randUniform(a: number, b: number): number {
  const r = Math.random();
  return b * r + (1 - r) * a;
}

export function distSquared(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let r = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Number(a[i]) - Number(b[i]);
    r += d * d;
  }
  return r;
}

export function rightPad(a: string, size: number): string {
  return size <= a.length ? a : a + ' '.repeat(size - a.length);
}

/** Resolves once `checkFn()` is true, retrying with `delayFn(tries)` ms between tries. */
export function repeatedTry(checkFn: () => boolean, delayFn = (_counter: number) => 0, maxCounter?: number, scheduleFn?: (f: () => void, delay: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let tryCount = 0;
    const tryFn = () => {
      if (checkFn()) {
        resolve();
        return;
      }
      tryCount++;
      const nextBackoff = delayFn(tryCount);
      if (maxCounter != null && tryCount >= maxCounter) {
        reject();
        return;
      }
      if (scheduleFn != null) scheduleFn(tryFn, nextBackoff);
      else setTimeout(tryFn, nextBackoff);
    };
    tryFn();
  });
}

/** Fills in the one `-1` of `shape` so that it holds `size` elements. */
export function inferFromImplicitShape(shape: number[], size: number): number[] {
  let shapeProd = 1;
  let implicitIdx = -1;
  for (let i = 0; i < shape.length; ++i) {
    if (shape[i] >= 0) shapeProd *= shape[i];
    else if (shape[i] === -1) {
      if (implicitIdx !== -1) throw Error(`Shapes can only have 1 implicit size. Found -1 at dim ${implicitIdx} and dim ${i}`);
      implicitIdx = i;
    } else if (shape[i] < 0) {
      throw Error(`Shapes can not be < 0. Found ${shape[i]} at dim ${i}`);
    }
  }
  if (implicitIdx === -1) {
    if (size > 0 && size !== shapeProd) throw Error(`Size(${size}) must match the product of shape ${shape}`);
    return shape;
  }
  if (shapeProd === 0) throw Error(`Cannot infer the missing size in [${shape}] when there are 0 elements`);
  if (size % shapeProd !== 0) throw Error(`The implicit shape can't be a fractional number. Got ${size} / ${shapeProd}`);
  const newShape = shape.slice();
  newShape[implicitIdx] = size / shapeProd;
  return newShape;
}

/** Normalises `axis` (null: all) against `shape`'s rank; negative axes count from the end. */
export function parseAxisParam(axis: number | number[] | null | undefined, shape: number[]): number[] {
  const rank = shape.length;
  const list = axis == null ? shape.map((_, i) => i) : ([] as number[]).concat(axis);
  assert(list.every((ax) => ax >= -rank && ax < rank), () => `All values in axis param must be in range [-${rank}, ${rank}) but got axis ${list}`);
  assert(list.every((ax) => isInt(ax)), () => `All values in axis param must be integers but got axis ${list}`);
  return list.map((a) => (a < 0 ? rank + a : a));
}

/** The shape without its size-1 dimensions (or only those in `axis`), and the kept dimensions. */
export function squeezeShape(shape: number[], axis?: number[]): { newShape: number[]; keptDims: number[] } {
  const newShape: number[] = [];
  const keptDims: number[] = [];
  const isEmptyArray = axis != null && Array.isArray(axis) && axis.length === 0;
  const axes = axis == null || isEmptyArray ? null : parseAxisParam(axis, shape).sort((a, b) => a - b);
  let j = 0;
  for (let i = 0; i < shape.length; ++i) {
    if (axes != null) {
      if (axes[j] === i && shape[i] !== 1) throw new Error(`Can't squeeze axis ${i} since its dim '${shape[i]}' is not 1`);
      if ((axes[j] == null || axes[j] > i) && shape[i] === 1) {
        newShape.push(shape[i]);
        keptDims.push(i);
      }
      if (axes[j] <= i) j++;
    }
    if (shape[i] !== 1) {
      newShape.push(shape[i]);
      keptDims.push(i);
    }
  }
  return { newShape, keptDims };
}

export function getTypedArrayFromDType<D extends 'float32' | 'int32' | 'bool'>(dtype: D, size: number): DataTypeMap[D] {
  return getArrayFromDType(dtype, size);
}

export function getArrayFromDType<D extends DataType>(dtype: D, size: number): DataTypeMap[D] {
  if (dtype === 'float32') return new Float32Array(size) as DataTypeMap[D];
  if (dtype === 'int32') return new Int32Array(size) as DataTypeMap[D];
  if (dtype === 'bool') return new Uint8Array(size) as DataTypeMap[D];
  throw new Error(`Unknown data type ${dtype}`);
}

export function isValidDtype(dtype: string): boolean {
  return dtype === 'bool' || dtype === 'complex64' || dtype === 'float32' || dtype === 'int32' || dtype === 'string';
}

/** Whether casting `oldType` to `newType` can lose information. */
export function hasEncodingLoss(oldType: string, newType: string): boolean {
  if (newType === 'complex64') return false;
  if (newType === 'float32' && oldType !== 'complex64') return false;
  if (newType === 'int32' && oldType !== 'float32' && oldType !== 'complex64') return false;
  if (newType === 'bool' && oldType === 'bool') return false;
  return true;
}

export function bytesPerElement(dtype: string): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'complex64') return 8;
  if (dtype === 'bool') return 1;
  throw new Error(`Unknown dtype ${dtype}`);
}

export function bytesFromStringArray(arr: Uint8Array[]): number {
  let bytes = 0;
  for (const x of arr) bytes += x.length;
  return bytes;
}

export function isString(value: unknown): value is string {
  return typeof value === 'string' || value instanceof String;
}

export function isBoolean(value: unknown): boolean {
  return typeof value === 'boolean';
}

export function isNumber(value: unknown): boolean {
  return typeof value === 'number';
}

export function isFunction(f: unknown): boolean {
  return !!(f && (f as { constructor?: unknown }).constructor && (f as { call?: unknown }).call && (f as { apply?: unknown }).apply);
}

/** The dtype TF.js infers for `values`. */
export function inferDtype(values: unknown): DataType | 'string' {
  if (Array.isArray(values)) return inferDtype(values[0]);
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Int32Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray) return 'int32';
  if (isNumber(values)) return 'float32';
  if (isString(values)) return 'string';
  if (isBoolean(values)) return 'bool';
  return 'float32';
}

export function nearestDivisor(size: number, start: number): number {
  for (let i = start; i < size; ++i) if (size % i === 0) return i;
  return size;
}

/** Row-major strides of `shape` without the last (always 1) one, as TF.js returns them. */
export function computeStrides(shape: number[]): number[] {
  const rank = shape.length;
  if (rank < 2) return [];
  return stridesOf(shape).slice(0, rank - 1);
}

/** Nested arrays of `shape` from flat values. */
export function toNestedArray(shape: number[], a: ArrayLike<number>): number | unknown[] {
  if (shape.length === 0) return a[0];
  const n = shape.reduce((acc, c) => acc * c, 1);
  if (n === 0) return [];
  if (n !== a.length) throw new Error(`[${shape}] does not match the input size ${a.length}.`);
  const build = (offset: number, dim: number): unknown[] => {
    const out: unknown[] = [];
    const stride = size(shape.slice(dim + 1));
    for (let i = 0; i < shape[dim]; i++) out.push(dim === shape.length - 1 ? a[offset + i] : build(offset + i * stride, dim + 1));
    return out;
  };
  return build(0, 0);
}

export function makeOnesTypedArray<D extends DataType>(size: number, dtype: D): DataTypeMap[D] {
  const array = getArrayFromDType(dtype, size);
  array.fill(1);
  return array;
}

export function makeZerosTypedArray<D extends DataType>(size: number, dtype: D): DataTypeMap[D] {
  return getArrayFromDType(dtype, size);
}

export function makeZerosNestedTypedArray<D extends DataType>(shape: number[], dtype: D): number | unknown[] {
  return toNestedArray(shape, makeZerosTypedArray(size(shape), dtype));
}

export function assertNonNegativeIntegerDimensions(shape: number[]): void {
  shape.forEach((dimSize) => {
    assert(Number.isInteger(dimSize) && dimSize >= 0, () => `Tensor must have a shape comprised of positive integers but got shape [${shape}].`);
  });
}

/** Flat index of `locs` given TF.js strides (see {@link computeStrides}). */
export function locToIndex(locs: number[], rank: number, strides: number[]): number {
  if (rank === 0) return 0;
  if (rank === 1) return locs[0];
  let index = locs[locs.length - 1];
  for (let i = 0; i < locs.length - 1; ++i) index += strides[i] * locs[i];
  return index;
}

/** Coordinates of flat `index` given TF.js strides (see {@link computeStrides}). */
export function indexToLoc(index: number, rank: number, strides: number[]): number[] {
  if (rank === 0) return [];
  if (rank === 1) return [index];
  const locs = new Array<number>(rank);
  for (let i = 0; i < locs.length - 1; ++i) {
    locs[i] = Math.floor(index / strides[i]);
    index -= locs[i] * strides[i];
  }
  locs[locs.length - 1] = index;
  return locs;
}

export function isPromise(object: unknown): object is Promise<unknown> {
  return !!object && typeof (object as { then?: unknown }).then === 'function';
}

export function isTypedArray(a: unknown): a is Float32Array | Int32Array | Uint8Array | Uint8ClampedArray {
  return a instanceof Float32Array || a instanceof Int32Array || a instanceof Uint8Array || a instanceof Uint8ClampedArray;
}

/** Flattens nested arrays (and typed arrays, unless `skipTypedArray`) into `result`. */
export function flatten<T>(arr: T | RecursiveArray<T>, result: T[] = [], skipTypedArray = false): T[] {
  if (Array.isArray(arr) || (isTypedArray(arr) && !skipTypedArray)) {
    for (let i = 0; i < (arr as ArrayLike<T>).length; ++i) flatten((arr as ArrayLike<T>)[i], result, skipTypedArray);
  } else {
    result.push(arr as T);
  }
  return result;
}

/** Values as a typed array of `dtype` (flattening nested arrays). */
export function toTypedArray(a: unknown, dtype: DataType): TypedArray {
  if (dtype === 'float32' && a instanceof Float32Array) return a;
  if (dtype === 'int32' && a instanceof Int32Array) return a;
  if (dtype === 'bool' && a instanceof Uint8Array) return a;
  const flat = Array.isArray(a) ? flatten(a as RecursiveArray<number>) : isTypedArray(a) ? Array.from(a) : [a as number];
  if (dtype === 'float32') return Float32Array.from(flat.map(Number));
  if (dtype === 'int32') return Int32Array.from(flat.map((v) => Math.trunc(Number(v))));
  return Uint8Array.from(flat.map((v) => (Number(v) !== 0 ? 1 : 0)));
}

/** Milliseconds, high resolution (`performance.now()`). */
export function now(): number {
  return performance.now();
}

/** The platform's `fetch` (TF.js `util.fetch`). */
export function fetch(path: string, requestInits?: RequestInit): Promise<Response> {
  return globalThis.fetch(path, requestInits);
}

/** UTF-8 bytes of `s` (TF.js supports only 'utf-8'). */
export function encodeString(s: string, encoding = 'utf-8'): Uint8Array {
  checkEncoding(encoding);
  return new TextEncoder().encode(s);
}

/** The string of UTF-8 `bytes`. */
export function decodeString(bytes: Uint8Array, encoding = 'utf-8'): string {
  checkEncoding(encoding);
  return new TextDecoder(encoding).decode(bytes);
}

function checkEncoding(encoding: string): void {
  if (encoding.toLowerCase().replace('-', '') !== 'utf8') throw new Error(`util.encodeString/decodeString: only 'utf-8' is supported, got '${encoding}'`);
}
