/**
 * Reading HDF5 (legacy Keras `.h5` files and the `model.weights.h5` inside a
 * `.keras` file) with jsfive: pure JavaScript, the same code in Node and
 * browsers, read-only, ~190 KB, loaded only when a Keras file is read.
 * Every failure becomes a `KerasImportError` naming the file and the object.
 */
import { KerasImportError, describe } from './errors.js';

/** A group: its member names and attributes, and members by relative path. */
export interface H5Group {
  readonly kind: 'group';
  readonly path: string;
  readonly keys: string[];
  attr(name: string): unknown;
  /** The member at `path` (relative), or undefined when there is none. */
  get(path: string): H5Group | H5Dataset | undefined;
  group(path: string): H5Group;
  dataset(path: string): H5Dataset;
}

export interface H5Dataset {
  readonly kind: 'dataset';
  readonly path: string;
  readonly shape: number[];
  /**
   * float32 data for floating-point datasets, int32 data for integer ones.
   * `generic` skips the direct read of contiguous float32 data (for tests).
   */
  read(opts?: { generic?: boolean }): Float32Array | Int32Array;
}

type Jsfive = typeof import('jsfive');
let jsfive: Promise<Jsfive> | undefined;

/** The HDF5 signature, at offset 0 (or 512, 1024, ... after a user block). */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function isHdf5(bytes: Uint8Array): boolean {
  for (let base = 0; base + SIGNATURE.length <= bytes.length; base = base === 0 ? 512 : base * 2) {
    if (SIGNATURE.every((b, i) => bytes[base + i] === b)) return true;
    if (base >= 1 << 20) break;
  }
  return false;
}

/**
 * The file size the superblock records (its end-of-file address plus base
 * address), or undefined for a layout not recognised. HDF5 files written by
 * h5py end exactly there, so a shorter file has been cut off.
 */
export function hdf5DeclaredSize(bytes: Uint8Array): number | undefined {
  let base = -1;
  for (let b = 0; b + 64 <= bytes.length && b <= 1 << 20; b = b === 0 ? 512 : b * 2) {
    if (SIGNATURE.every((x, i) => bytes[b + i] === x)) {
      base = b;
      break;
    }
  }
  if (base < 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[base + 8]!;
  // Versions 0/1: offsets size at +13, base address at +24 (+28 for v1), EOF two addresses on.
  // Versions 2/3: offsets size at +9, base address at +12, EOF two addresses on.
  const sizeOfOffsets = version <= 1 ? bytes[base + 13]! : bytes[base + 9]!;
  if (sizeOfOffsets !== 8) return undefined;
  const baseAt = base + (version === 0 ? 24 : version === 1 ? 28 : 12);
  if (version > 3 || baseAt + 24 > bytes.length) return undefined;
  const baseAddress = Number(view.getBigUint64(baseAt, true));
  const eof = Number(view.getBigUint64(baseAt + 16, true));
  return baseAddress + eof;
}

/** Opens an HDF5 file held in memory. `source` names it in errors. */
export async function openHdf5(bytes: Uint8Array, source: string): Promise<H5Group> {
  const declared = hdf5DeclaredSize(bytes);
  if (declared !== undefined && declared > bytes.length) {
    throw new KerasImportError(source, `is truncated: ${bytes.length} bytes, its HDF5 superblock records ${declared}`);
  }
  const lib = await (jsfive ??= import('jsfive'));
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);
  let file: InstanceType<Jsfive['File']>;
  try {
    file = new lib.File(buffer, source);
  } catch (e) {
    throw new KerasImportError(source, `not a readable HDF5 file (${describe(e)})`, { cause: e });
  }
  return wrapGroup(file, source, '/');
}

const isGroup = (o: unknown): o is import('jsfive').Group => typeof o === 'object' && o !== null && Array.isArray((o as { keys?: unknown }).keys);

function guard<T>(source: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof KerasImportError) throw e;
    throw new KerasImportError(source, `corrupt HDF5 data at ${what} (${describe(e)})`, { cause: e });
  }
}

function join(base: string, rel: string): string {
  return base === '/' ? `/${rel}` : `${base}/${rel}`;
}

function wrapGroup(g: import('jsfive').Group, source: string, path: string): H5Group {
  let attrs: Record<string, unknown> | undefined;
  const self: H5Group = {
    kind: 'group',
    path,
    get keys() {
      return guard(source, path, () => g.keys);
    },
    attr(name) {
      attrs ??= guard(source, `${path} (attributes)`, () => g.attrs);
      return attrs[name];
    },
    get(rel) {
      const p = join(path, rel);
      const o = guard(source, p, () => {
        try {
          return g.get(rel);
        } catch (e) {
          if (typeof e === 'string' && e.endsWith('not found in group')) return null;
          throw e;
        }
      });
      if (o === null || o === undefined) return undefined;
      return isGroup(o) ? wrapGroup(o, source, p) : wrapDataset(o as import('jsfive').Dataset, source, p);
    },
    group(rel) {
      const o = self.get(rel);
      if (o?.kind !== 'group') throw new KerasImportError(source, `no HDF5 group ${join(path, rel)}${o ? ' (it is a dataset)' : ''}`);
      return o;
    },
    dataset(rel) {
      const o = self.get(rel);
      if (o?.kind !== 'dataset') throw new KerasImportError(source, `no HDF5 dataset ${join(path, rel)}${o ? ' (it is a group)' : ''}`);
      return o;
    },
  };
  return self;
}

/** The part of jsfive's DataObjects the direct read uses (not public API: every use is guarded). */
interface DataObjectsInternals {
  fh: ArrayBuffer;
  filter_pipeline: unknown;
  find_msg_type(type: number): { get(key: string): number }[];
  _get_data_message_properties(offset: number): [number, number, number, number];
}

const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;
const DATA_LAYOUT_MESSAGE = 8;
const CONTIGUOUS = 1;

/**
 * Contiguous, unfiltered little-endian float32 data straight from the file's
 * bytes (what Keras writes), or undefined to take jsfive's general path,
 * which builds a JavaScript array element by element (~8x slower, 2x memory).
 */
function contiguousFloat32(d: import('jsfive').Dataset, n: number): Float32Array | undefined {
  try {
    const o = (d as unknown as { _dataobjects?: DataObjectsInternals })._dataobjects;
    if (!LITTLE_ENDIAN || !o || !(o.fh instanceof ArrayBuffer) || d.dtype !== '<f4' || o.filter_pipeline) return undefined;
    const msg = o.find_msg_type(DATA_LAYOUT_MESSAGE)[0];
    if (!msg) return undefined;
    const [, , layout, at] = o._get_data_message_properties(msg.get('offset_to_message'));
    if (layout !== CONTIGUOUS || at + 8 > o.fh.byteLength) return undefined;
    const address = new DataView(o.fh).getBigUint64(at, true);
    if (address === 0xffffffffffffffffn || address + BigInt(n * 4) > BigInt(o.fh.byteLength)) return undefined;
    return new Float32Array(o.fh.slice(Number(address), Number(address) + n * 4));
  } catch {
    return undefined;
  }
}

function wrapDataset(d: import('jsfive').Dataset, source: string, path: string): H5Dataset {
  const shape = guard(source, path, () => [...d.shape]);
  return {
    kind: 'dataset',
    path,
    shape,
    read(opts = {}) {
      const n = shape.reduce((a, b) => a * b, 1);
      const direct = opts.generic ? undefined : contiguousFloat32(d, n);
      if (direct) return direct;
      const dtype = guard(source, path, () => d.dtype);
      const m = typeof dtype === 'string' ? /^[<>=|]?([fiu])(\d+)$/.exec(dtype) : null;
      if (!m) throw new KerasImportError(source, `dataset ${path} has the HDF5 type ${JSON.stringify(dtype)}; expected floating-point or integer numbers`);
      const values = guard(source, path, () => d.value);
      if (!values || values.length !== n) {
        throw new KerasImportError(source, `dataset ${path} holds ${values?.length ?? 0} values for its shape [${shape.join(', ')}] (${n})`);
      }
      return m[1] === 'f' ? Float32Array.from(values) : Int32Array.from(values);
    },
  };
}
