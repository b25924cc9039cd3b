/**
 * `tf.data` with the API of `@tensorflow/tfjs-data`: lazy, chainable
 * datasets (`array`, `generator`, `zip`; `map`, `filter`, `batch`,
 * `shuffle`, `take`, `skip`, `repeat`, `prefetch`, `concatenate`, ...).
 *
 * Elements are anything TF.js datasets hold (tensors, numbers, strings,
 * arrays and plain objects of them) plus {@link HostArray}: one sample
 * kept in host memory in its own dtype (uint8 stays uint8). `batch()`
 * converts a batch of host samples into one tensor, so a dataset larger
 * than wasm memory never lives there; only the current batches do.
 *
 * Disposal follows tfjs-data: `map`, `batch`, `filter` and `skip` dispose
 * the input tensors they do not pass on; `array()` hands out clones so the
 * source tensors survive every epoch.
 */
import { ENGINE } from '../engine.js';
import { fromValues } from '../ops/creation.js';
import { stack } from '../ops/transform.js';
import { cast } from '../ops/cast.js';
import { generator as rngFor, nextSeed } from '../random.js';
import { Tensor } from '../tensor.js';
import type { DataType } from '../types.js';
import { fmtShape, sizeFromShape } from '../util.js';

/** Typed arrays a host sample may hold. */
export type HostValues = Uint8Array | Uint8ClampedArray | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

function isHostValues(x: unknown): x is HostValues {
  return ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array);
}

function integerArray(v: HostValues): boolean {
  return !(v instanceof Float32Array || v instanceof Float64Array);
}

/** Options of {@link hostArray}. */
export interface HostArrayOptions {
  /** Dtype of the batched tensor (default: int32 for integer arrays with scale 1, else float32). */
  dtype?: DataType;
  /** Factor applied when the batch is made, e.g. 1/255 for pixel bytes (default 1). */
  scale?: number;
}

/**
 * One sample in host memory: values in their own typed array, a shape, the
 * dtype its batch tensor gets and a scale applied at batching time. The
 * lazy Node datasets yield these so bytes stay bytes until `batch()`.
 */
export class HostArray {
  readonly dtype: DataType;
  readonly scale: number;
  constructor(readonly values: HostValues, readonly shape: number[], options: HostArrayOptions = {}) {
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`hostArray: shape must hold non-negative integers, got ${fmtShape(shape)}`);
    if (sizeFromShape(shape) !== values.length) throw new Error(`hostArray: shape ${fmtShape(shape)} needs ${sizeFromShape(shape)} values but got ${values.length}`);
    this.scale = options.scale ?? 1;
    if (!Number.isFinite(this.scale)) throw new Error(`hostArray: scale must be a finite number, got ${this.scale}`);
    this.dtype = options.dtype ?? (integerArray(values) && this.scale === 1 ? 'int32' : 'float32');
  }
  get size(): number {
    return this.values.length;
  }
}

/**
 * A host sample (see {@link HostArray}).
 * @example tf.data.hostArray(pixels.subarray(i * 784, (i + 1) * 784), [28, 28, 1], { scale: 1 / 255 })
 */
export function hostArray(values: HostValues, shape?: number[], options?: HostArrayOptions): HostArray {
  return new HostArray(values, shape ?? [values.length], options);
}

/** What `batch()` turns an element type into. */
export type Batched<T> = T extends Tensor | HostArray | number | boolean | HostValues
  ? Tensor
  : T extends string
    ? string[]
    : T extends (infer E)[]
      ? E extends number | number[] | number[][] | number[][][]
        ? Tensor
        : Batched<E>[]
      : T extends object
        ? { [K in keyof T]: Batched<T[K]> }
        : T;

/** The iterator of a dataset (tfjs-data `LazyIterator`): `await it.next()`, or `for await`. */
export class LazyIterator<T> implements AsyncIterableIterator<T> {
  constructor(private readonly source: AsyncIterator<T>) {}
  next(): Promise<IteratorResult<T>> {
    return this.source.next();
  }
  /** Stops the iteration early and lets every stage release what it holds. */
  async return(): Promise<IteratorResult<T>> {
    await this.source.return?.();
    return { value: undefined, done: true };
  }
  [Symbol.asyncIterator](): LazyIterator<T> {
    return this;
  }
  /** Every remaining element. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for (let r = await this.next(); !r.done; r = await this.next()) out.push(r.value);
    return out;
  }
}

/** Tensors inside a container (tensors, arrays, plain objects). */
function tensorsIn(c: unknown, out: Tensor[] = [], depth = 0): Tensor[] {
  if (depth > 32 || c === null || typeof c !== 'object') return out;
  if (c instanceof Tensor) out.push(c);
  else if (Array.isArray(c)) for (const e of c) tensorsIn(e, out, depth + 1);
  else if (Object.getPrototypeOf(c) === Object.prototype) for (const e of Object.values(c)) tensorsIn(e, out, depth + 1);
  return out;
}

function disposeAll(c: unknown): void {
  for (const t of tensorsIn(c)) t.dispose();
}

/** Disposes the tensors of `input` that `output` does not hold (tfjs-data's map rule). */
function disposeConsumed(input: unknown, output: unknown): void {
  const kept = new Set(tensorsIn(output));
  for (const t of tensorsIn(input)) if (!kept.has(t)) t.dispose();
}

/** `tidy` for any return type: keeps the tensors inside the result, frees the rest. */
function scoped<O>(f: () => O): O {
  ENGINE.startScope();
  let out: O | undefined;
  try {
    out = f();
    if (out instanceof Promise) throw new Error('Dataset.map: the transform returned a Promise; use mapAsync for async transforms');
  } finally {
    ENGINE.endScope(tensorsIn(out));
  }
  return out;
}

/** A sequence of elements, read lazily (tfjs-data `Dataset`). */
export abstract class Dataset<T> {
  /** Number of elements: a count, `Infinity` (repeat()) or null when unknown (filter, generator). */
  abstract readonly size: number | null;

  /** A fresh pass over the elements. */
  abstract iterator(): Promise<LazyIterator<T>>;

  /**
   * Groups consecutive elements into batches: tensors are stacked, host
   * samples and numbers become one tensor with a leading batch axis,
   * arrays and objects are batched member by member (`{xs, ys}` stays
   * `{xs, ys}`). Elements of a batch must agree in shape and dtype.
   * @param smallLastBatch keep the last, smaller batch (default true)
   * @example tf.data.array([1, 2, 3, 4, 5]).batch(2) // [1,2], [3,4], [5]
   */
  batch(batchSize: number, smallLastBatch = true): Dataset<Batched<T>> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Dataset.batch: batchSize must be a positive integer, got ${batchSize}`);
    const base = this;
    const size = base.size === null || base.size === Infinity ? base.size : smallLastBatch ? Math.ceil(base.size / batchSize) : Math.floor(base.size / batchSize);
    return datasetFromIteratorFn(async function* () {
      const it = await base.iterator();
      let index = 0;
      try {
        for (;;) {
          const rows: T[] = [];
          const first = index;
          while (rows.length < batchSize) {
            const r = await it.next();
            if (r.done) break;
            rows.push(r.value);
            index += 1;
          }
          if (rows.length === 0 || (rows.length < batchSize && !smallLastBatch)) {
            disposeAll(rows);
            return;
          }
          let out: Batched<T>;
          try {
            out = scoped(() => collate(rows, first, '') as Batched<T>);
          } finally {
            disposeAll(rows);
          }
          yield out;
          if (rows.length < batchSize) return;
        }
      } finally {
        await it.return();
      }
    }, size);
  }

  /**
   * The elements of this dataset, then those of `other`.
   * @example tf.data.array([1, 2]).concatenate(tf.data.array([3])) // 1, 2, 3
   */
  concatenate(other: Dataset<T>): Dataset<T> {
    const base = this;
    const size = base.size === null || other.size === null ? null : base.size + other.size;
    return datasetFromIteratorFn(async function* () {
      for (const ds of [base, other]) {
        const it = await ds.iterator();
        try {
          for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
        } finally {
          await it.return();
        }
      }
    }, size);
  }

  /**
   * Keeps the elements for which `predicate` is true (the others are disposed).
   * @example tf.data.array([1, 2, 3, 4]).filter((x) => x % 2 === 0) // 2, 4
   */
  filter(predicate: (value: T) => boolean): Dataset<T> {
    const base = this;
    return datasetFromIteratorFn(async function* () {
      const it = await base.iterator();
      try {
        for (let r = await it.next(); !r.done; r = await it.next()) {
          if (scoped(() => predicate(r.value))) yield r.value;
          else disposeAll(r.value);
        }
      } finally {
        await it.return();
      }
    }, base.size === Infinity ? Infinity : null);
  }

  /** Calls `f` on every element, in order; resolves when the dataset is exhausted. */
  async forEachAsync(f: (value: T) => void | Promise<void>): Promise<void> {
    const it = await this.iterator();
    try {
      for (let r = await it.next(); !r.done; r = await it.next()) await f(r.value);
    } finally {
      await it.return();
    }
  }

  /**
   * Transforms every element; tensors made inside `transform` and not
   * returned are freed, input tensors not returned are disposed (tfjs-data).
   * @example ds.map(({ xs, ys }) => ({ xs: xs.div(255), ys }))
   */
  map<O>(transform: (value: T) => O): Dataset<O> {
    const base = this;
    return datasetFromIteratorFn(async function* () {
      const it = await base.iterator();
      try {
        for (let r = await it.next(); !r.done; r = await it.next()) {
          const value = r.value;
          let out: O;
          try {
            out = scoped(() => transform(value));
          } catch (e) {
            disposeAll(value);
            throw e;
          }
          disposeConsumed(value, out);
          yield out;
        }
      } finally {
        await it.return();
      }
    }, base.size);
  }

  /** `map` with an async transform (no automatic freeing of intermediate tensors). */
  mapAsync<O>(transform: (value: T) => Promise<O>): Dataset<O> {
    const base = this;
    return datasetFromIteratorFn(async function* () {
      const it = await base.iterator();
      try {
        for (let r = await it.next(); !r.done; r = await it.next()) {
          const out = await transform(r.value);
          disposeConsumed(r.value, out);
          yield out;
        }
      } finally {
        await it.return();
      }
    }, base.size);
  }

  /**
   * Reads up to `bufferSize` elements ahead, so the next batch is being
   * prepared (read from disk, decoded, converted) while the current one
   * is used. Elements still buffered when iteration stops are disposed.
   */
  prefetch(bufferSize: number): Dataset<T> {
    if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new Error(`Dataset.prefetch: bufferSize must be a positive integer, got ${bufferSize}`);
    const base = this;
    return datasetFromIteratorFn(async function* () {
      const it = await base.iterator();
      const queue: Promise<IteratorResult<T>>[] = [];
      const request = () => {
        const p = it.next();
        p.catch(() => undefined); // awaited below; keeps a failure from being "unhandled" meanwhile
        queue.push(p);
      };
      let done = false;
      try {
        while (queue.length < bufferSize) request();
        while (queue.length > 0) {
          const r = await queue.shift()!;
          if (r.done) {
            done = true;
            break;
          }
          request();
          yield r.value;
        }
      } finally {
        if (!done) for (const p of queue) disposeAll(await p.then((r) => r.value, () => undefined));
        await it.return();
      }
    }, base.size);
  }

  /**
   * Repeats the dataset `count` times (forever without a count); every
   * round is a fresh iterator, so a shuffle reshuffles.
   */
  repeat(count?: number): Dataset<T> {
    if (count !== undefined && !Number.isInteger(count)) throw new Error(`Dataset.repeat: count must be an integer, got ${count}`);
    const base = this;
    const forever = count === undefined || count < 0;
    const size = base.size === 0 ? 0 : base.size === null ? (forever ? Infinity : null) : forever ? Infinity : base.size * count;
    return datasetFromIteratorFn(async function* () {
      for (let round = 0; forever || round < count; round++) {
        const it = await base.iterator();
        let any = false;
        try {
          for (let r = await it.next(); !r.done; r = await it.next()) {
            any = true;
            yield r.value;
          }
        } finally {
          await it.return();
        }
        if (!any) return; // an empty dataset repeated forever is empty
      }
    }, size);
  }

  /**
   * Randomly shuffles the elements with a buffer of `bufferSize` (a full
   * shuffle when it covers the dataset). Without `seed` the shuffle draws
   * its seed from the global generator, so `tf.random.setSeed` makes it
   * reproducible; `reshuffleEachIteration` (default true) gives every pass
   * (epoch) its own order.
   * @example ds.shuffle(10000, 42)
   */
  shuffle(bufferSize: number, seed?: number | string, reshuffleEachIteration = true): Dataset<T> {
    if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new Error(`Dataset.shuffle: bufferSize must be a positive integer, got ${bufferSize}`);
    const base = this;
    const seeds = rngFor(seed ?? nextSeed());
    const first = Math.floor(seeds() * 4294967296);
    return datasetFromIteratorFn(async function* () {
      const rng = rngFor(reshuffleEachIteration ? Math.floor(seeds() * 4294967296) : first);
      const it = await base.iterator();
      const buffer: T[] = [];
      try {
        let upstreamDone = false;
        for (;;) {
          while (!upstreamDone && buffer.length < bufferSize) {
            const r = await it.next();
            if (r.done) upstreamDone = true;
            else buffer.push(r.value);
          }
          if (buffer.length === 0) return;
          const i = Math.floor(rng() * buffer.length);
          const out = buffer[i];
          buffer[i] = buffer[buffer.length - 1];
          buffer.pop();
          yield out;
        }
      } finally {
        disposeAll(buffer);
        await it.return();
      }
    }, base.size);
  }

  /** Drops the first `count` elements (disposing them). */
  skip(count: number): Dataset<T> {
    const base = this;
    const n = Number.isFinite(count) && count > 0 ? Math.floor(count) : 0;
    const size = base.size === null ? null : base.size === Infinity ? Infinity : Math.max(0, base.size - n);
    return datasetFromIteratorFn(async function* () {
      const it = await base.iterator();
      try {
        for (let i = 0; i < n; i++) {
          const r = await it.next();
          if (r.done) return;
          disposeAll(r.value);
        }
        for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
      } finally {
        await it.return();
      }
    }, size);
  }

  /** The first `count` elements (all of them for a negative count). */
  take(count: number): Dataset<T> {
    const base = this;
    const all = !(count >= 0);
    const n = all ? Infinity : Math.floor(count);
    const size = all ? base.size : base.size === null ? null : Math.min(base.size, n);
    return datasetFromIteratorFn(async function* () {
      if (n === 0) return;
      const it = await base.iterator();
      try {
        let i = 0;
        for (let r = await it.next(); !r.done; r = await it.next()) {
          yield r.value;
          if (++i >= n) return;
        }
      } finally {
        await it.return();
      }
    }, size);
  }

  /** Every element, in an array (not for infinite datasets). */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) throw new Error('Dataset.toArray: can not convert an infinite data stream to an array');
    return (await this.iterator()).toArray();
  }
}

class GeneratorDataset<T> extends Dataset<T> {
  constructor(
    private readonly make: () => AsyncIterator<T> | Iterator<T> | Promise<AsyncIterator<T> | Iterator<T>>,
    readonly size: number | null,
  ) {
    super();
  }
  async iterator(): Promise<LazyIterator<T>> {
    const source = await this.make();
    return new LazyIterator(toAsync(source));
  }
}

function toAsync<T>(it: AsyncIterator<T> | Iterator<T>): AsyncIterator<T> {
  return {
    next: async () => it.next(),
    return: async () => (await it.return?.()) ?? { value: undefined, done: true },
  };
}

/** A dataset whose passes are `make()` (tfjs-data's internal `datasetFromIteratorFn`), with a known size. */
export function datasetFromIteratorFn<T>(make: () => AsyncGenerator<T>, size: number | null): Dataset<T> {
  return new GeneratorDataset(make, size);
}

function cloneTensors<T>(x: T): T {
  if (x instanceof Tensor) return cast(x, x.dtype) as T;
  if (Array.isArray(x)) return x.map(cloneTensors) as T;
  if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, cloneTensors(v)])) as T;
  }
  return x;
}

/**
 * A dataset of the given items. Tensors among them are handed out as
 * clones, so iterating (and batching, which disposes) leaves them intact.
 * @example const ds = tf.data.array([{ x: 1, y: 2 }, { x: 3, y: 4 }]);
 */
export function array<T>(items: T[]): Dataset<T> {
  if (!Array.isArray(items)) throw new Error(`tf.data.array: expected an array of elements, got ${typeof items}`);
  return datasetFromIteratorFn(async function* () {
    for (const item of items) yield scoped(() => cloneTensors(item));
  }, items.length);
}

/**
 * A dataset whose elements come from a (sync or async) generator function,
 * called anew for every pass; its errors reject the reader (e.g. `fit`).
 * @example
 * const ds = tf.data.generator(function* () { for (let i = 0; i < 100; i++) yield { xs: i, ys: 2 * i }; });
 */
export function generator<T>(make: () => Iterator<T> | AsyncIterator<T> | Promise<Iterator<T> | AsyncIterator<T>>): Dataset<T> {
  if (typeof make !== 'function') throw new Error('tf.data.generator: expected a function that returns an iterator (e.g. a generator function)');
  return new GeneratorDataset(async () => {
    const it = await make();
    if (it === null || typeof it !== 'object' || typeof it.next !== 'function') {
      throw new Error('tf.data.generator: the function must return an iterator (an object with next()), e.g. be a function* or async function*');
    }
    return it;
  }, null);
}

/** Datasets to zip: an array or an object of datasets (nested). */
export type DatasetContainer = Dataset<unknown> | DatasetContainer[] | { [key: string]: DatasetContainer };

/** The element type of `zip(datasets)`: the container's structure with each dataset replaced by its element. */
export type Zipped<C> = C extends Dataset<infer E> ? E : { [K in keyof C]: Zipped<C[K]> };

/**
 * Zips datasets element by element into arrays or objects of the same
 * structure; ends with the shortest.
 * @example tf.data.zip({ xs: images, ys: labels })
 */
export function zip<C extends DatasetContainer>(datasets: C): Dataset<Zipped<C>> {
  return zipLeaves(datasets);
}

function zipLeaves<C extends DatasetContainer, Z = Zipped<C>>(datasets: C): Dataset<Z> {
  const leaves: Dataset<unknown>[] = [];
  const walk = (c: DatasetContainer): void => {
    if (c instanceof Dataset) leaves.push(c);
    else if (Array.isArray(c)) c.forEach(walk);
    else if (c !== null && typeof c === 'object') Object.values(c).forEach(walk);
    else throw new Error(`tf.data.zip: expected datasets in an array or an object, got ${typeof c}`);
  };
  walk(datasets);
  const sizes = leaves.map((d) => d.size);
  const size = leaves.length === 0 ? 0 : sizes.includes(null) ? null : Math.min(...(sizes as number[]));
  return datasetFromIteratorFn(async function* (): AsyncGenerator<Z> {
    const its = await Promise.all(leaves.map((d) => d.iterator()));
    try {
      for (;;) {
        const rs = await Promise.all(its.map((it) => it.next()));
        if (rs.some((r) => r.done)) {
          disposeAll(rs.map((r) => (r.done ? undefined : r.value)));
          return;
        }
        let k = 0;
        const build = (c: DatasetContainer): unknown => {
          if (c instanceof Dataset) return rs[k++].value;
          if (Array.isArray(c)) return c.map(build);
          return Object.fromEntries(Object.entries(c).map(([key, v]) => [key, build(v)]));
        };
        yield build(datasets) as Z;
      }
    } finally {
      await Promise.all(its.map((it) => it.return()));
    }
  }, size);
}

// ---- batching ---------------------------------------------------------------

function describe(x: unknown): string {
  if (x instanceof Tensor) return `a ${x.dtype} tensor of shape ${fmtShape(x.shape)}`;
  if (x instanceof HostArray) return `a ${x.dtype} host array of shape ${fmtShape(x.shape)}`;
  if (isHostValues(x)) return `a ${x.constructor.name} of length ${x.length}`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (x === null) return 'null';
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`;
}

/** Whether `x` is a (possibly nested) array whose leaves are all numbers or booleans. */
function isNumericNested(x: unknown, depth = 0): boolean {
  if (!Array.isArray(x)) return depth > 0 && (typeof x === 'number' || typeof x === 'boolean');
  return x.every((e) => isNumericNested(e, depth + 1));
}

function nestedShape(x: unknown): number[] {
  const shape: number[] = [];
  let cur: unknown = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

function flattenInto(x: unknown, out: Float32Array, offset: number): number {
  if (Array.isArray(x)) {
    for (const e of x) offset = flattenInto(e, out, offset);
    return offset;
  }
  out[offset] = Number(x);
  return offset + 1;
}

/**
 * One batch from `rows` (dataset elements `first`, `first + 1`, ...).
 * `path` names the member being batched in error messages (`.xs`, `[1]`).
 */
function collate(rows: unknown[], first: number, path: string): unknown {
  const r0 = rows[0];
  const where = (j: number) => `element ${first + j}${path ? ` (at ${path})` : ''}`;
  const mismatch = (j: number, what: string): Error =>
    new Error(`Dataset.batch: ${where(j)} is ${what} but ${where(0)}, the first of its batch, is ${describe(r0)}; every element of a batch must have the same shape and dtype`);
  const sameShape = (j: number, shape: readonly number[], want: readonly number[], what: string) => {
    if (shape.length !== want.length || shape.some((d, i) => d !== want[i])) throw mismatch(j, what);
  };
  if (r0 instanceof Tensor) {
    rows.forEach((r, j) => {
      if (!(r instanceof Tensor)) throw mismatch(j, describe(r));
      sameShape(j, r.shape, r0.shape, describe(r));
      if (r.dtype !== r0.dtype) throw mismatch(j, describe(r));
    });
    return stack(rows as Tensor[]);
  }
  if (r0 instanceof HostArray || isHostValues(r0)) {
    const host = rows.map((r, j) => {
      const h = r instanceof HostArray ? r : isHostValues(r) ? new HostArray(r, [r.length]) : undefined;
      if (!h) throw mismatch(j, describe(r));
      return h;
    });
    const h0 = host[0];
    host.forEach((h, j) => {
      sameShape(j, h.shape, h0.shape, describe(rows[j]));
      if (h.dtype !== h0.dtype || h.scale !== h0.scale) throw mismatch(j, `${describe(rows[j])} with scale ${h.scale}`);
    });
    const n = h0.size;
    const out = new Float32Array(n * host.length);
    host.forEach((h, j) => out.set(h.values, j * n));
    if (h0.scale !== 1) for (let i = 0; i < out.length; i++) out[i] *= h0.scale;
    else if (h0.dtype === 'int32' && !integerArray(h0.values)) for (let i = 0; i < out.length; i++) out[i] = Math.trunc(out[i]);
    return fromValues(out, [host.length, ...h0.shape], h0.dtype);
  }
  if (typeof r0 === 'number' || typeof r0 === 'boolean') {
    const out = new Float32Array(rows.length);
    rows.forEach((r, j) => {
      if (typeof r !== typeof r0) throw mismatch(j, describe(r));
      out[j] = Number(r);
    });
    return fromValues(out, [rows.length], typeof r0 === 'boolean' ? 'bool' : 'float32');
  }
  if (typeof r0 === 'string') {
    return rows.map((r, j) => {
      if (typeof r !== 'string') throw mismatch(j, describe(r));
      return r;
    });
  }
  if (Array.isArray(r0) && isNumericNested(r0)) {
    const shape = nestedShape(r0);
    const n = sizeFromShape(shape);
    const out = new Float32Array(n * rows.length);
    rows.forEach((r, j) => {
      if (!Array.isArray(r) || !isNumericNested(r)) throw mismatch(j, describe(r));
      const s = nestedShape(r);
      sameShape(j, s, shape, `an array of shape ${fmtShape(s)}`);
      if (flattenInto(r, out, j * n) !== (j + 1) * n) throw new Error(`Dataset.batch: ${where(j)} is a ragged nested array; expected shape ${fmtShape(shape)}`);
    });
    return fromValues(out, [rows.length, ...shape], 'float32');
  }
  if (Array.isArray(r0)) {
    rows.forEach((r, j) => {
      if (!Array.isArray(r) || r.length !== r0.length) throw mismatch(j, describe(r));
    });
    return r0.map((_, i) => collate(rows.map((r) => (r as unknown[])[i]), first, `${path}[${i}]`));
  }
  if (r0 !== null && typeof r0 === 'object') {
    const keys = Object.keys(r0);
    const out: Record<string, unknown> = {};
    rows.forEach((r, j) => {
      if (r === null || typeof r !== 'object' || Array.isArray(r) || r instanceof Tensor) throw mismatch(j, describe(r));
      const ks = Object.keys(r);
      if (ks.length !== keys.length || ks.some((k) => !keys.includes(k))) {
        throw new Error(`Dataset.batch: ${where(j)} has keys {${ks.join(', ')}} but ${where(0)} has {${keys.join(', ')}}`);
      }
    });
    for (const k of keys) out[k] = collate(rows.map((r) => (r as Record<string, unknown>)[k]), first, `${path}.${k}`);
    return out;
  }
  throw new Error(`Dataset.batch: cannot batch ${describe(r0)} (${where(0)}); elements must be tensors, numbers, strings, typed or nested arrays, host arrays, or arrays / objects of them`);
}
