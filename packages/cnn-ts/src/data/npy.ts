/**
 * NumPy `.npy` files (what the seed's `np.load` reads), parsed from bytes.
 *
 * Format (numpy.lib.format, NEP 1): magic `\x93NUMPY`, major and minor
 * version bytes, header length (uint16 LE in 1.0, uint32 LE in 2.0 / 3.0),
 * then a Python dict literal `{'descr': '<f4', 'fortran_order': False,
 * 'shape': (60000, 28, 28), }` padded with spaces and a newline, then the data.
 * Version 3.0 only changes the header's encoding to UTF-8.
 */

/** Element type of the returned array (int64 data comes back as int32, range-checked). */
export type NpyDtype = 'uint8' | 'bool' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

interface NpyCommon {
  /** The header's `descr`, e.g. `'<i8'` for an array returned as int32. */
  descr: string;
  shape: number[];
}

/** A parsed `.npy` array in C order; `bool` data holds 0 and 1. */
export type NpyArray = NpyCommon & NpyData;

/** The element type and values of a `.npy` array. */
export type NpyData =
  | { dtype: 'uint8' | 'bool'; data: Uint8Array }
  | { dtype: 'int8'; data: Int8Array }
  | { dtype: 'int16'; data: Int16Array }
  | { dtype: 'int32'; data: Int32Array }
  | { dtype: 'float32'; data: Float32Array }
  | { dtype: 'float64'; data: Float64Array };

/** descr without its byte-order character -> element type and size. */
const KINDS: ReadonlyMap<string, { dtype: NpyDtype; size: number }> = new Map([
  ['u1', { dtype: 'uint8', size: 1 }],
  ['b1', { dtype: 'bool', size: 1 }],
  ['i1', { dtype: 'int8', size: 1 }],
  ['i2', { dtype: 'int16', size: 2 }],
  ['i4', { dtype: 'int32', size: 4 }],
  ['i8', { dtype: 'int32', size: 8 }],
  ['f4', { dtype: 'float32', size: 4 }],
  ['f8', { dtype: 'float64', size: 8 }],
]);
const SUPPORTED = '|u1 |i1 <i2 <i4 <i8 <f4 <f8 |b1';
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

function readHeader(bytes: Uint8Array): Header {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    const got = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`NPY: bad magic number [${got}]; expected 93 4e 55 4d 50 59 ("\\x93NUMPY")${bytes.length < 10 ? ` in a file of at least 10 bytes (got ${bytes.length})` : ''}`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) {
    throw new Error(`NPY: unsupported format version ${major}.${minor}; expected 1.0, 2.0 or 3.0`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) {
    throw new Error(`NPY: version ${major}.${minor} preamble needs ${8 + lenBytes} bytes but the file has ${bytes.length}`);
  }
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (bytes.length < start + headerLen) {
    throw new Error(`NPY: header length field says ${headerLen} bytes but only ${bytes.length - start} bytes follow the preamble`);
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  return { ...parseDict(text), dataOffset: start + headerLen };
}

function parseDict(text: string): Omit<Header, 'dataOffset'> {
  const shown = text.trim();
  if (/['"]descr['"]\s*:\s*\[/.test(text)) {
    throw new Error(`NPY: structured dtypes are not supported; expected a plain descr (${SUPPORTED}) but the header is ${shown}`);
  }
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (descr === null || fortran === null || shape === null) {
    const missing = [descr === null && 'descr', fortran === null && 'fortran_order', shape === null && 'shape'].filter(Boolean).join(', ');
    throw new Error(`NPY: header dict lacks ${missing}; expected {'descr': ..., 'fortran_order': ..., 'shape': (...)} but got ${shown}`);
  }
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = dims.find((d) => !/^\d+L?$/.test(d));
  if (bad !== undefined) throw new Error(`NPY: shape (${shape[1]}) has a non-integer dimension '${bad}'`);
  return { descr: descr[1], fortranOrder: fortran[1] === 'True', shape: dims.map((d) => Number.parseInt(d, 10)) };
}

function describeShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * Parses a `.npy` file (format 1.0, 2.0 or 3.0) of dtype `|u1 |i1 <i2 <i4 <i8
 * <f4 <f8` or `|b1`, in C order. `<i8` data is returned as `Int32Array` (the
 * integer type tensors use) after checking every value fits. Fortran order,
 * big-endian, structured and other dtypes, a truncated file or a data length
 * that disagrees with the header's shape throw an `Error` naming expected and
 * actual values.
 *
 * @example
 * const { data, shape, dtype } = parseNpy(bytes); // Uint8Array, [50000, 32, 32, 3], 'uint8'
 */
export function parseNpy(bytes: Uint8Array): NpyArray {
  const h = parseNpyHeader(bytes);
  const n = h.shape.reduce((x, y) => x * y, 1);
  const expected = n * h.itemSize;
  const actual = bytes.length - h.dataOffset;
  if (expected !== actual) {
    throw new Error(`NPY: header says shape ${describeShape(h.shape)} of ${h.descr} (${expected} bytes) but the file has ${actual} bytes of data`);
  }
  return { descr: h.descr, shape: h.shape, ...decodeNpy(h, bytes.subarray(h.dataOffset)) };
}

/** A validated `.npy` header: what lazy readers need to read rows one at a time. */
export interface NpyHeader {
  descr: string;
  dtype: NpyDtype;
  /** Bytes per element in the file (8 for `<i8`, returned as int32). */
  itemSize: number;
  shape: number[];
  /** Offset of the first element. */
  dataOffset: number;
}

/**
 * Parses and validates the header at the start of `bytes` (which need not
 * hold the whole file); throws as {@link parseNpy} does for unsupported
 * versions, dtypes, byte orders and Fortran order.
 */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  const h = readHeader(bytes);
  const order = h.descr[0];
  const kind = KINDS.get(/^[<>|=]/.test(h.descr) ? h.descr.slice(1) : h.descr);
  if (kind === undefined) {
    throw new Error(`NPY: unsupported descr '${h.descr}'; expected one of ${SUPPORTED}`);
  }
  if (order === '>' && kind.size > 1) {
    throw new Error(`NPY: big-endian descr '${h.descr}' is not supported; expected little-endian '<${h.descr.slice(1)}' (save with arr.astype('<${h.descr.slice(1)}'))`);
  }
  if (h.fortranOrder) {
    throw new Error(`NPY: fortran_order is True (column-major) for shape ${describeShape(h.shape)}; expected C order (save np.ascontiguousarray(arr))`);
  }
  return { descr: h.descr, dtype: kind.dtype, itemSize: kind.size, shape: h.shape, dataOffset: h.dataOffset };
}

/** Decodes little-endian elements of `header`'s type filling `bytes` into a fresh typed array. */
export function decodeNpy(header: Pick<NpyHeader, 'dtype' | 'itemSize'>, bytes: Uint8Array): NpyData {
  const n = Math.floor(bytes.length / header.itemSize);
  const raw = bytes.slice(0, n * header.itemSize); // copy: aligned, and detached from the caller's buffer
  switch (header.dtype) {
    case 'uint8':
      return { dtype: 'uint8', data: raw };
    case 'bool':
      return { dtype: 'bool', data: raw.map((b) => (b === 0 ? 0 : 1)) };
    case 'int8':
      return { dtype: 'int8', data: new Int8Array(raw.buffer) };
    case 'int16':
      return { dtype: 'int16', data: HOST_LE ? new Int16Array(raw.buffer) : Int16Array.from({ length: n }, (_, i) => dv(raw).getInt16(2 * i, true)) };
    case 'float32':
      return { dtype: 'float32', data: HOST_LE ? new Float32Array(raw.buffer) : Float32Array.from({ length: n }, (_, i) => dv(raw).getFloat32(4 * i, true)) };
    case 'float64':
      return { dtype: 'float64', data: HOST_LE ? new Float64Array(raw.buffer) : Float64Array.from({ length: n }, (_, i) => dv(raw).getFloat64(8 * i, true)) };
    case 'int32':
      return { dtype: 'int32', data: header.itemSize === 8 ? int64ToInt32(raw, n) : HOST_LE ? new Int32Array(raw.buffer) : Int32Array.from({ length: n }, (_, i) => dv(raw).getInt32(4 * i, true)) };
  }
}

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Narrows little-endian int64 to int32; a value fits when the high word is the low word's sign extension. */
function int64ToInt32(raw: Uint8Array, n: number): Int32Array {
  const view = dv(raw);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const lo = view.getInt32(8 * i, true);
    const hi = view.getInt32(8 * i + 4, true);
    if (hi !== lo >> 31) {
      throw new Error(`NPY: <i8 element ${i} is ${view.getBigInt64(8 * i, true)}, outside the int32 range [-2147483648, 2147483647] that int64 data is converted to`);
    }
    out[i] = lo;
  }
  return out;
}

/**
 * Builds `.npy` (format 1.0) bytes for little-endian data; the inverse of
 * {@link parseNpy}, used by tests and tools.
 *
 * @param descr e.g. `'<f4'`, `'|u1'`; `data` must hold the raw little-endian bytes
 * @example
 * const bytes = encodeNpy('<f4', [2, 3], new Uint8Array(new Float32Array(6).buffer));
 */
export function encodeNpy(descr: string, shape: readonly number[], data: Uint8Array, fortranOrder = false): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}
