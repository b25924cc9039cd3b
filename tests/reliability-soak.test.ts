// Short soak in CI: benches/soak.mjs (the long one: 10,000 steps inline and
// 2,000 in a worker after a 1,000-step warm-up, figures in
// benches/README.md) for a few hundred steps: tensors, core buffers and
// floats and the wasm heap exactly flat, the JS heap after GC of the main
// thread and of the worker within noise.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

interface Summary {
  /** [after warm-up, half-way, end] */
  tensors: number[];
  buffers: number[];
  floats: number[];
  wasmHeapMiB: number[];
  workerJsHeapMiB: number[];
  semiSpaceMiB: number;
  jsHeapGrowthSecondHalf: number;
  workerJsHeapGrowthSecondHalf: number;
  lossFirst: number;
  lossLast: number;
}

function soak(mode: string, steps: number): Promise<Summary> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', 'benches/soak.mjs', '--mode', mode, '--steps', String(steps), '--samples', '4', '--warmup', '200'], { cwd: root, timeout: 120_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve((JSON.parse(last) as { summary: Summary }).summary);
      } catch {
        reject(new Error(`soak ${mode} failed: ${err?.message ?? ''}\n${stderr}\n${stdout}`));
      }
    });
  });
}

describe('soak (short)', () => {
  for (const [mode, steps] of [['inline', 600], ['worker', 300]] as const) {
    it(`${steps} training steps ${mode}: memory flat`, async () => {
      const s = await soak(mode, steps);
      expect(s.tensors[2]).toBe(s.tensors[0]);
      expect(s.buffers[2]).toBe(s.buffers[0]);
      expect(s.floats[2]).toBe(s.floats[0]);
      // The allocator may take one more 64 KiB page while it settles (seen
      // once per run, at a varying step, then never again in 8,000 steps).
      expect(s.wasmHeapMiB[2] - s.wasmHeapMiB[0]).toBeLessThanOrEqual(1 / 16);
      // A few hundred steps are short for V8's heap to settle: a leak of
      // one tensor's bookkeeping per step would still show as > 10 %.
      expect(s.jsHeapGrowthSecondHalf).toBeLessThan(0.1);
      // The soak pins V8's young generation (see benches/soak.mjs).
      expect(s.semiSpaceMiB).toBe(16);
      if (mode === 'worker') {
        // The worker's own isolate is measured too (a leak there is
        // invisible to the main thread's heap figures).
        expect(s.workerJsHeapMiB[0]).toBeGreaterThan(1);
        expect(s.workerJsHeapGrowthSecondHalf).toBeLessThan(0.1);
      }
      expect(s.lossLast).toBeLessThan(s.lossFirst + 1e-3); // still training, no NaN
    });
  }
});
