/** Shape helpers shared by every op: sizes, broadcasting, axes, checks. */
import type { DataType, NestedArray, TensorLike, TypedArray } from './types.js';

export function sizeFromShape(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function fmtShape(s: readonly number[]): string {
  return `[${s.join(',')}]`;
}

/** An argument as JSON for messages, but NaN and ±Infinity as themselves (JSON would show `null`). */
export function fmtValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v, (_, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? `\u0000${x}\u0000` : x));
  return s === undefined ? String(v) : s.replace(/"\\u0000(.*?)\\u0000"/g, '$1');
}

/** Throws `Error in <op>: <message>` (TF.js's style) unless `cond`. */
export function assert(cond: boolean, op: string, message: () => string): asserts cond {
  if (!cond) throw new Error(`Error in ${op}: ${message()}`);
}

export function assertShape(shape: readonly number[], op: string): void {
  for (const d of shape) {
    assert(Number.isInteger(d) && d >= 0, op, () => `shape ${fmtShape(shape)} must contain non-negative integers`);
  }
  assertSize(shape, op);
}

/**
 * Most elements one tensor may hold: 2^30 - 1 float32 (4 GiB, all of the
 * wasm32 address space). The core checks the same limit; checking it here
 * too fails at the call, before anything is allocated or sent.
 */
export const MAX_ELEMENTS = 2 ** 30 - 1;

/** Throws naming `op`, the shape, its element count and the limit if `shape` is too big for one buffer. */
export function assertSize(shape: readonly number[], op: string): void {
  const n = sizeFromShape(shape);
  assert(n <= MAX_ELEMENTS, op, () => `shape ${fmtShape(shape)} has ${n} elements (${fmtMiB(n)} of float32), more than the limit of ${MAX_ELEMENTS} elements per tensor (4 GiB, the wasm32 address space)`);
}

/** `n` float32 as MiB with thousands separators (`6,103 MiB`). */
export function fmtMiB(n: number): string {
  return `${Math.floor((n * 4) / 2 ** 20).toLocaleString('en-US')} MiB`;
}

/** The dtypes there are; anything else (`'float16'`, `'complex64'`) is an error at the call. */
export function assertDtype(dtype: unknown, op: string): asserts dtype is DataType {
  assert(dtype === 'float32' || dtype === 'int32' || dtype === 'bool', op, () => `unknown dtype ${JSON.stringify(dtype) ?? String(dtype)}, expected 'float32', 'int32' or 'bool'`);
}

/** NumPy/TF broadcast of two shapes, or an error naming the op. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    assert(da === db || da === 1 || db === 1, op, () => `operands could not be broadcast together with shapes ${fmtShape(a)} and ${fmtShape(b)}`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Axes of `out` that `input` was broadcast along (to sum a gradient over). */
export function broadcastAxes(input: readonly number[], out: readonly number[]): number[] {
  const axes: number[] = [];
  const off = out.length - input.length;
  for (let i = 0; i < out.length; i++) {
    const d = i < off ? 1 : input[i - off];
    if (d === 1 && out[i] !== 1) axes.push(i);
  }
  return axes;
}

/** Normalises `axis` (number, list or undefined = all) against `rank`; sorted, unique. */
export function parseAxes(axis: number | number[] | undefined, rank: number, op: string): number[] {
  const list = axis === undefined ? Array.from({ length: rank }, (_, i) => i) : Array.isArray(axis) ? axis : [axis];
  const out = list.map((a) => {
    assert(Number.isInteger(a) && a >= -rank && a < Math.max(rank, 1), op, () => `axis ${a} is out of range for a tensor of rank ${rank}`);
    return a < 0 ? a + rank : a;
  });
  return [...new Set(out)].sort((x, y) => x - y);
}

/** Infers the shape of nested arrays (rectangular, or an error). */
export function inferShape(v: TensorLike, op: string): number[] {
  if (ArrayBuffer.isView(v)) return [v.length];
  if (!Array.isArray(v)) return [];
  const shape: number[] = [];
  let cur: unknown = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  const check = (x: unknown, depth: number): void => {
    if (depth === shape.length) {
      assert(!Array.isArray(x), op, () => `values are not rectangular: expected depth ${shape.length}`);
      return;
    }
    assert(Array.isArray(x) && x.length === shape[depth], op, () => `values are not rectangular at depth ${depth}: expected ${shape[depth]} elements`);
    for (const e of x as unknown[]) check(e, depth + 1);
  };
  check(v, 0);
  return shape;
}

/** Flattens nested arrays / typed arrays / scalars into a Float32Array. */
export function flattenValues(v: TensorLike): Float32Array {
  if (v instanceof Float32Array) return v.slice();
  if (ArrayBuffer.isView(v)) return Float32Array.from(v as ArrayLike<number>);
  if (!Array.isArray(v)) return Float32Array.of(Number(v));
  const out: number[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) for (const e of x) walk(e);
    else out.push(Number(x));
  };
  walk(v);
  return Float32Array.from(out);
}

/** Converts stored f32 values to the array type of `dtype`. */
export function toDtypeArray(values: Float32Array, dtype: DataType): TypedArray {
  if (dtype === 'float32') return values;
  if (dtype === 'int32') return Int32Array.from(values, (x) => Math.trunc(x));
  return Uint8Array.from(values, (x) => (x !== 0 ? 1 : 0));
}

/** Rebuilds nested arrays of `shape` from flat values. */
export function toNested(values: ArrayLike<number>, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return values[0];
  const build = (offset: number, dim: number): NestedArray[] => {
    const n = shape[dim];
    const stride = sizeFromShape(shape.slice(dim + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) out.push(dim === shape.length - 1 ? values[offset + i] : build(offset + i * stride, dim + 1));
    return out;
  };
  return build(0, 0);
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
