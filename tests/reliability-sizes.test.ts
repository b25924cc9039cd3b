// Sizes above what one buffer can hold (2^30 - 1 float32: the wasm32
// address space) fail at the call, naming the op, the shape, the element
// count and the limit, before anything is allocated; the core checks the
// same products in u64 so a size that wraps around 2^32 can never pass a
// length check and let a kernel write past its buffer.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';
import { Executor, loadCore } from 'cnn-worker';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
});

/** The library still computes after a refused call, and nothing leaked. */
async function stillWorks(before: number): Promise<void> {
  const y = tf.tidy(() => tf.add(tf.tensor([1, 2, 3]), 1));
  expect(Array.from(await y.data())).toEqual([2, 3, 4]);
  y.dispose();
  expect(tf.memory().numTensors).toBe(before);
}

describe('sizes above 2^32 elements', () => {
  it('outerProduct of two 66,000-vectors throws at the call', async () => {
    const a = tf.ones([66000]);
    const b = tf.ones([66000]);
    const before = tf.memory().numTensors;
    expect(() => tf.outerProduct(a, b)).toThrow(/outerProduct: shape \[66000,66000\] has 4356000000 elements .*limit of 1073741823/);
    await stillWorks(before);
    tf.dispose([a, b]);
  });

  it('matMul([65536,1],[1,65537]) throws at the call', async () => {
    const a = tf.ones([65536, 1]);
    const b = tf.ones([1, 65537]);
    const before = tf.memory().numTensors;
    expect(() => tf.matMul(a, b)).toThrow(/matMul: shape \[65536,65537\] has 4295032832 elements/);
    await stillWorks(before);
    tf.dispose([a, b]);
  });

  it('softmax of a [65536,65537] input cannot start: its input is refused at the call', async () => {
    const before = tf.memory().numTensors;
    expect(() => tf.softmax(tf.zeros([65536, 65537]))).toThrow(/zeros: shape \[65536,65537\] has 4295032832 elements/);
    expect(() => tf.randomNormal([65536, 65537])).toThrow(/randomNormal: shape \[65536,65537\]/);
    expect(() => tf.tensor([1], [65536, 65537])).toThrow(/tensor: shape \[65536,65537\]/);
    await stillWorks(before);
  });

  it('broadcasting and gather name their op', () => {
    const a = tf.ones([65536, 1]);
    const b = tf.ones([1, 65537]);
    expect(() => tf.add(a, b)).toThrow(/add: shape \[65536,65537\] has 4295032832 elements/);
    expect(() => tf.broadcastTo(a, [65536, 65537])).toThrow(/broadcastTo: shape \[65536,65537\]/);
    const idx = tf.zeros([65537], 'int32');
    expect(() => tf.gather(b, idx)).toThrow(/gather: shape \[65537,65537\] has 4295098369 elements/);
    tf.dispose([a, b, idx]);
  });

  it('messages give the size in MiB correctly and name the op', () => {
    expect(() => tf.zeros([40000, 40000])).toThrow(/zeros: shape \[40000,40000\] has 1600000000 elements \(6,103 MiB of float32\)/);
    expect(() => tf.zeros([65536, 65536, 4])).toThrow(/zeros: shape \[65536,65536,4\] has 17179869184 elements \(65,536 MiB/);
  });
});

describe('the core refuses wrapped-around sizes itself', () => {
  // Commands sent straight to an executor (as a worker receives them),
  // bypassing the checks of cnn-ts: the core must refuse, not trap.
  let ex: Executor;
  beforeAll(async () => {
    ex = new Executor(await loadCore({ threads: 2 }));
  });

  it('bufferAlloc refuses 2^32 and more instead of wrapping to a small buffer', () => {
    const r = ex.submit([{ kind: 'call', fn: 'fill', inputs: [], outputs: [{ id: 1, size: 65536 * 65537 }], args: [0] }]);
    expect(r.error?.message).toMatch(/bufferAlloc: 4295032832 floats \(16384 MiB\) is more than the limit of 1073741823 floats/);
    expect(ex.stats().buffers).toBe(0);
  });

  it('matMul with m*n wrapping to the C length is refused', () => {
    const r = ex.submit([
      { kind: 'upload', id: 1, data: new Float32Array(65536).fill(1) },
      { kind: 'upload', id: 2, data: new Float32Array(65537).fill(1) },
      { kind: 'call', fn: 'matMul', inputs: [1, 2], outputs: [{ id: 3, size: 65536 }], args: [65536, 65537, 1, false, false] },
      { kind: 'free', id: 1 },
      { kind: 'free', id: 2 },
    ]);
    expect(r.error?.message).toMatch(/matMul: C of shape \[65536, 65537\] has 4295032832 elements, more than the limit/);
    expect(ex.stats().buffers).toBe(0);
  });

  it('softmax with rows*classes wrapping to the buffer length is refused and the store stays whole', () => {
    const r = ex.submit([
      { kind: 'upload', id: 1, data: new Float32Array(65536).fill(1) },
      { kind: 'call', fn: 'softmax', inputs: [1], outputs: [{ id: 2, size: 65536 }], args: [65536, 65537] },
      { kind: 'free', id: 1 },
    ]);
    expect(r.error?.message).toMatch(/softmax: x of shape \[65536, 65537\] has 4295032832 elements/);
    expect(ex.stats().buffers).toBe(0);
    // The core still computes.
    const ok = ex.submit([
      { kind: 'upload', id: 4, data: Float32Array.of(0, 0) },
      { kind: 'call', fn: 'softmax', inputs: [4], outputs: [{ id: 5, size: 2 }], args: [1, 2] },
      { kind: 'read', id: 5 },
      { kind: 'free', id: 4 },
      { kind: 'free', id: 5 },
    ]);
    expect(Array.from(ok.reads[0])).toEqual([0.5, 0.5]);
    expect(ex.stats().buffers).toBe(0);
  });
});
