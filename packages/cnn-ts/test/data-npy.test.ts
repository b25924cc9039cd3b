// .npy parser against files NumPy wrote (fixtures/npy, made by
// make-npy-fixtures.py beside them) and against in-memory malformed files.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy } from '../src/data/npy.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./fixtures/npy/${name}`, import.meta.url)));

describe('parseNpy: files written by NumPy', () => {
  const cases: [string, string, number[]][] = [
    ['u1_2x3.npy', 'uint8', [0, 1, 2, 3, 4, 5]],
    ['i1_2x3.npy', 'int8', [-3, -2, -1, 0, 1, 2]],
    ['i2_2x3.npy', 'int16', [0, -1000, -2000, -3000, -4000, -5000]],
    ['i4_2x3.npy', 'int32', [0, -100000, -200000, -300000, -400000, -500000]],
    ['i8_2x3.npy', 'int32', [0, -100000, -200000, -300000, -400000, -500000]],
    ['f4_2x3.npy', 'float32', [0, 0.25, 0.5, 0.75, 1, 1.25]],
    ['f8_2x3.npy', 'float64', [0, 1 / 3, 2 / 3, 1, 4 / 3, 5 / 3]],
    ['b1_2x3.npy', 'bool', [0, 1, 0, 1, 0, 1]],
    ['f4_2x3_v2.npy', 'float32', [0, 0.25, 0.5, 0.75, 1, 1.25]],
    ['f4_2x3_v3.npy', 'float32', [0, 0.25, 0.5, 0.75, 1, 1.25]],
  ];
  for (const [file, dtype, values] of cases) {
    it(`${file}: dtype ${dtype}, shape [2, 3], arange values`, () => {
      const arr = parseNpy(fixture(file));
      expect(arr.dtype).toBe(dtype);
      expect(arr.shape).toEqual([2, 3]);
      expect(Array.from(arr.data)).toEqual(values);
    });
  }

  it('typed array classes per dtype: <i8 comes back as Int32Array, <f4 as Float32Array', () => {
    expect(parseNpy(fixture('i8_2x3.npy')).data).toBeInstanceOf(Int32Array);
    expect(parseNpy(fixture('i8_2x3.npy')).descr).toBe('<i8');
    expect(parseNpy(fixture('f4_2x3.npy')).data).toBeInstanceOf(Float32Array);
    expect(parseNpy(fixture('u1_2x3.npy')).descr).toBe('|u1');
  });

  it('0-d scalar: shape [] and one element', () => {
    const arr = parseNpy(fixture('f4_scalar.npy'));
    expect(arr.shape).toEqual([]);
    expect(Array.from(arr.data)).toEqual([2.5]);
  });

  it('1-d shape (5,)', () => {
    expect(parseNpy(fixture('u1_5.npy')).shape).toEqual([5]);
  });
});

describe('parseNpy: rejected files say why', () => {
  it('fortran order', () => {
    expect(() => parseNpy(fixture('f4_2x3_fortran.npy'))).toThrow('NPY: fortran_order is True (column-major) for shape (2, 3); expected C order');
  });

  it('big-endian descr', () => {
    expect(() => parseNpy(fixture('f4_2x3_bigendian.npy'))).toThrow("NPY: big-endian descr '>f4' is not supported; expected little-endian '<f4'");
  });

  it('unknown descr <c8 (complex64)', () => {
    expect(() => parseNpy(fixture('c8_2.npy'))).toThrow("NPY: unsupported descr '<c8'; expected one of |u1 |i1 <i2 <i4 <i8 <f4 <f8 |b1");
  });

  it('int64 value outside int32', () => {
    expect(() => parseNpy(fixture('i8_overflow.npy'))).toThrow('NPY: <i8 element 1 is 3000000000, outside the int32 range');
  });

  it('truncated data: header says (2, 3) of <f4 but 20 bytes follow', () => {
    const file = fixture('f4_2x3.npy');
    expect(() => parseNpy(file.subarray(0, file.length - 4))).toThrow('NPY: header says shape (2, 3) of <f4 (24 bytes) but the file has 20 bytes of data');
  });

  it('header lies: shape (60000, 28, 28) over 6 bytes', () => {
    const bytes = encodeNpy('|u1', [60000, 28, 28], new Uint8Array(6));
    expect(() => parseNpy(bytes)).toThrow('NPY: header says shape (60000, 28, 28) of |u1 (47040000 bytes) but the file has 6 bytes of data');
  });

  it('wrong magic', () => {
    expect(() => parseNpy(new TextEncoder().encode('PK\u0003\u0004 not a npy file'))).toThrow('NPY: bad magic number [50 4b 03 04 20 6e]; expected 93 4e 55 4d 50 59');
  });

  it('truncated inside the header', () => {
    expect(() => parseNpy(fixture('f4_2x3.npy').subarray(0, 40))).toThrow('NPY: header length field says 118 bytes but only 30 bytes follow the preamble');
  });

  it('unsupported version 4.0', () => {
    const bytes = fixture('u1_5.npy').slice();
    bytes[6] = 4;
    expect(() => parseNpy(bytes)).toThrow('NPY: unsupported format version 4.0; expected 1.0, 2.0 or 3.0');
  });

  it('structured dtype', () => {
    const bytes = encodeNpy('|u1', [1], new Uint8Array(1));
    const text = new TextDecoder('latin1').decode(bytes).replace("'descr': '|u1'", "'descr': [('a','<i4')]");
    expect(() => parseNpy(Uint8Array.from(text, (c) => c.charCodeAt(0)))).toThrow('NPY: structured dtypes are not supported');
  });

  it('header without shape', () => {
    const bytes = encodeNpy('|u1', [1], new Uint8Array(1));
    const text = new TextDecoder('latin1').decode(bytes).replace("'shape'", "'shapf'");
    expect(() => parseNpy(Uint8Array.from(text, (c) => c.charCodeAt(0)))).toThrow(/NPY: header dict lacks shape; expected/);
  });
});

describe('encodeNpy', () => {
  it('round-trips <f4 [2, 2] and pads the header to 64 bytes like NumPy', () => {
    const bytes = encodeNpy('<f4', [2, 2], new Uint8Array(Float32Array.of(1, 2, 3, 4).buffer));
    expect((bytes.length - 16) % 64).toBe(0);
    const arr = parseNpy(bytes);
    expect(arr).toMatchObject({ dtype: 'float32', shape: [2, 2] });
    expect(Array.from(arr.data)).toEqual([1, 2, 3, 4]);
  });
});
