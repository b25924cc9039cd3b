// tf.data as @tensorflow/tfjs-data: factories, every transformation, batching
// of tensors / numbers / arrays / host samples / {xs, ys}, seeded shuffles,
// disposal rules, and the errors for inconsistent elements.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 1 });
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('tf.data factories', () => {
  it('array: elements in order, size known, reusable across passes', async () => {
    const ds = tf.data.array([1, 2, 3]);
    expect(ds.size).toBe(3);
    expect(await ds.toArray()).toEqual([1, 2, 3]);
    expect(await ds.toArray()).toEqual([1, 2, 3]);
  });

  it('array of tensors hands out clones: batching (which disposes) keeps the sources alive', async () => {
    const a = tf.tensor([1, 2]);
    const b = tf.tensor([3, 4]);
    const ds = tf.data.array([a, b]).batch(2);
    for (let pass = 0; pass < 2; pass++) {
      const [batch] = await ds.toArray();
      expect(batch.shape).toEqual([2, 2]);
      expect(Array.from(await batch.data())).toEqual([1, 2, 3, 4]);
      batch.dispose();
    }
    expect(a.isDisposed).toBe(false);
    a.dispose();
    b.dispose();
  });

  it('generator: sync and async generator functions, called anew per pass; size unknown', async () => {
    const sync = tf.data.generator(function* () {
      for (let i = 0; i < 4; i++) yield i * 10;
    });
    expect(sync.size).toBeNull();
    expect(await sync.toArray()).toEqual([0, 10, 20, 30]);
    expect(await sync.toArray()).toEqual([0, 10, 20, 30]);
    const asyncGen = tf.data.generator(async function* () {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 1));
        yield { x: i };
      }
    });
    expect(await asyncGen.toArray()).toEqual([{ x: 0 }, { x: 1 }, { x: 2 }]);
  });

  it('generator: a plain iterator object works; a non-iterator is an error at iteration', async () => {
    let i = 0;
    const ds = tf.data.generator(() => ({ next: () => (i < 2 ? { value: i++, done: false } : { value: undefined, done: true }) }));
    expect(await ds.toArray()).toEqual([0, 1]);
    // @ts-expect-error: not an iterator
    await expect(tf.data.generator(() => 5).toArray()).rejects.toThrow(/must return an iterator/);
  });

  it('zip: arrays and objects of datasets, nested; ends with the shortest', async () => {
    const a = tf.data.array([1, 2, 3]);
    const b = tf.data.array(['a', 'b']);
    expect(await tf.data.zip([a, b]).toArray()).toEqual([[1, 'a'], [2, 'b']]);
    const z = tf.data.zip({ xs: a, meta: { name: b } });
    expect(z.size).toBe(2);
    expect(await z.toArray()).toEqual([{ xs: 1, meta: { name: 'a' } }, { xs: 2, meta: { name: 'b' } }]);
  });
});

describe('Dataset transformations', () => {
  it('map, filter, take, skip, concatenate, repeat with sizes as tfjs-data', async () => {
    const ds = tf.data.array(range(10));
    expect(await ds.map((x) => x * 2).take(3).toArray()).toEqual([0, 2, 4]);
    expect(await ds.filter((x) => x % 3 === 0).toArray()).toEqual([0, 3, 6, 9]);
    expect(ds.filter((x) => x > 0).size).toBeNull();
    expect(await ds.skip(7).toArray()).toEqual([7, 8, 9]);
    expect(ds.skip(7).size).toBe(3);
    expect(await ds.take(2).concatenate(ds.skip(8)).toArray()).toEqual([0, 1, 8, 9]);
    expect(await ds.take(2).repeat(3).toArray()).toEqual([0, 1, 0, 1, 0, 1]);
    expect(ds.repeat().size).toBe(Infinity);
    expect(await ds.repeat().take(12).toArray()).toEqual([...range(10), 0, 1]);
    await expect(ds.repeat().toArray()).rejects.toThrow(/infinite/);
    expect(await ds.take(-1).toArray()).toEqual(range(10));
  });

  it('mapAsync and forEachAsync run in order', async () => {
    const seen: number[] = [];
    await tf.data
      .array([3, 1, 2])
      .mapAsync(async (x) => {
        await new Promise((r) => setTimeout(r, x));
        return x + 100;
      })
      .forEachAsync((x) => {
        seen.push(x);
      });
    expect(seen).toEqual([103, 101, 102]);
  });

  it('map frees the tensors the transform made but did not return, and the inputs it consumed', async () => {
    const before = tf.memory().numTensors;
    const ds = tf.data.array([tf.tensor([1, 2]), tf.tensor([3, 4])]).map((t) => t.mul(2).add(1));
    const out = await ds.toArray();
    expect(Array.from(await out[1].data())).toEqual([7, 9]);
    tf.dispose(out);
    // Only the two source tensors remain.
    expect(tf.memory().numTensors - before).toBe(2);
  });

  it('prefetch keeps order and size; stopping early disposes the read-ahead elements', async () => {
    const ds = tf.data.generator(function* () {
      for (let i = 0; i < 6; i++) yield tf.scalar(i);
    });
    const all = await ds.prefetch(3).toArray();
    expect(await Promise.all(all.map(async (t) => (await t.data())[0]))).toEqual(range(6));
    tf.dispose(all);
    const before = tf.memory().numTensors;
    const it = await ds.prefetch(3).iterator();
    const first = await it.next();
    await it.return();
    tf.dispose(first.value);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('shuffle: a permutation; same seed same order; reshuffles each pass unless told not to', async () => {
    const ds = tf.data.array(range(50));
    const a = await ds.shuffle(50, 7).toArray();
    expect([...a].sort((x, y) => x - y)).toEqual(range(50));
    expect(a).not.toEqual(range(50));
    expect(await ds.shuffle(50, 7).toArray()).toEqual(a);
    const re = ds.shuffle(50, 7);
    const p1 = await re.toArray();
    const p2 = await re.toArray();
    expect(p1).toEqual(a);
    expect(p2).not.toEqual(p1);
    const fixed = ds.shuffle(50, 7, false);
    expect(await fixed.toArray()).toEqual(await fixed.toArray());
  });

  it('shuffle without a seed follows tf.random.setSeed', async () => {
    const ds = tf.data.array(range(30));
    tf.random.setSeed(2021);
    const a = await ds.shuffle(10).toArray();
    tf.random.setSeed(2021);
    const b = await ds.shuffle(10).toArray();
    tf.random.setSeed(5);
    const c = await ds.shuffle(10).toArray();
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('shuffle with a small buffer only moves elements locally', async () => {
    const out = await tf.data.array(range(100)).shuffle(4, 1).toArray();
    // An element can come out at most bufferSize - 1 places early.
    out.forEach((v, i) => expect(v).toBeLessThanOrEqual(i + 3));
  });
});

describe('Dataset.batch', () => {
  it('numbers -> 1-d tensors; smallLastBatch keeps or drops the rest', async () => {
    const ds = tf.data.array([1, 2, 3, 4, 5]);
    const bs = await ds.batch(2).toArray();
    expect(bs.map((b) => b.shape)).toEqual([[2], [2], [1]]);
    expect(Array.from(await bs[2].data())).toEqual([5]);
    expect(ds.batch(2).size).toBe(3);
    expect(ds.batch(2, false).size).toBe(2);
    expect((await ds.batch(2, false).toArray()).length).toBe(2);
    tf.dispose(bs);
  });

  it('{xs, ys} of nested arrays and tensors batches member by member', async () => {
    const ds = tf.data.array(range(5).map((i) => ({ xs: [[i, i + 1]], ys: tf.scalar(i, 'int32'), name: `s${i}` })));
    const [b] = await ds.batch(4).take(1).toArray();
    expect(b.xs.shape).toEqual([4, 1, 2]);
    expect(Array.from(await b.xs.data())).toEqual([0, 1, 1, 2, 2, 3, 3, 4]);
    expect(b.ys.shape).toEqual([4]);
    expect(b.ys.dtype).toBe('int32');
    expect(b.name).toEqual(['s0', 's1', 's2', 's3']);
    tf.dispose([b.xs, b.ys]);
  });

  it('host samples stay uint8 until batching, then become one scaled float32 tensor', async () => {
    const pixels = Uint8Array.from(range(12), (i) => i * 20);
    const ds = tf.data.array(range(3).map((i) => ({ xs: tf.data.hostArray(pixels.subarray(i * 4, i * 4 + 4), [2, 2, 1], { scale: 1 / 255 }), ys: tf.data.hostArray(Uint8Array.of(i), []) })));
    const [b] = await ds.batch(3).toArray();
    expect(b.xs.shape).toEqual([3, 2, 2, 1]);
    expect(b.xs.dtype).toBe('float32');
    const v = await b.xs.data();
    expect(v[5]).toBeCloseTo(100 / 255, 6);
    expect(b.ys.dtype).toBe('int32');
    expect(Array.from(await b.ys.data())).toEqual([0, 1, 2]);
    tf.dispose([b.xs, b.ys]);
  });

  it('typed arrays batch to [n, length] with an integer dtype for integer arrays', async () => {
    const [b] = await tf.data.array([Int32Array.of(1, 2), Int32Array.of(3, 4)]).batch(2).toArray();
    expect(b.shape).toEqual([2, 2]);
    expect(b.dtype).toBe('int32');
    b.dispose();
  });

  it('inconsistent shapes name the element index and both shapes', async () => {
    const ds = tf.data.array([{ xs: [1, 2], ys: 0 }, { xs: [1, 2], ys: 1 }, { xs: [1, 2, 3], ys: 2 }]);
    await expect(ds.batch(3).toArray()).rejects.toThrow(/element 2 \(at \.xs\) is an array of shape \[3\] but element 0 \(at \.xs\), the first of its batch, is an array of length 2/);
    const t = tf.data.array([tf.zeros([2, 2]), tf.zeros([3, 2])]);
    await expect(t.batch(2).toArray()).rejects.toThrow(/element 1 is a float32 tensor of shape \[3,2\] but element 0.*shape \[2,2\]/);
  });

  it('inconsistent dtypes and keys are errors naming the element', async () => {
    const d = tf.data.array([tf.zeros([2]), tf.zeros([2], 'int32')]);
    await expect(d.batch(2).toArray()).rejects.toThrow(/element 1 is a int32 tensor.*element 0.*float32/);
    const k = tf.data.array([{ xs: 1, ys: 2 }, { xs: 1, label: 2 }]);
    await expect(k.batch(2).toArray()).rejects.toThrow(/element 1 has keys \{xs, label\} but element 0 has \{xs, ys\}/);
    const h = tf.data.array([tf.data.hostArray(new Uint8Array(4), [2, 2]), tf.data.hostArray(new Uint8Array(4), [4])]);
    await expect(h.batch(2).toArray()).rejects.toThrow(/element 1 is a int32 host array of shape \[4\] but element 0.*\[2,2\]/);
  });

  it('element indices count across batches', async () => {
    const ds = tf.data.array([[1], [2], [3], [4, 5]]);
    await expect(ds.batch(2).toArray()).rejects.toThrow(/element 3 is an array of shape \[2\] but element 2, the first of its batch/);
  });

  it('a throwing generator rejects the reader with its own error', async () => {
    const ds = tf.data.generator(function* () {
      yield 1;
      throw new Error('disk on fire');
    });
    await expect(ds.batch(4).toArray()).rejects.toThrow('disk on fire');
  });
});
