// CIFAR-10 binary batches -> NHWC, and the byte conversions.
import { describe, expect, it } from 'vitest';
import { parseCifar10Batch } from '../src/data/cifar.js';
import { toFloat32, toInt32 } from '../src/data/convert.js';

/** One record: label, then R plane = p % 256, G plane = 100 + ..., B = 200 + ... (mod 256). */
function record(label: number, seed: number): Uint8Array {
  const rec = new Uint8Array(3073);
  rec[0] = label;
  for (let p = 0; p < 1024; p++) {
    rec[1 + p] = (seed + p) % 256;
    rec[1 + 1024 + p] = (seed + 100 + p) % 256;
    rec[1 + 2048 + p] = (seed + 200 + p) % 256;
  }
  return rec;
}

describe('parseCifar10Batch', () => {
  it('2 records: labels, and planar RGB becomes NHWC [2,32,32,3]', () => {
    const bytes = new Uint8Array(2 * 3073);
    bytes.set(record(3, 0), 0);
    bytes.set(record(9, 7), 3073);
    const { images, labels, count } = parseCifar10Batch(bytes);
    expect(count).toBe(2);
    expect(Array.from(labels)).toEqual([3, 9]);
    expect(images.length).toBe(2 * 32 * 32 * 3);
    // image 0, row 0, col 1 -> pixel index 1
    expect(Array.from(images.subarray(3, 6))).toEqual([1, 101, 201]);
    // image 1, row 2, col 5 -> pixel index 69, seed 7
    const at = ((1 * 32 + 2) * 32 + 5) * 3;
    expect(Array.from(images.subarray(at, at + 3))).toEqual([76, 176, 276 % 256]);
  });

  it('a truncated batch says how many records and leftover bytes', () => {
    expect(() => parseCifar10Batch(new Uint8Array(3073 + 1000), 'data_batch_1.bin')).toThrow(
      'CIFAR-10 (data_batch_1.bin): expected a whole number of 3073-byte records (1 label + 3x1024 pixels) but the file has 4073 bytes: 1 records and 1000 bytes left over',
    );
  });

  it('an empty file is rejected', () => {
    expect(() => parseCifar10Batch(new Uint8Array(0))).toThrow('but the file has 0 bytes');
  });

  it('label 10 is outside CIFAR-10 classes', () => {
    const bytes = new Uint8Array(2 * 3073);
    bytes[3073] = 10;
    expect(() => parseCifar10Batch(bytes)).toThrow('CIFAR-10: record 1 has label 10; expected 0..9');
  });
});

describe('toFloat32 / toInt32', () => {
  it('every byte 0..255 scales to exactly float32(b / 255), like NumPy x / 255.0', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const x = toFloat32(bytes);
    for (let b = 0; b < 256; b++) expect(x[b]).toBe(Math.fround(b / 255));
    expect(x[255]).toBe(1);
  });

  it('custom scale 0.5', () => {
    expect(Array.from(toFloat32(Uint8Array.of(0, 1, 4), 0.5))).toEqual([0, 0.5, 2]);
  });

  it('non-finite scale is rejected', () => {
    expect(() => toFloat32(Uint8Array.of(1), Number.NaN)).toThrow('toFloat32: scale must be a finite number but got NaN');
  });

  it('toInt32 copies labels into an Int32Array', () => {
    const y = toInt32(Uint8Array.of(9, 0, 255));
    expect(y).toBeInstanceOf(Int32Array);
    expect(Array.from(y)).toEqual([9, 0, 255]);
  });
});
