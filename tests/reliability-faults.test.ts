// Faults during fit: a pool thread's worker and the comlink worker killed
// at random points of a training run. Pending promises reject with a clear
// error, nothing hangs, and the next call trains on a fresh core.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';

interface FaultBackend {
  terminate(): Promise<void>;
  killPoolThread(i: number): Promise<void>;
}
const backend = () => (tf.engine() as unknown as { backend?: FaultBackend }).backend!;

/** A deterministic stream of kill points (ms into the fit). */
function* delays(seed: number): Generator<number> {
  let s = seed;
  for (;;) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    yield 5 + (s % 120);
  }
}

function makeModel(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 1] }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 3 }));
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/**
 * Fits while `kill` runs: after `ms` of wall time (`at: 'time'`: in worker
 * mode, also while a batch is in flight), or at the end of batch `ms`
 * (`at: 'batch'`: inline fit runs between timer ticks). Resolves with how
 * the fit ended, or 'HANG'.
 */
async function fitWithFault(kill: () => Promise<void>, ms: number, at: 'time' | 'batch'): Promise<string> {
  const m = makeModel();
  const x = tf.randomUniform([64, 10, 10, 1]);
  const y = tf.tensor(Int32Array.from({ length: 64 }, (_, i) => i % 3), [64], 'int32');
  // The kill may itself reject (the worker it runs in ends first).
  const doKill = () => kill().catch(() => undefined);
  let batches = 0;
  const callbacks = at === 'batch' ? { onBatchEnd: async () => void (++batches === ms ? await doKill() : undefined) } : undefined;
  const fit = m.fit(x, y, { epochs: 200, batchSize: 8, verbose: 0, callbacks }).then(
    () => 'finished',
    (e: Error) => e.message,
  );
  if (at === 'time') {
    await new Promise((r) => setTimeout(r, ms));
    await doKill();
  }
  const hang = new Promise<string>((r) => setTimeout(() => r('HANG'), 20_000));
  return Promise.race([fit, hang]);
}

async function trainsFresh(): Promise<void> {
  tf.random.setSeed(21);
  const m = makeModel();
  const x = tf.randomUniform([16, 10, 10, 1], 0, 1, 'float32', 3);
  const y = tf.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 3), [16], 'int32');
  const h = await m.fit(x, y, { epochs: 40, batchSize: 16, verbose: 0, shuffle: false });
  expect(h.history.loss.at(-1)!).toBeLessThan(h.history.loss[0]);
  m.dispose();
  tf.dispose([x, y]);
}

const CLEAR = /worker died|pool thread \d+ died|lost when the (core|worker) restarted/;

describe('faults during fit', () => {
  afterAll(async () => {
    await tf.ready({ mode: 'inline', threads: 2 });
  });

  /** Rounds of: start a core, kill something during a fit, check the rejection, train on a fresh core. */
  async function rounds(mode: 'inline' | 'worker', kill: () => Promise<void>, seed: number, n: number, at: (round: number) => 'time' | 'batch'): Promise<void> {
    const d = delays(seed);
    for (let round = 0; round < n; round++) {
      await tf.ready({ mode, threads: 2 });
      expect(await fitWithFault(kill, d.next().value as number, at(round))).toMatch(CLEAR);
      await trainsFresh();
    }
  }

  it('killing the comlink worker at random points: fit rejects clearly, the next fit trains on a fresh core', async () => {
    await rounds('worker', () => backend().terminate(), 11, 4, () => 'time');
  });

  it("killing a pool thread's worker (worker mode): the worker ends, pending reads reject, a fresh core trains", async () => {
    // In flight (a timer) or between batches (a callback).
    await rounds('worker', () => backend().killPoolThread(0), 5, 3, (r) => (r % 2 === 0 ? 'time' : 'batch'));
  });

  it("killing a pool thread's worker (inline mode): fit rejects clearly, a fresh core trains", async () => {
    // Inline, fit never yields to timers: kill between batches.
    await rounds('inline', () => backend().killPoolThread(0), 7, 3, () => 'batch');
  });
});
