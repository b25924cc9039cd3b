// The benchmarks' 1-thread mode of a 2-thread core (`setRunSerially`, used by
// benches/architectures.mjs to time 1 and 2 threads alternately on one core):
// while it is on, only the calling thread runs tasks and the results are the
// same bits; once it is off, both pool threads work again.
import { describe, expect, it } from 'vitest';
import { Executor, loadCore } from 'cnn-worker';
import { matMulRef, maxRelDiff, randArray, rng } from './support/random.js';

const m = 196, n = 1024, k = 256; // a batch-1 1x1 layer's product: a task grid of rows and columns
const MAX_REPS = 200;

function batch(a: Float32Array, b: Float32Array) {
  return [
    { kind: 'upload' as const, id: 1, data: a },
    { kind: 'upload' as const, id: 2, data: b },
    { kind: 'call' as const, fn: 'matMul' as const, inputs: [1, 2], outputs: [{ id: 3, size: m * n }], args: [m, n, k, false, false] },
    { kind: 'read' as const, id: 3 },
    { kind: 'free' as const, id: 1 },
    { kind: 'free' as const, id: 2 },
    { kind: 'free' as const, id: 3 },
  ];
}

describe('setRunSerially on a 2-thread core', () => {
  it('runs every task on the calling thread while on, with the same bits', async () => {
    const next = rng(5);
    const a = randArray(next, m * k);
    const b = randArray(next, k * n);
    const core = await loadCore({ threads: 2 });
    await core.threadsReady;
    const ex = new Executor(core);
    const parallel = ex.submit(batch(a, b)).reads[0];
    expect(maxRelDiff(parallel, matMulRef(a, b, m, n, k))).toBeLessThan(1e-5);

    core.raw.setRunSerially(true);
    try {
      expect(core.raw.numThreads()).toBe(1);
      ex.resetThreadTaskCounts();
      const serial = ex.submit(batch(a, b)).reads[0];
      expect(serial).toEqual(parallel);
      const counts = ex.stats().threadTaskCounts;
      expect(counts).toHaveLength(2);
      expect(counts[0]).toBeGreaterThan(1);
      expect(counts[1]).toBe(0);
    } finally {
      core.raw.setRunSerially(false);
    }

    expect(core.raw.numThreads()).toBe(2);
    ex.resetThreadTaskCounts();
    let counts: number[] = [];
    for (let rep = 0; rep < 3 || (rep < MAX_REPS && !counts.every((c) => c > 0)); rep++) {
      expect(ex.submit(batch(a, b)).reads[0]).toEqual(parallel);
      counts = ex.stats().threadTaskCounts;
    }
    expect(counts.every((c) => c > 0)).toBe(true);
    await core.health.stop?.();
  });
});
