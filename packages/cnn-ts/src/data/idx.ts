/**
 * IDX files (the MNIST / Fashion-MNIST container), parsed from bytes so the
 * same code runs in browsers and Node.
 *
 * Format (http://yann.lecun.com/exdb/mnist/, "file formats"): a 4-byte magic
 * `00 00 <dtype> <ndim>`, then `ndim` big-endian uint32 dimension sizes, then
 * the elements in C order, multi-byte types big-endian.
 * dtype codes: 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double.
 */
import { gunzip, isGzip } from './gzip.js';

/** Element type of an IDX file, by the name TypedArray users know. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX file; `data` is in C order and `shape` comes from the header. */
export type IdxArray =
  | { dtype: 'uint8'; shape: number[]; data: Uint8Array }
  | { dtype: 'int8'; shape: number[]; data: Int8Array }
  | { dtype: 'int16'; shape: number[]; data: Int16Array }
  | { dtype: 'int32'; shape: number[]; data: Int32Array }
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'float64'; shape: number[]; data: Float64Array };

/** Images from an IDX3 ubyte file: `count` images of `rows` x `cols`, row-major. */
export interface IdxImages {
  /** Pixel bytes, `[count, rows, cols]` in C order. */
  images: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

const DTYPES: ReadonlyMap<number, { dtype: IdxDtype; size: number }> = new Map([
  [0x08, { dtype: 'uint8', size: 1 }],
  [0x09, { dtype: 'int8', size: 1 }],
  [0x0b, { dtype: 'int16', size: 2 }],
  [0x0c, { dtype: 'int32', size: 4 }],
  [0x0d, { dtype: 'float32', size: 4 }],
  [0x0e, { dtype: 'float64', size: 8 }],
]);

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0').toUpperCase()}`;

function prefix(name: string | undefined, kind = 'IDX'): string {
  return name === undefined ? kind : `${kind} (${name})`;
}

function describe(shape: readonly number[], dtype: IdxDtype): string {
  const of = dtype === 'uint8' ? '' : ` of ${dtype}`;
  if (shape.length === 3) return `${shape[0]} images of ${shape[1]}x${shape[2]}${of}`;
  if (shape.length === 1) return `${shape[0]} labels${of}`;
  return `shape [${shape.join(', ')}]${dtype === 'uint8' ? ' of uint8' : of}`;
}

/**
 * Parses an uncompressed IDX file of any element type.
 * Throws an `Error` naming the format, the expected and the actual value for
 * gzip input (decompress first, or use {@link parseIdxAsync}), a bad magic
 * number, an unknown dtype byte, a truncated header, or a data length that
 * disagrees with the header's dimensions.
 *
 * @param name shown in error messages, e.g. the file name
 * @example
 * const { shape, data } = parseIdx(bytes); // shape [60000, 28, 28], data Uint8Array
 */
export function parseIdx(bytes: Uint8Array, name?: string): IdxArray {
  const h = parseIdxHeader(bytes, name);
  const count = h.shape.reduce((a, b) => a * b, 1);
  const expected = count * h.itemSize;
  const actual = bytes.length - h.headerLength;
  if (expected !== actual) {
    throw new Error(`${prefix(name)}: header says ${describe(h.shape, h.dtype)} (${expected} bytes) but the file has ${actual} bytes of data`);
  }
  return decodeIdx(h.dtype, h.shape, bytes.subarray(h.headerLength));
}

/** The header of an IDX file: element type and size, dimensions, where the data starts. */
export interface IdxHeader {
  dtype: IdxDtype;
  /** Bytes per element. */
  itemSize: number;
  shape: number[];
  /** Offset of the first element: 4 + 4 * ndim. */
  headerLength: number;
}

/**
 * Parses the header at the start of `bytes` (which need not hold the
 * whole file): what lazy readers use to read records one at a time.
 * Throws as {@link parseIdx} does for gzip data, a bad magic number, an
 * unknown dtype byte or a truncated header.
 */
export function parseIdxHeader(bytes: Uint8Array, name?: string): IdxHeader {
  const p = prefix(name);
  if (isGzip(bytes)) {
    throw new Error(`${p}: data is gzip-compressed (starts with 1f 8b); expected raw IDX starting with 00 00 — decompress it first (parseIdxAsync or readIdxFile do)`);
  }
  if (bytes.length < 4) {
    throw new Error(`${p}: file is ${bytes.length} bytes, shorter than the 4-byte magic number 00 00 <dtype> <ndim>`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const got = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${p}: bad magic number ${got}; expected 00 00 <dtype> <ndim>`);
  }
  const type = DTYPES.get(bytes[2]);
  if (type === undefined) {
    const known = [...DTYPES].map(([code, t]) => `${hex(code)} (${t.dtype})`).join(', ');
    throw new Error(`${p}: unknown dtype byte ${hex(bytes[2])}; expected one of ${known}`);
  }
  const ndim = bytes[3];
  if (ndim === 0) throw new Error(`${p}: header has 0 dimensions; expected at least 1`);
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) {
    throw new Error(`${p}: header with ${ndim} dimensions needs ${headerLength} bytes but the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d, false));
  return { dtype: type.dtype, itemSize: type.size, shape, headerLength };
}

/** Decodes big-endian IDX elements (`shape`'s worth, from the start of `bytes`) into a fresh typed array. */
export function decodeIdx(dtype: IdxDtype, shape: number[], bytes: Uint8Array): IdxArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return decode(dtype, shape, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, n);
}

function decode(dtype: IdxDtype, shape: number[], view: DataView, off: number, n: number): IdxArray {
  switch (dtype) {
    case 'uint8':
      return { dtype, shape, data: new Uint8Array(view.buffer, view.byteOffset + off, n).slice() };
    case 'int8':
      return { dtype, shape, data: new Int8Array(view.buffer, view.byteOffset + off, n).slice() };
    case 'int16': {
      const data = new Int16Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getInt16(off + 2 * i, false);
      return { dtype, shape, data };
    }
    case 'int32': {
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getInt32(off + 4 * i, false);
      return { dtype, shape, data };
    }
    case 'float32': {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(off + 4 * i, false);
      return { dtype, shape, data };
    }
    case 'float64': {
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getFloat64(off + 8 * i, false);
      return { dtype, shape, data };
    }
  }
}

/**
 * Parses an IDX3 image file (`[count, rows, cols]`, dtype 0x08 ubyte), as in
 * `train-images-idx3-ubyte`. Rejects other dtypes and ranks with the expected
 * and actual values in the message.
 *
 * @example
 * const { images, count, rows, cols } = parseIdxImages(bytes); // 60000, 28, 28
 */
export function parseIdxImages(bytes: Uint8Array, name?: string): IdxImages {
  const arr = parseIdx(bytes, name);
  const p = prefix(name, 'IDX images');
  if (arr.dtype !== 'uint8') {
    throw new Error(`${p}: expected dtype 0x08 (uint8) but the header has ${hex(bytes[2])} (${arr.dtype})`);
  }
  if (arr.shape.length !== 3) {
    const hint = arr.shape.length === 1 ? ' (is this a label file?)' : '';
    throw new Error(`${p}: expected 3 dimensions [count, rows, cols] but the header has ${arr.shape.length}: [${arr.shape.join(', ')}]${hint}`);
  }
  const [count, rows, cols] = arr.shape;
  return { images: arr.data, count, rows, cols };
}

/**
 * Parses an IDX1 label file (`[count]`, dtype 0x08 ubyte), as in
 * `train-labels-idx1-ubyte`.
 *
 * @example
 * const labels = parseIdxLabels(bytes); // Uint8Array of 60000 class ids
 */
export function parseIdxLabels(bytes: Uint8Array, name?: string): Uint8Array {
  const arr = parseIdx(bytes, name);
  const p = prefix(name, 'IDX labels');
  if (arr.dtype !== 'uint8') {
    throw new Error(`${p}: expected dtype 0x08 (uint8) but the header has ${hex(bytes[2])} (${arr.dtype})`);
  }
  if (arr.shape.length !== 1) {
    throw new Error(`${p}: expected 1 dimension [count] but the header has ${arr.shape.length}: [${arr.shape.join(', ')}]`);
  }
  return arr.data;
}

/**
 * Like {@link parseIdx} but also accepts gzip-compressed bytes, decompressed
 * with `DecompressionStream` (browsers and Node).
 *
 * @example
 * const res = await fetch('t10k-labels-idx1-ubyte.gz');
 * const labels = await parseIdxAsync(new Uint8Array(await res.arrayBuffer()));
 */
export async function parseIdxAsync(bytes: Uint8Array, name?: string): Promise<IdxArray> {
  return parseIdx(await gunzip(bytes, prefix(name)), name);
}

/**
 * Builds IDX bytes from a shape and uint8 data: the inverse of
 * {@link parseIdx} for dtype 0x08, used to write subsets and test files.
 *
 * @example
 * const bytes = encodeIdxUint8([2, 28, 28], pixels);
 */
export function encodeIdxUint8(shape: readonly number[], data: Uint8Array): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new Error(`IDX: shape [${shape.join(', ')}] has ${count} elements but the data has ${data.length}`);
  }
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}
