/**
 * Weight bytes as the TF.js layers format stores them: each weight's
 * values little-endian in `weightSpecs` order, concatenated, split into
 * shards; quantised weights (uint8 / uint16 with scale and min, float16)
 * decode to float32.
 */
import type { Tensor } from '../tensor.js';
import { sizeFromShape } from '../util.js';
import type { WeightGroup, WeightsManifestEntry } from './types.js';

/** A tensor with the name it is saved under (TF.js `NamedTensor`). */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** Bytes per element of a stored (possibly quantised) weight. */
function storedBytes(spec: WeightsManifestEntry, where: string): number {
  const q = spec.quantization?.dtype;
  if (q === 'uint8') return 1;
  if (q === 'uint16' || q === 'float16') return 2;
  if (q !== undefined) throw new Error(`${where}: weight ${spec.name}: unknown quantization dtype '${q}'; expected uint8, uint16 or float16`);
  switch (spec.dtype) {
    case 'float32':
    case 'int32':
      return 4;
    case 'bool':
      return 1;
    case 'float16':
      return 2;
    default:
      throw new Error(`${where}: weight ${spec.name}: dtype '${spec.dtype}' is not supported; expected float32, int32, bool or float16`);
  }
}

/** Checks one manifest entry's shape and returns its byte length. */
export function specByteLength(spec: WeightsManifestEntry, where: string): number {
  if (typeof spec?.name !== 'string') throw new Error(`${where}: a weight entry has no name (${JSON.stringify(spec)})`);
  if (!Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${where}: weight ${spec.name} has an invalid shape ${JSON.stringify(spec.shape)}`);
  }
  const q = spec.quantization;
  if (q && (q.dtype === 'uint8' || q.dtype === 'uint16') && (typeof q.scale !== 'number' || typeof q.min !== 'number')) {
    throw new Error(`${where}: weight ${spec.name}: ${q.dtype} quantization needs numeric scale and min, got ${JSON.stringify(q)}`);
  }
  return sizeFromShape(spec.shape) * storedBytes(spec, where);
}

/** IEEE half -> float, through a table of the 65,536 values. */
let halfTable: Float32Array | undefined;
function halfToFloat(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    t[h] = e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * 2 ** (e - 15);
  }
  halfTable = t;
  return t;
}

/** float -> IEEE half, rounded to nearest even. */
export function floatsToHalf(v: Float32Array): Uint16Array {
  const out = new Uint16Array(v.length);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < v.length; i++) {
    f32[0] = v[i];
    const x = u32[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let h = mant >> shift;
      const rem = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && h & 1)) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
    out[i] = sign | h;
  }
  return out;
}

/**
 * The values of one weight as float32 (the core's storage type), from its
 * stored bytes. Float32 data is copied to a buffer of its own unless `copy`
 * is false and the bytes are 4-aligned (a view then: for an inline core,
 * which copies on upload; a worker core takes the buffer).
 */
export function decodeWeight(bytes: Uint8Array, spec: WeightsManifestEntry, copy = true): Float32Array {
  const n = sizeFromShape(spec.shape);
  const q = spec.quantization;
  if (!copy && !q && spec.dtype === 'float32' && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
  if (q) {
    if (q.dtype === 'float16') return decodeHalf(bytes, n);
    const scale = q.scale;
    const min = q.min;
    if (typeof scale !== 'number' || typeof min !== 'number') throw new Error(`weight ${spec.name}: ${q.dtype} quantization needs numeric scale and min, got ${JSON.stringify(q)}`);
    const src = q.dtype === 'uint8' ? bytes : new Uint16Array(copyAligned(bytes, 2 * n));
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = src[i] * scale + min;
    return out;
  }
  switch (spec.dtype) {
    case 'float32':
      return new Float32Array(copyAligned(bytes, 4 * n));
    case 'int32':
      return Float32Array.from(new Int32Array(copyAligned(bytes, 4 * n)));
    case 'bool':
      return Float32Array.from(bytes.subarray(0, n));
    case 'float16':
      return decodeHalf(bytes, n);
    default:
      throw new Error(`weight ${spec.name}: dtype '${spec.dtype}' is not supported`);
  }
}

function decodeHalf(bytes: Uint8Array, n: number): Float32Array {
  const t = halfToFloat();
  const h = new Uint16Array(copyAligned(bytes, 2 * n));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = t[h[i]];
  return out;
}

function copyAligned(bytes: Uint8Array, length: number): ArrayBuffer {
  const buf = new ArrayBuffer(length);
  new Uint8Array(buf).set(bytes.subarray(0, length));
  return buf;
}

/** One contiguous view of the weight data (one buffer, or a list of shard buffers). */
export function joinBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  if (data.length === 1) return new Uint8Array(data[0]);
  const out = new Uint8Array(data.reduce((s, b) => s + b.byteLength, 0));
  let o = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out;
}

/**
 * Splits the weight bytes by spec, without joining the shards (a weight
 * that spans two shards is copied out); checks that they add up exactly
 * (a short or long file is an error naming the weight that does not fit).
 */
export function splitWeights(data: ArrayBuffer | ArrayBuffer[], specs: WeightsManifestEntry[], where: string): Map<WeightsManifestEntry, Uint8Array> {
  const shards = (Array.isArray(data) ? data : [data]).map((b) => new Uint8Array(b));
  const total = shards.reduce((s, b) => s + b.byteLength, 0);
  const out = new Map<WeightsManifestEntry, Uint8Array>();
  let shard = 0;
  let pos = 0; // offset inside shards[shard]
  let offset = 0;
  for (const spec of specs) {
    const len = specByteLength(spec, where);
    if (offset + len > total) {
      throw new Error(`${where}: the weight files hold ${total} bytes, but the manifest needs ${specs.reduce((s, w) => s + specByteLength(w, where), 0)}; weight ${spec.name} (shape [${spec.shape.join(',')}], ${spec.quantization?.dtype ?? spec.dtype}) runs past the end (a missing or truncated shard, or a manifest that does not match the files)`);
    }
    while (shard < shards.length && pos === shards[shard].byteLength && len > 0) {
      shard++;
      pos = 0;
    }
    if (len === 0) out.set(spec, new Uint8Array(0));
    else if (pos + len <= shards[shard].byteLength) {
      out.set(spec, shards[shard].subarray(pos, pos + len));
      pos += len;
    } else {
      const buf = new Uint8Array(len);
      let got = 0;
      while (got < len) {
        if (pos === shards[shard].byteLength) {
          shard++;
          pos = 0;
          continue;
        }
        const n = Math.min(len - got, shards[shard].byteLength - pos);
        buf.set(shards[shard].subarray(pos, pos + n), got);
        got += n;
        pos += n;
      }
      out.set(spec, buf);
    }
    offset += len;
  }
  if (offset !== total) {
    throw new Error(`${where}: the weight files hold ${total} bytes, but the manifest describes ${offset}; the shapes or dtypes in the manifest do not match the files`);
  }
  return out;
}

/**
 * Reads tensors and concatenates their bytes (TF.js `io.encodeWeights`);
 * `quantize: 'float16'` stores float32 weights as halves. The output is
 * allocated once and each tensor's values are copied in as they are read,
 * so the extra memory is the output plus one tensor.
 */
export async function encodeWeights(named: NamedTensor[], group?: WeightGroup, quantize?: 'float16'): Promise<{ data: ArrayBuffer; specs: WeightsManifestEntry[] }> {
  const specs: WeightsManifestEntry[] = named.map(({ name, tensor }) => {
    const spec: WeightsManifestEntry = { name, shape: [...tensor.shape], dtype: tensor.dtype === 'int32' ? 'int32' : tensor.dtype === 'bool' ? 'bool' : 'float32' };
    if (group) spec.group = group;
    if (quantize === 'float16' && spec.dtype === 'float32') spec.quantization = { dtype: 'float16' };
    return spec;
  });
  const sizes = specs.map((s) => specByteLength(s, 'encodeWeights'));
  const out = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  let o = 0;
  for (let i = 0; i < named.length; i++) {
    const spec = specs[i];
    const values = (await named[i].tensor.data()) as ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
    let bytes: Uint8Array;
    if (spec.dtype === 'int32') bytes = new Uint8Array(Int32Array.from(values).buffer);
    else if (spec.dtype === 'bool') bytes = Uint8Array.from(values);
    else if (spec.quantization) bytes = new Uint8Array(floatsToHalf(values as Float32Array).buffer);
    else bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    out.set(bytes, o);
    o += sizes[i];
  }
  return { data: out.buffer, specs };
}

/**
 * As `encodeWeights`, but the bytes stay one buffer per weight (no
 * concatenation: file:// writes the shards from these directly).
 */
export async function encodeWeightParts(named: NamedTensor[], group?: WeightGroup, quantize?: 'float16'): Promise<{ data: ArrayBuffer[]; specs: WeightsManifestEntry[] }> {
  const specs: WeightsManifestEntry[] = [];
  const data: ArrayBuffer[] = [];
  for (const { name, tensor } of named) {
    const spec: WeightsManifestEntry = { name, shape: [...tensor.shape], dtype: 'float32' };
    if (group) spec.group = group;
    if (tensor.dtype !== 'float32') {
      const one = await encodeWeights([{ name, tensor }], group, quantize);
      specs.push(...one.specs);
      data.push(one.data);
      continue;
    }
    const values = (await tensor.data()) as Float32Array;
    if (quantize === 'float16') {
      spec.quantization = { dtype: 'float16' };
      data.push(floatsToHalf(values).buffer as ArrayBuffer);
    } else data.push(values.byteOffset === 0 && values.byteLength === values.buffer.byteLength ? (values.buffer as ArrayBuffer) : (values.slice().buffer as ArrayBuffer));
    specs.push(spec);
  }
  return { data, specs };
}

/** The pieces of `parts` (concatenated) that cover bytes [start, end). */
export function slicesOf(parts: ArrayBuffer[], start: number, end: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  for (const p of parts) {
    const s = Math.max(start, o);
    const e = Math.min(end, o + p.byteLength);
    if (s < e) out.push(new Uint8Array(p, s - o, e - s));
    o += p.byteLength;
    if (o >= end) break;
  }
  return out;
}

/** Byte ranges of the shards of `total` bytes (4 MiB each by default, as tensorflowjs_converter). */
export function shardRanges(total: number, shardSize = 4 * 1024 * 1024): [number, number][] {
  if (!(shardSize > 0)) throw new Error(`save: shardSizeBytes must be positive, got ${shardSize}`);
  const out: [number, number][] = [];
  for (let s = 0; s < total; s += shardSize) out.push([s, Math.min(total, s + shardSize)]);
  return out;
}

/** `group1-shard1of3.bin`, ... */
export function shardNames(count: number, group = 1): string[] {
  return Array.from({ length: count }, (_, i) => `group${group}-shard${i + 1}of${count}.bin`);
}
