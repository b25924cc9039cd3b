// Freed memory is reusable after an out-of-memory error, whatever the
// order of frees: a deterministic fragmentation, then the allocation that
// needs compaction (packages/cnn-worker/src/core.ts, Core.compact; the store
// side in crates/cnn-core/src/wasm/store.rs). The store's test hook
// `setBufferLimit` ends the address space for buffers 64 MiB above where it
// starts, so "all memory" fills in milliseconds instead of 4 GiB
// (benches/oom-reuse.mjs does the same at the real 4 GiB, by hand).
import { describe, expect, it } from 'vitest';
import { loadCore, type Core } from 'cnn-worker';
import * as tf from 'cnn-ts';

const MiB = 2 ** 20;
const FLOATS_PER_MIB = MiB / 4;

/** Allocates buffers of the given MiB sizes (cycled) until one fails; returns the handles and sizes, and the error. */
function fill(core: Core, sizes: number[]): { held: { h: number; mib: number }[]; error: string } {
  const held: { h: number; mib: number }[] = [];
  for (let i = 0; i < 10_000; i++) {
    const mib = sizes[i % sizes.length];
    try {
      const h = core.alloc(mib * FLOATS_PER_MIB, true);
      core.view(h, 4).set([held.length, mib, 7, 9]);
      held.push({ h, mib });
    } catch (e) {
      return { held, error: (e as Error).message };
    }
  }
  throw new Error('fill: the limit was never reached');
}

async function limitedCore(): Promise<Core> {
  const core = await loadCore({ threads: 1 });
  core.raw.setBufferLimit(core.heapBytes() + 64 * MiB);
  return core;
}

describe('memory is reusable after out of memory', () => {
  it('holes of 1 MiB between live buffers: an 8 MiB buffer fails without compaction and fits with it, the live buffers keep their values and handles', async () => {
    const core = await limitedCore();
    const { held, error } = fill(core, [1]);
    expect(error).toMatch(/^out of memory: cannot allocate 262144 floats \(1 MiB\) \(after compacting \d+ buffers: \d+ live buffers hold \d+\.\d MiB, wasm memory \d+\.\d MiB of at most 4096\)$/);
    expect(held.length).toBeGreaterThan(50);
    // Free every other one: about half the space is free, in 1 MiB holes.
    const kept = held.filter((_, i) => i % 2 === 0);
    for (const b of held.filter((_, i) => i % 2 === 1)) core.free(b.h);
    const freeMiB = held.length - kept.length;
    expect(freeMiB).toBeGreaterThan(20);

    core.compactOnOom = false;
    expect(() => core.alloc(8 * FLOATS_PER_MIB)).toThrow(/^out of memory: cannot allocate 2097152 floats \(8 MiB\)$/);
    core.compactOnOom = true;
    const big = core.alloc(8 * FLOATS_PER_MIB);
    expect(core.view(big, 8 * FLOATS_PER_MIB).every((v) => v === 0)).toBe(true);
    // Every kept buffer moved or not, under its old handle, with its values.
    for (const b of kept) {
      expect(Array.from(core.view(b.h, 4))).toEqual([held.indexOf(b), 1, 7, 9]);
    }
    // What is left fills too: free space is one piece now.
    const more = fill(core, [Math.floor((freeMiB - 8) / 2)]);
    expect(more.held.length).toBeGreaterThanOrEqual(1);
    expect(core.storeStats().buffers).toBe(kept.length + 1 + more.held.length);
  });

  it('mixed sizes, random frees, three rounds: after freeing everything the same sizes always fit again', async () => {
    const core = await limitedCore();
    let seed = 5;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 3; round++) {
      const { held } = fill(core, [3, 1, 5, 2, 1, 7]);
      // Free a random half, ask for a buffer of half the freed space.
      const freed = held.filter(() => rand() < 0.5);
      for (const b of freed) core.free(b.h);
      const want = Math.floor(freed.reduce((t, b) => t + b.mib, 0) / 2);
      const big = core.alloc(want * FLOATS_PER_MIB, true);
      for (const b of held.filter((b) => !freed.includes(b))) expect(Array.from(core.view(b.h, 4))).toEqual([held.indexOf(b), b.mib, 7, 9]);
      core.free(big);
      for (const b of held.filter((b) => !freed.includes(b))) core.free(b.h);
      expect(core.storeStats().buffers).toBe(0);
      // Everything free: the same sequence fits again, every buffer of it.
      const again = fill(core, [3, 1, 5, 2, 1, 7]);
      expect(again.held.length).toBeGreaterThanOrEqual(held.length);
      for (const b of again.held) core.free(b.h);
    }
  });

  it('through cnn-ts (inline): after out of memory and dispose() of every other tensor, a big tensor fits and the others read back unchanged', async () => {
    await tf.ready({ mode: 'inline', threads: 2 });
    const core = (tf.engine() as unknown as { backend: { inline: { core: Core } } }).backend.inline.core;
    core.raw.setBufferLimit(core.heapBytes() + 64 * MiB);
    try {
      const ts: tf.Tensor[] = [];
      let error = '';
      for (let i = 0; i < 200 && !error; i++) {
        const t = tf.fill([FLOATS_PER_MIB], i);
        try {
          await t.data();
          ts.push(t);
        } catch (e) {
          error = (e as Error).message;
          t.dispose();
        }
      }
      expect(error).toMatch(/out of memory: cannot allocate 262144 floats \(1 MiB\)/);
      tf.dispose(ts.filter((_, i) => i % 2 === 1));
      const big = tf.ones([16 * FLOATS_PER_MIB]);
      expect((await tf.sum(big).data())[0]).toBe(16 * FLOATS_PER_MIB);
      for (let i = 0; i < ts.length; i += 2) expect((await ts[i].data())[FLOATS_PER_MIB - 1]).toBe(i);
      tf.dispose([big, ...ts.filter((_, i) => i % 2 === 0)]);
    } finally {
      core.raw.setBufferLimit(0);
    }
  });
});
