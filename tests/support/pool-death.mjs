// Child process of tests/reliability-pool-death.test.ts: a pool thread
// killed while the core's own thread is blocked in a kernel (inline mode,
// or in the worker with --mode worker). Run in its own process because a
// regression blocks the calling thread for good, which no in-process
// timeout can interrupt. Prints one JSON line per case.
//
// Two ways to kill: `trap` makes pool thread 1 trap inside a
// kernel task, holding part of the work, after a given number of its tasks
// (the core's `injectPoolFault`): as a kernel bug would, and deterministic.
// `kill` terminates its worker_thread from the supervisor after a delay
// (V8 stops it at its next interrupt check, which may fall between tasks,
// or, rarely, inside a lock: see docs/ops.md; so `kill` is not run in CI).
//
//   node tests/support/pool-death.mjs [--mode inline|worker] [--how trap|kill] [--rounds 4]
import * as tf from 'cnn-ts';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { mode: { type: 'string', default: 'inline' }, how: { type: 'string', default: 'trap' }, rounds: { type: 'string', default: '4' } } });
const mode = args.mode;
/** Kills pool thread 1 after `n` of its tasks (trap) or `n` ms (kill). */
async function fault(n) {
  if (args.how === 'trap') await backend().injectPoolFault(1, n);
  else await backend().killPoolThread(0, n);
}
const backend = () => tf.engine().backend;
const out = (o) => console.log(JSON.stringify(o));

/** Runs `f`; resolves with its error message or 'finished', and the ms it took. */
async function outcome(f) {
  const t0 = performance.now();
  const message = await f().then(
    () => 'finished',
    (e) => e.message,
  );
  return { message, ms: Math.round(performance.now() - t0) };
}

/** A fresh core trains: the loss falls. */
async function trainsFresh() {
  tf.random.setSeed(21);
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 3 }));
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const x = tf.randomUniform([12, 8, 8, 1], 0, 1, 'float32', 3);
  const y = tf.tensor(Int32Array.from({ length: 12 }, (_, i) => i % 3), [12], 'int32');
  const h = await m.fit(x, y, { epochs: 30, batchSize: 12, verbose: 0, shuffle: false });
  const s = await tf.coreStats();
  m.dispose();
  tf.dispose([x, y]);
  return { first: h.history.loss[0], last: h.history.loss.at(-1), poolThreads: tf.engine().info.poolThreads, tasks: s.threadTaskCounts };
}

// 1. One long chain of matMuls, the kill timed to land inside it.
await tf.ready({ mode, threads: 2 });
{
  const a = tf.randomUniform([768, 768]);
  await tf.matMul(a, a).data(); // warm
  const t0 = performance.now();
  await tf.matMul(a, a).data();
  const oneMs = performance.now() - t0;
  // 30 products take 30 x oneMs; the fault lands in about the third.
  await fault(args.how === 'trap' ? 100 : Math.max(20, Math.round(3 * oneMs)));
  const r = await outcome(async () => {
    let c = a;
    for (let i = 0; i < 30; i++) c = tf.matMul(c, a);
    await c.data();
  });
  const old = await outcome(() => a.data());
  out({ case: 'kernel', oneMs: Math.round(oneMs), ...r, oldTensor: old.message, fresh: await trainsFresh() });
}

// 2. Kills at deterministic pseudo-random points of a fit.
let s = 12345;
for (let round = 0; round < Number(args.rounds); round++) {
  await tf.ready({ mode, threads: 2 });
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [24, 24, 3] }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 4 }));
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const x = tf.randomUniform([64, 24, 24, 3]);
  const y = tf.tensor(Int32Array.from({ length: 64 }, (_, i) => i % 4), [64], 'int32');
  s = (s * 1103515245 + 12345) % 2 ** 31;
  const at = args.how === 'trap' ? 20 + (s % 2000) : 30 + (s % 300);
  await fault(at);
  const r = await outcome(() => m.fit(x, y, { epochs: 500, batchSize: 16, verbose: 0 }));
  out({ case: 'fit', round, faultAt: at, ...r, fresh: await trainsFresh() });
}
// No process.exit: the process must end by itself (no pool thread, worker
// or supervisor of a lost core keeps it alive).
