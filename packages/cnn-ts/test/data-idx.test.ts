// IDX parser: real-format round trips and every malformed-header case,
// with files built in memory.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdxUint8, parseIdx, parseIdxAsync, parseIdxImages, parseIdxLabels } from '../src/data/idx.js';

/** Header bytes: 00 00 dtype ndim, then big-endian dims. */
function header(dtype: number, dims: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  out[2] = dtype;
  out[3] = dims.length;
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
  return out;
}
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
};
const arange = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i % 256);

describe('parseIdx: valid files', () => {
  it('images [2,3,4] ubyte: shape and C-order data', () => {
    const bytes = concat(header(0x08, [2, 3, 4]), arange(24));
    const { images, count, rows, cols } = parseIdxImages(bytes);
    expect([count, rows, cols]).toEqual([2, 3, 4]);
    expect(Array.from(images)).toEqual(Array.from(arange(24)));
  });

  it('labels [5] ubyte', () => {
    expect(Array.from(parseIdxLabels(concat(header(0x08, [5]), Uint8Array.of(9, 0, 3, 1, 7))))).toEqual([9, 0, 3, 1, 7]);
  });

  it('int16 / int32 / float32 / float64 big-endian elements', () => {
    const i16 = new Uint8Array(4); new DataView(i16.buffer).setInt16(0, -2, false); new DataView(i16.buffer).setInt16(2, 300, false);
    expect(parseIdx(concat(header(0x0b, [2]), i16))).toMatchObject({ dtype: 'int16', data: Int16Array.of(-2, 300) });
    const i32 = new Uint8Array(4); new DataView(i32.buffer).setInt32(0, -70000, false);
    expect(parseIdx(concat(header(0x0c, [1]), i32))).toMatchObject({ dtype: 'int32', data: Int32Array.of(-70000) });
    const f32 = new Uint8Array(8); new DataView(f32.buffer).setFloat32(0, 1.5, false); new DataView(f32.buffer).setFloat32(4, -0.25, false);
    expect(parseIdx(concat(header(0x0d, [1, 2]), f32))).toMatchObject({ dtype: 'float32', shape: [1, 2], data: Float32Array.of(1.5, -0.25) });
    const f64 = new Uint8Array(8); new DataView(f64.buffer).setFloat64(0, Math.PI, false);
    expect(parseIdx(concat(header(0x0e, [1]), f64))).toMatchObject({ dtype: 'float64', data: Float64Array.of(Math.PI) });
  });

  it('int8 keeps the sign', () => {
    expect(parseIdx(concat(header(0x09, [2]), Uint8Array.of(0xff, 0x7f)))).toMatchObject({ dtype: 'int8', data: Int8Array.of(-1, 127) });
  });

  it('a view into a larger buffer at an odd offset parses the view only', () => {
    const file = concat(header(0x08, [3]), Uint8Array.of(4, 5, 6));
    const big = new Uint8Array(file.length + 8);
    big.set(file, 3);
    expect(Array.from(parseIdxLabels(big.subarray(3, 3 + file.length)))).toEqual([4, 5, 6]);
  });

  it('encodeIdxUint8 round-trips through parseIdx', () => {
    const arr = parseIdx(encodeIdxUint8([2, 2, 2], arange(8)));
    expect(arr.shape).toEqual([2, 2, 2]);
    expect(Array.from(arr.data)).toEqual(Array.from(arange(8)));
  });

  it('parseIdxAsync decompresses gzip with DecompressionStream', async () => {
    const raw = concat(header(0x08, [4]), Uint8Array.of(1, 2, 3, 4));
    const arr = await parseIdxAsync(new Uint8Array(gzipSync(raw)));
    expect(Array.from(arr.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from((await parseIdxAsync(raw)).data)).toEqual([1, 2, 3, 4]);
  });
});

describe('parseIdx: malformed files name the format, expected and actual', () => {
  it('header says 60000 images of 28x28 but 1000 data bytes follow', () => {
    const bytes = concat(header(0x08, [60000, 28, 28]), new Uint8Array(1000));
    expect(() => parseIdx(bytes)).toThrow('IDX: header says 60000 images of 28x28 (47040000 bytes) but the file has 1000 bytes of data');
  });

  it('more data than the header says is rejected too', () => {
    expect(() => parseIdx(concat(header(0x08, [3]), new Uint8Array(5)))).toThrow('IDX: header says 3 labels (3 bytes) but the file has 5 bytes of data');
  });

  it('float32 size mismatch reports bytes of 4-byte elements', () => {
    expect(() => parseIdx(concat(header(0x0d, [2, 3]), new Uint8Array(20)))).toThrow('IDX: header says shape [2, 3] of float32 (24 bytes) but the file has 20 bytes of data');
  });

  it('wrong magic (first two bytes not zero)', () => {
    expect(() => parseIdx(Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0, 0, 0))).toThrow('IDX: bad magic number 50 4b 03 04; expected 00 00 <dtype> <ndim>');
  });

  it('gzip given to the sync parser says to decompress first', () => {
    expect(() => parseIdx(new Uint8Array(gzipSync(Uint8Array.of(0, 0, 8, 1))))).toThrow(/IDX: data is gzip-compressed .* decompress it first/);
  });

  it('unknown dtype byte 0x07', () => {
    expect(() => parseIdx(concat(header(0x07, [1]), Uint8Array.of(0)))).toThrow(/IDX: unknown dtype byte 0x07; expected one of 0x08 \(uint8\), 0x09 \(int8\)/);
  });

  it('file shorter than the magic', () => {
    expect(() => parseIdx(Uint8Array.of(0, 0))).toThrow('IDX: file is 2 bytes, shorter than the 4-byte magic number');
  });

  it('header truncated inside the dimensions', () => {
    expect(() => parseIdx(header(0x08, [60000, 28, 28]).subarray(0, 10))).toThrow('IDX: header with 3 dimensions needs 16 bytes but the file has 10');
  });

  it('zero dimensions', () => {
    expect(() => parseIdx(Uint8Array.of(0, 0, 8, 0))).toThrow('IDX: header has 0 dimensions; expected at least 1');
  });

  it('image parser rejects float32 dtype', () => {
    expect(() => parseIdxImages(concat(header(0x0d, [1, 1, 1]), new Uint8Array(4)), 'x.idx')).toThrow('IDX images (x.idx): expected dtype 0x08 (uint8) but the header has 0x0D (float32)');
  });

  it('image parser given a label file hints at it', () => {
    expect(() => parseIdxImages(concat(header(0x08, [2]), new Uint8Array(2)))).toThrow('IDX images: expected 3 dimensions [count, rows, cols] but the header has 1: [2] (is this a label file?)');
  });

  it('label parser rejects an image file', () => {
    expect(() => parseIdxLabels(concat(header(0x08, [1, 2, 2]), new Uint8Array(4)))).toThrow('IDX labels: expected 1 dimension [count] but the header has 3: [1, 2, 2]');
  });

  it('truncated gzip stream fails with a gzip message', async () => {
    const gz = new Uint8Array(gzipSync(concat(header(0x08, [100]), arange(100))));
    await expect(parseIdxAsync(gz.subarray(0, gz.length - 12), 'f.gz')).rejects.toThrow(/IDX \(f\.gz\): gzip data of \d+ bytes is corrupt or truncated/);
  });
});
