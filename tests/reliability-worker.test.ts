// Worker mode's lifetime: the process exits by itself, reads do not grow
// the main thread's heap, lost tensors fail at the call, and a worker that
// died while idle is replaced on the next op. Errors reject exactly the
// reads that depend on the failed command, in both modes.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';

const root = new URL('..', import.meta.url).pathname;

const dir = mkdtempSync(join(tmpdir(), 'cnn-rel-'));
let scripts = 0;

/**
 * Runs an ES module snippet (`tf` is cnn-ts) in a fresh Node process;
 * resolves with its stdout, or rejects on a non-zero exit or after `ms`
 * (a process that does not exit by itself).
 */
function node(code: string, ms: number, flags: string[] = []): Promise<{ stdout: string; ms: number }> {
  const file = join(dir, `script-${scripts++}.mjs`);
  writeFileSync(file, `import * as tf from ${JSON.stringify(`${root}packages/cnn-ts/dist/index.js`)};\n${code}`);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...flags, file], { cwd: root, timeout: ms, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve({ stdout, ms: Date.now() - t0 });
    });
  });
}

/** A way to kill the worker behind the engine's back, as a crash would. */
async function crashIdleWorker(): Promise<void> {
  const backend = (tf.engine() as unknown as { backend?: { terminate(): Promise<void> } }).backend;
  if (!backend) throw new Error('no backend');
  await backend.terminate();
}

describe('process exit', () => {
  for (const mode of ['worker', 'inline'] as const) {
    it(`exits by itself when the work is done (${mode} mode, 2 threads)`, async () => {
      const { stdout } = await node(
        `         await tf.ready({ mode: '${mode}', threads: 2 });
         const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));
         console.log((await y.data())[0]);`,
        30_000,
      );
      expect(stdout.trim()).toBe('64');
    });
  }

  it('a pending read keeps the process alive until it resolves (worker mode)', async () => {
    // No timers or other handles: only the read in flight holds the event loop.
    const { stdout } = await node(
      `       await tf.ready({ mode: 'worker', threads: 1 });
       tf.matMul(tf.ones([600, 600]), tf.ones([600, 600])).data().then((d) => console.log('done', d[0]));`,
      30_000,
    );
    expect(stdout.trim()).toBe('done 600');
  });
});

describe('worker mode', () => {
  afterAll(async () => {
    await tf.ready({ mode: 'inline', threads: 2 });
  });

  it('the main thread heap does not grow per read', async () => {
    // 634 bytes per read before (a reaction left on a never-settled promise per call).
    const { stdout } = await node(
      `       await tf.ready({ mode: 'worker', threads: 1 });
       const x = tf.ones([4]);
       const heap = () => { globalThis.gc(); return process.memoryUsage().heapUsed; };
       for (let i = 0; i < 5000; i++) await x.data();
       const h0 = heap();
       // A long window: GC and JIT leave about 1 MB of noise, which over 100,000 reads is ~10 bytes each.
       for (let i = 0; i < 100000; i++) await x.data();
       console.log((heap() - h0) / 100000);
       process.exit(0); // measured apart from the exit test`,
      60_000,
      ['--expose-gc'],
    );
    expect(Number(stdout.trim())).toBeLessThan(50);
  });

  it('after terminateCore(), an op on a lost tensor fails at the call and later reads are unaffected', async () => {
    await tf.ready({ mode: 'worker', threads: 1 });
    const old = tf.ones([4, 4]);
    await old.data();
    await tf.engine().terminateCore();
    expect(() => tf.conv2d(tf.reshape(old, [1, 4, 4, 1]), tf.ones([2, 2, 1, 1]), 1, 'valid')).toThrow(/Error in reshape: .*lost when the core restarted/);
    expect(() => tf.add(old, 1)).toThrow(/Error in add: .*lost when the core restarted/);
    const fresh = tf.add(tf.ones([2]), 2);
    expect(Array.from(await fresh.data())).toEqual([3, 3]);
    expect(Array.from(await tf.zeros([3]).data())).toEqual([0, 0, 0]);
  });

  it('a worker that died while idle is replaced by a fresh core on the next op', async () => {
    await tf.ready({ mode: 'worker', threads: 2 });
    const old = tf.ones([3]);
    expect(Array.from(await old.data())).toEqual([1, 1, 1]);
    await crashIdleWorker();
    // The next op runs on a fresh core.
    const y = tf.mul(tf.tensor([1, 2, 3]), 2);
    expect(Array.from(await y.data())).toEqual([2, 4, 6]);
    expect(tf.engine().info?.mode).toBe('worker');
    // The dead worker's tensors fail clearly, at the call or at the read.
    expect(() => tf.add(old, 1)).toThrow(/lost when the core restarted/);
    await expect(old.data()).rejects.toThrow(/lost when the core restarted/);
  });
});

describe('errors reject exactly the reads that depend on the failed command', () => {
  for (const mode of ['inline', 'worker'] as const) {
    it(`a failed gather rejects its reads only (${mode})`, async () => {
      await tf.ready({ mode, threads: 1 });
      const valid = tf.add(tf.tensor([1, 2, 3]), 1);
      const x = tf.tensor([10, 20, 30]);
      const bad = tf.gather(x, tf.tensor([0, 7], undefined, 'int32'));
      const dependent = tf.mul(bad, 2);
      const after = tf.sub(x, 10);
      // In the same batch, the unrelated reads succeed...
      expect(Array.from(await valid.data())).toEqual([2, 3, 4]);
      expect(Array.from(await after.data())).toEqual([0, 10, 20]);
      // ...and the dependent ones reject with the gather's error.
      await expect(bad.data()).rejects.toThrow(/gather/);
      await expect(dependent.data()).rejects.toThrow(/gather/);
      // After flush(), too: the error is not held for the next read.
      const bad2 = tf.gather(x, tf.tensor([5], undefined, 'int32'));
      await tf.flush();
      const later = tf.add(x, 1);
      expect(Array.from(await later.data())).toEqual([11, 21, 31]);
      expect(Array.from(await valid.data())).toEqual([2, 3, 4]);
      await expect(bad2.data()).rejects.toThrow(/gather/);
      // A later op on the failed tensor says why it failed.
      await expect(tf.add(bad2, 1).data()).rejects.toThrow(/gather/);
      tf.dispose([valid, x, bad, dependent, after, bad2, later]);
    });
  }
});
