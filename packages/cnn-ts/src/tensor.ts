/**
 * Tensors: immutable n-d arrays whose data lives in the core (in wasm
 * memory, possibly in a worker). Shape and dtype are known at once; data
 * is read back asynchronously with `data()` / `array()`.
 */
import { ENGINE } from './engine.js';
import { assign } from './ops/kernel.js';
import type { ArrayOf, DataType, DataTypeMap, Rank } from './types.js';
import { assertSize, fmtShape, sizeFromShape, toDtypeArray, toNested } from './util.js';

/**
 * A tensor; `R` is its rank as a type (TF.js `Tensor<R>`: `Tensor2D` is
 * `Tensor<Rank.R2>`), for annotations and `array()`'s type. Ops return
 * `Tensor` (any rank) and check ranks at run time, so a result can be
 * annotated with any rank type, as TF.js code does.
 */
export class Tensor<R extends Rank = Rank> {
  /** Executor-side name of the data. */
  readonly id: number;
  readonly shape: number[];
  readonly dtype: DataType;
  readonly size: number;
  /** Which start of the core holds the data (see Engine.epoch). */
  readonly epoch: number;
  private disposed = false;

  /** Internal: ops create tensors through `makeTensor`. */
  constructor(id: number, shape: number[], dtype: DataType, scoped = true) {
    this.id = id;
    this.shape = shape;
    this.dtype = dtype;
    this.size = sizeFromShape(shape);
    this.epoch = ENGINE.epoch;
    ENGINE.track(this, scoped);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the tensor's memory in the core. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    ENGINE.release(this);
  }

  /** The values, as a typed array of the tensor's dtype. */
  async data<D extends DataType = this['dtype']>(): Promise<DataTypeMap[D]> {
    return toDtypeArray(await ENGINE.read(this), this.dtype) as DataTypeMap[D];
  }

  /** Synchronous `data()`: only where the core runs in this thread (Node, inline mode). */
  dataSync<D extends DataType = this['dtype']>(): DataTypeMap[D] {
    return toDtypeArray(ENGINE.readSync(this), this.dtype) as DataTypeMap[D];
  }

  /** The values as nested arrays. */
  // `A` defaults from R only (not a member type of R): tensors of any rank type
  // stay assignable to each other, as ops here return `Tensor` of any rank.
  async array<A extends ArrayOf<R> = ArrayOf<R>>(): Promise<A> {
    return toNested(await this.data(), this.shape) as A;
  }

  arraySync<A extends ArrayOf<R> = ArrayOf<R>>(): A {
    return toNested(this.dataSync(), this.shape) as A;
  }

  /** Prints shape, dtype and values (like TF.js's `print`). */
  async print(verbose = false): Promise<void> {
    const values = await this.array();
    const head = verbose ? `Tensor\n  dtype: ${this.dtype}\n  rank: ${this.rank}\n  shape: ${fmtShape(this.shape)}\n  values:\n` : 'Tensor\n';
    console.log(head + '    ' + JSON.stringify(values));
  }

  toString(): string {
    return `Tensor(shape=${fmtShape(this.shape)}, dtype=${this.dtype}${this.disposed ? ', disposed' : ''})`;
  }
}

/** A mutable tensor: model weights and optimizer state. Not disposed by `tidy`. */
export class Variable<R extends Rank = Rank> extends Tensor<R> {
  readonly name: string;
  trainable: boolean;
  /** Projection applied by `write` and after each training step (a layer's `kernelConstraint`, ...; TF.js LayerVariable). */
  constraint: { apply(w: Tensor): Tensor } | null = null;

  constructor(id: number, shape: number[], dtype: DataType, trainable: boolean, name: string) {
    super(id, shape, dtype, false);
    this.trainable = trainable;
    this.name = name;
    registeredVariables.set(name, this);
  }

  override dispose(): void {
    if (registeredVariables.get(this.name) === this) registeredVariables.delete(this.name);
    super.dispose();
  }

  /** The variable itself (TF.js LayerVariable `read()`, as custom layers call on their weights). */
  read(): this {
    return this;
  }

  /** Sets the value, then projects it with the constraint if there is one (TF.js LayerVariable `write`). */
  write(value: Tensor): this {
    if (value === this) return this;
    this.assign(value);
    if (this.constraint) {
      const p = this.constraint.apply(this);
      this.assign(p);
      p.dispose();
    }
    return this;
  }

  /** Replaces the variable's value (same shape and dtype). */
  assign(value: Tensor): void {
    if (value.dtype !== this.dtype) throw new Error(`Error in assign: dtype of the new value (${value.dtype}) must match the variable's (${this.dtype})`);
    if (value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(`Error in assign: shape of the new value ${fmtShape(value.shape)} must match the variable's ${fmtShape(this.shape)}`);
    }
    if (this.isDisposed) throw new Error(`Error in assign: variable ${this.name} is disposed`);
    if (value.isDisposed) throw new Error(`Error in assign: the new value of variable ${this.name} is disposed`);
    if (this.epoch !== ENGINE.epoch || value.epoch !== ENGINE.epoch) throw new Error(`Error in assign: variable ${this.name} or its new value was lost when the core restarted`);
    assign(this, value);
  }
}

/**
 * Live variables by name (TF.js `engine().registeredVariables`): how
 * `optimizer.applyGradients({name: grad})` and `minimize` without a
 * variable list find them. The newest variable of a name wins.
 */
export const registeredVariables = new Map<string, Variable>();

/**
 * Creates the output tensor of an op (tracked by the current `tidy` scope).
 * Fails, naming `op`, if the shape has more elements than one buffer can
 * hold: before the tensor exists, so nothing leaks and nothing is sent.
 */
export function makeTensor(shape: number[], dtype: DataType = 'float32', op = 'makeTensor'): Tensor {
  assertSize(shape, op);
  return new Tensor(ENGINE.newId(), shape, dtype);
}
