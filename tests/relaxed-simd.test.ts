// The relaxed-SIMD build (f32x4.relaxed_madd in the kernels' multiply-adds)
// against the strict one, through the public API: chosen by ready({simd}),
// reported in the backend info, results within 1e-5 relative of strict
// (forward and gradients of convolution, depthwise convolution, matMul,
// batch norm), and 1 thread = 2 threads bit for bit inside the relaxed build.
// (Each kernel against its scalar reference in the fused arithmetic:
// `cargo test -p cnn-core --features fused`, run by scripts/test.sh.)
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from 'cnn-ts';
import { loadCore } from 'cnn-worker';
import { randArray, rng } from './support/random.js';

type Simd = 'strict' | 'relaxed';

/** Outputs and input gradients of a few kernels that use multiply-adds, as flat arrays. */
async function compute(simd: Simd, threads: number): Promise<{ info: tf.BackendInfo; out: Float32Array[] }> {
  const info = await tf.ready({ simd, threads, mode: 'inline' });
  const next = rng(7);
  const t = (shape: number[]) => tf.tensor(randArray(next, shape.reduce((a, b) => a * b, 1)), shape);
  const cases: Array<() => tf.Tensor[]> = [];
  for (const [n, h, w, cin, cout, s, pad] of [
    [1, 7, 9, 3, 8, 1, 'same'],
    [2, 12, 10, 5, 16, 2, 'valid'],
    [1, 14, 14, 64, 32, 1, 'same'],
  ] as const) {
    const x = t([n, h, w, cin]);
    const f = t([3, 3, cin, cout]);
    cases.push(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad))));
      return [tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad), ...g([x, f])];
    });
  }
  const dx = t([2, 9, 11, 6]);
  const df = t([3, 3, 6, 2]);
  cases.push(() => {
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))));
    return [tf.depthwiseConv2d(dx as tf.Tensor4D, df as tf.Tensor4D, 2, 'same'), ...g([dx, df])];
  });
  const a = t([67, 130]);
  const b = t([130, 45]);
  cases.push(() => {
    const g = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D))));
    return [tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), ...g([a, b])];
  });
  const bx = t([4, 5, 5, 9]);
  cases.push(() => [tf.batchNorm(bx, t([9]), tf.add(tf.abs(t([9])), 0.5), t([9]), t([9]), 1e-3)]);
  const out: Float32Array[] = [];
  for (const c of cases) {
    for (const r of c()) out.push((await r.data()) as Float32Array);
  }
  return { info, out };
}

function expectClose(relaxed: Float32Array[], strict: Float32Array[]): void {
  expect(relaxed.length).toBe(strict.length);
  for (let i = 0; i < strict.length; i++) {
    const e = strict[i];
    const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    let worst = 0;
    for (let j = 0; j < e.length; j++) worst = Math.max(worst, Math.abs(relaxed[i][j] - e[j]));
    // 1e-5 of the output's magnitude: fused multiply-adds round once where strict rounds twice.
    expect(worst, `output ${i}`).toBeLessThanOrEqual(1e-5 * scale);
  }
}

describe('relaxed SIMD build', () => {
  afterAll(() => tf.ready({ simd: 'auto' }));

  it('is chosen by ready({simd}) and reported; auto picks relaxed where the engine has it', async () => {
    expect((await tf.ready({ simd: 'strict', mode: 'inline' })).relaxedSimd).toBe(false);
    expect((await tf.ready({ simd: 'relaxed', mode: 'inline' })).relaxedSimd).toBe(true);
    // Node 20 has relaxed SIMD behind a V8 flag, which the choice above turned on.
    expect((await tf.ready({ simd: 'auto', mode: 'inline' })).relaxedSimd).toBe(true);
    expect((await tf.ready({ simd: 'strict', mode: 'worker', threads: 2 })).relaxedSimd).toBe(false);
    expect((await tf.ready({ simd: 'relaxed', mode: 'worker', threads: 2 })).relaxedSimd).toBe(true);
  });

  it('gives results within 1e-5 of the strict build, and 1 thread = 2 threads bit for bit', async () => {
    const strict = await compute('strict', 1);
    const relaxed1 = await compute('relaxed', 1);
    const relaxed2 = await compute('relaxed', 2);
    expect(strict.info.relaxedSimd).toBe(false);
    expect(relaxed2.info).toMatchObject({ relaxedSimd: true, poolThreads: 2 });
    expectClose(relaxed1.out, strict.out);
    // The relaxed build is not the strict one under another name: the fused rounding shows somewhere.
    expect(relaxed1.out.some((r, i) => r.some((v, j) => v !== strict.out[i][j]))).toBe(true);
    relaxed2.out.forEach((r, i) => expect(r, `output ${i}`).toEqual(relaxed1.out[i]));
  });

  it("Node 20: V8's relaxed-SIMD flag is on only while the module compiles (a fresh process: as it started, after the load)", () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
import { hasRelaxedSimd, loadCore } from 'cnn-worker';
const before = hasRelaxedSimd();
const core = await loadCore({ threads: 1, simd: 'auto' });
console.log(JSON.stringify({ before, after: hasRelaxedSimd(), relaxed: core.info.relaxedSimd }));
`], { cwd: fileURLToPath(new URL('../', import.meta.url)), encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { before: boolean; after: boolean; relaxed: boolean };
    expect(r.relaxed).toBe(true);
    // The flag is back as the process started (the functions V8 compiles later still run relaxed: the test above).
    expect(r.after).toBe(r.before);
    if (process.versions.node.startsWith('20.')) expect(r.before).toBe(false);
  });

  it('rejects an unknown choice at the call, naming it', async () => {
    await expect(loadCore({ simd: 'fast' as never })).rejects.toThrow(/simd must be 'auto', 'relaxed' or 'strict', got "fast"/);
  });
});
