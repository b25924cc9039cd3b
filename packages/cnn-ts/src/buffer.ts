/**
 * `tf.buffer` / `TensorBuffer` (tfjs-core): a mutable host-side array with
 * a shape, filled element by element, then turned into a tensor.
 */
import { fromValues } from './ops/creation.js';
import { Tensor } from './tensor.js';
import type { DataType, DataTypeMap, Rank } from './types.js';
import { fmtShape, sizeFromShape, stridesOf } from './util.js';

export class TensorBuffer<R extends Rank = Rank, D extends DataType = 'float32'> {
  readonly size: number;
  readonly shape: number[];
  readonly dtype: D;
  /** Strides of every axis but the last (TF.js's layout). */
  readonly strides: number[];
  values: DataTypeMap[D];

  constructor(shape: number[], dtype: D, values?: DataTypeMap[D]) {
    this.shape = shape.slice();
    this.dtype = dtype;
    this.size = sizeFromShape(shape);
    if (values != null) {
      const n = values.length;
      if (n !== this.size) throw new Error(`Length of values '${n}' does not match the size inferred by the shape '${this.size}'.`);
    }
    this.values = values ?? makeArray(dtype, this.size);
    this.strides = stridesOf(shape).slice(0, Math.max(0, shape.length - 1));
    void (null as unknown as R);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Sets the element at `locs` to `value`. */
  set(value: number | boolean, ...locs: number[]): void {
    if (locs.length === 0) locs = [0];
    if (locs.length !== this.rank) throw new Error(`The number of provided coordinates (${locs.length}) must match the rank (${this.rank})`);
    this.values[this.locToIndex(locs)] = Number(value);
  }

  /** The element at `locs`. */
  get(...locs: number[]): number {
    if (locs.length === 0) locs = [0];
    locs.forEach((l, i) => {
      if (l < 0 || l >= this.shape[i]) throw new Error(`Requested out of range element at ${locs}.   Buffer shape=${this.shape}`);
    });
    return this.values[this.locToIndex(locs)];
  }

  locToIndex(locs: number[]): number {
    if (this.rank === 0) return 0;
    if (this.rank === 1) return locs[0];
    let index = locs[locs.length - 1];
    for (let i = 0; i < locs.length - 1; ++i) index += this.strides[i] * locs[i];
    return index;
  }

  indexToLoc(index: number): number[] {
    if (this.rank === 0) return [];
    if (this.rank === 1) return [index];
    const locs = new Array<number>(this.shape.length);
    for (let i = 0; i < locs.length - 1; ++i) {
      locs[i] = Math.floor(index / this.strides[i]);
      index -= locs[i] * this.strides[i];
    }
    locs[locs.length - 1] = index;
    return locs;
  }

  /** A new tensor with a copy of the buffer's values. */
  toTensor(): Tensor {
    return fromValues(Float32Array.from(this.values as ArrayLike<number>), this.shape, this.dtype);
  }

  toString(): string {
    return `TensorBuffer(shape=${fmtShape(this.shape)}, dtype=${this.dtype})`;
  }
}

function makeArray<D extends DataType>(dtype: D, n: number): DataTypeMap[D] {
  if (dtype === 'float32') return new Float32Array(n) as DataTypeMap[D];
  if (dtype === 'int32') return new Int32Array(n) as DataTypeMap[D];
  if (dtype === 'bool') return new Uint8Array(n) as DataTypeMap[D];
  throw new Error(`buffer: unknown dtype '${String(dtype)}'; expected 'float32', 'int32' or 'bool'`);
}

/** An empty (or `values`-filled) buffer of `shape` (TF.js `tf.buffer`). */
export function buffer<D extends DataType = 'float32'>(shape: number[], dtype: D = 'float32' as D, values?: DataTypeMap[D]): TensorBuffer<Rank, D> {
  return new TensorBuffer<Rank, D>(shape, dtype, values);
}

declare module './tensor.js' {
  interface Tensor<R extends Rank = Rank> {
    /** The values in a `TensorBuffer` (async, as TF.js). */
    buffer(): Promise<TensorBuffer<R, DataType>>;
    /** Synchronous `buffer()` (where `dataSync` works). */
    bufferSync(): TensorBuffer<R, DataType>;
  }
}
Tensor.prototype.buffer = async function (this: Tensor) {
  return new TensorBuffer(this.shape, this.dtype, await this.data());
};
Tensor.prototype.bufferSync = function (this: Tensor) {
  return new TensorBuffer(this.shape, this.dtype, this.dataSync());
};
