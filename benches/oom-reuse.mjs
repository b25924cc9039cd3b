// Out of memory, then the same sizes again: fills the 4 GiB wasm heap with
// big tensors until the core refuses one (a clear "out of memory" error at
// the read, naming the size), disposes everything, and allocates the same
// sizes again, for several rounds with sizes in different orders. Freed
// memory must be reusable: big buffers (above the 64 MiB the buffer pool
// keeps) go back to the allocator, which coalesces them; on an allocation
// failure the pool is emptied and the allocation retried, and if it still
// fails the buffers are compacted (Core.compact) and it is retried once.
// Then the fragmenting pattern: fill with 256 MiB tensors, dispose every
// other one, and ask for one tensor of half the freed space (no hole fits
// it; only compaction makes room).
// Needs ~8 GiB of RAM and ~45 s per 2 rounds, so it is a manual check, not
// CI (tests/reliability-memory-reuse.test.ts is the same at a 64 MiB limit).
//
//   node benches/oom-reuse.mjs [--rounds 6] [--mode inline|worker]
import * as tf from 'cnn-ts';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '6' }, mode: { type: 'string', default: 'inline' } } });
await tf.ready({ threads: 2, mode: args.mode });
const sizes = [[16000, 16000], [20000, 20000], [9000, 9000], [14000, 14000]];
let failures = 0;
/** Computes `t` (reading one number, not gigabytes). */
async function touch(t) {
  const s = tf.sum(t);
  try {
    await s.data();
  } finally {
    s.dispose();
  }
}
/** Makes tensors `make(n)` (n = 0, 1, ...; at most 20) until one fails; returns those made and the error. */
async function fillUntilOom(make) {
  const held = [];
  for (let n = 0; n < 20; n++) {
    const t = make(n);
    try {
      await touch(t);
      held.push(t);
    } catch (e) {
      t.dispose();
      return { held, error: e.message };
    }
  }
  return { held, error: '' };
}
for (let round = 0; round < Number(args.rounds); round++) {
  const { held, error } = await fillUntilOom((n) => tf.zeros(sizes[(round + n) % sizes.length]));
  tf.dispose(held);
  let ok = 0;
  const again = [];
  for (let i = 0; i < held.length; i++) {
    const t = tf.zeros(sizes[(round + i) % sizes.length]);
    again.push(t);
    try {
      await touch(t);
      ok++;
    } catch (e) {
      failures++;
      console.log(`round ${round}: reallocating tensor ${i} failed: ${e.message}`);
    }
  }
  tf.dispose(again);
  const s = await tf.coreStats();
  console.log(JSON.stringify({ round, held: held.length, reallocated: ok, heapMiB: s.heapBytes / 2 ** 20, buffers: s.buffers, error }));
}
{
  const { held, error } = await fillUntilOom((n) => tf.fill([8192, 8192], n));
  tf.dispose(held.filter((_, i) => i % 2 === 1));
  const kept = held.filter((_, i) => i % 2 === 0);
  const freedMiB = (held.length - kept.length) * 256;
  const rows = Math.floor(freedMiB / 2 / 256) * 8192;
  const t0 = performance.now();
  const big = tf.ones([rows, 8192]);
  let ok = true;
  try {
    await touch(big);
  } catch (e) {
    ok = false;
    failures++;
    console.log(`alternate: ${rows}x8192 after freeing every other tensor failed: ${e.message}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  for (let i = 0; i < kept.length; i++) {
    const v = await tf.slice(kept[i], [8191, 8191], [1, 1]).data();
    if (v[0] !== 2 * i) failures++;
  }
  tf.dispose([big, ...kept]);
  console.log(JSON.stringify({ alternate: { held: held.length, freedMiB, bigMiB: (rows * 8192 * 4) / 2 ** 20, ok, seconds: Number(seconds.toFixed(1)), error } }));
}
console.log(JSON.stringify({ failures }));
process.exitCode = failures === 0 ? 0 : 1;
