// The SIMD matrix multiply split over a 2-thread rayon pool on Node's
// worker_threads, called from TypeScript: in the calling thread and inside
// a cnn-worker worker. Each checks the numbers and that both threads worked.
import { afterAll, describe, expect, it } from 'vitest';
import { Executor, loadCore, spawnWorker, type WorkerClient } from 'cnn-worker';
import { matMulBatch, matMulRef, maxRelDiff, randArray, rng } from './support/random.js';

const m = 257, n = 131, k = 190; // odd sizes: partial 4x8 tiles on both edges
const MAX_REPS = 200;

const batch = (a: Float32Array, b: Float32Array) => matMulBatch(a, b, m, n, k);

describe('2-thread pool in Node', () => {
  const next = rng(42);
  const a = randArray(next, m * k);
  const b = randArray(next, k * n);
  const expected = matMulRef(a, b, m, n, k);

  it('in the calling thread: right product, both pool threads ran tasks', async () => {
    const core = await loadCore({ threads: 2 });
    expect(core.info).toMatchObject({ flavor: 'threaded', simd128: true, threads: true, poolThreads: 2 });
    expect(core.raw.numThreads()).toBe(2);
    const ex = new Executor(core);
    ex.resetThreadTaskCounts();
    // A parked pool thread can take longer to wake than one product takes on
    // a loaded host, so repeat (bounded) until both have run a task.
    let counts: number[] = [];
    for (let rep = 0; rep < 3 || (rep < MAX_REPS && !counts.every((c) => c > 0)); rep++) {
      const r = ex.submit(batch(a, b));
      expect(r.error).toBeUndefined();
      expect(maxRelDiff(r.reads[0], expected)).toBeLessThan(1e-5);
      counts = ex.stats().threadTaskCounts;
    }
    expect(counts).toHaveLength(2);
    expect(counts.every((c) => c > 0)).toBe(true);
    expect(ex.stats()).toMatchObject({ tensors: 0, buffers: 0, floats: 0 });
  });

  let worker: WorkerClient | undefined;
  afterAll(() => worker?.terminate());

  it('inside a worker: right product, both pool threads ran tasks', async () => {
    worker = await spawnWorker({ threads: 2 });
    expect(worker.info).toMatchObject({ flavor: 'threaded', poolThreads: 2 });
    await worker.resetThreadTaskCounts();
    let counts: number[] = [];
    for (let rep = 0; rep < 3 || (rep < MAX_REPS && !counts.every((c) => c > 0)); rep++) {
      const r = await worker.submit(batch(a.slice(), b.slice()));
      expect(r.error).toBeUndefined();
      expect(maxRelDiff(r.reads[0], expected)).toBeLessThan(1e-5);
      counts = (await worker.stats()).threadTaskCounts;
    }
    expect(counts).toHaveLength(2);
    expect(counts.every((c) => c > 0)).toBe(true);
  });

  it('a bad command fails with the op name and leaves the pool usable', async () => {
    const w = worker!;
    const bad = await w.submit([
      { kind: 'upload', id: 10, data: new Float32Array(6) },
      { kind: 'upload', id: 11, data: new Float32Array(5) },
      { kind: 'call', fn: 'matMul', inputs: [10, 11], outputs: [{ id: 12, size: 4 }], args: [2, 2, 3, false, false] },
    ]);
    expect(bad.error).toMatchObject({ index: 2, op: 'matMul' });
    expect(bad.error!.message).toBe('matMul: B has 5 elements, expected 6');
    // The failed output was not kept; inputs are still there and usable.
    const good = await w.submit([
      { kind: 'upload', id: 13, data: Float32Array.from([1, 0, 0, 1, 1, 1]) },
      { kind: 'call', fn: 'matMul', inputs: [10, 13], outputs: [{ id: 12, size: 4 }], args: [2, 2, 3, false, false] },
      { kind: 'read', id: 12 },
      { kind: 'free', id: 10 },
      { kind: 'free', id: 11 },
      { kind: 'free', id: 12 },
      { kind: 'free', id: 13 },
    ]);
    expect(good.error).toBeUndefined();
    expect(Array.from(good.reads[0])).toEqual([0, 0, 0, 0]);
    expect(await w.stats()).toMatchObject({ tensors: 0, buffers: 0 });
  });
});

describe('wasm build: determinism and errors', () => {
  it('conv2d forward, input and filter gradients: 1 and 2 threads give identical bits', async () => {
    const { encodeConv2d } = await import('cnn-worker');
    const c1 = await loadCore({ threads: 1 });
    const c2 = await loadCore({ threads: 2 });
    const next = rng(5);
    for (const [n, h, cin, cout, s] of [
      [4, 20, 16, 32, 1],
      [2, 16, 32, 40, 1],
      [1, 30, 3, 16, 2],
      [8, 9, 8, 8, 1],
    ]) {
      const spec = encodeConv2d({ n, h, w: h, cin, kh: 3, kw: 3, cout, strides: [s, s], dilations: [1, 1], pad: 'same' });
      const oh = Math.ceil(h / s);
      const x = randArray(next, n * h * h * cin);
      const w = randArray(next, 9 * cin * cout);
      const dy = randArray(next, n * oh * oh * cout);
      const run = (c: typeof c1) => {
        const [hx, hw, hdy] = [c.upload(x), c.upload(w), c.upload(dy)];
        const [hy, hdx, hdw] = [c.alloc(dy.length), c.alloc(x.length), c.alloc(w.length)];
        c.raw.conv2d(hx, hw, undefined, hy, true, spec);
        c.raw.conv2dBackpropInput(hdy, hw, hdx, spec);
        c.raw.conv2dBackpropFilter(hx, hdy, hdw, spec);
        const out = [c.read(hy, dy.length), c.read(hdx, x.length), c.read(hdw, w.length)];
        for (const b of [hx, hw, hdy, hy, hdx, hdw]) c.free(b);
        return out;
      };
      const a = run(c1);
      const b = run(c2);
      for (let i = 0; i < 3; i++) expect(Buffer.from(b[i].buffer).equals(Buffer.from(a[i].buffer)), `n=${n} h=${h} ${cin}->${cout} s=${s} output ${i}`).toBe(true);
    }
  });

  it('a bad convolution spec is a JS error naming the op; the pool stays usable', async () => {
    const { encodeConv2d } = await import('cnn-worker');
    const c = await loadCore({ threads: 2 });
    const x = c.alloc(1 * 2 * 2 * 1);
    const w = c.alloc(9);
    const y = c.alloc(1);
    const spec = encodeConv2d({ n: 1, h: 2, w: 2, cin: 1, kh: 3, kw: 3, cout: 1, strides: [1, 1], dilations: [1, 1], pad: 'valid' });
    expect(() => c.raw.conv2d(x, w, undefined, y, false, spec)).toThrow('conv2d: height: input size 2 is smaller than the filter size 3');
    const same = encodeConv2d({ n: 1, h: 2, w: 2, cin: 1, kh: 3, kw: 3, cout: 1, strides: [1, 1], dilations: [1, 1], pad: 'same' });
    expect(() => c.raw.conv2d(x, w, undefined, x, false, same)).toThrow(/conv2d: output buffer \d+ is also passed as another argument of the same call/);
    c.free(y);
    expect(() => c.raw.conv2d(x, w, undefined, y, false, same)).toThrow(`conv2d: buffer ${y} is unknown or freed`);
    // The same buffer read twice is fine (a·a), and the pool still works.
    const a = c.upload(Float32Array.from([1, 2, 3, 4]));
    const o = c.alloc(4);
    c.raw.matMul(a, a, o, 2, 2, 2, false, false);
    expect(Array.from(c.read(o, 4))).toEqual([7, 10, 15, 22]);
  });
});
