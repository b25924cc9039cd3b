// The core keeps freed large buffers for reuse by allocations of the same
// length. Zero-filled allocations must still come back zeroed, and the
// kernels whose outputs skip the zero fill (executor's OVERWRITES_OUTPUT)
// must write every element: run each on an output recycled from a buffer
// full of NaN and compare with the same call on fresh memory.
import { describe, expect, it } from 'vitest';
import { encodeConv2d, Executor, loadCore, type Command } from 'cnn-worker';
import { randArray, rng } from './support/random.js';

describe('recycled buffers', () => {
  it('a zero-filled allocation is zeros even when it reuses a freed buffer', async () => {
    const core = await loadCore({ threads: 1 });
    const len = 10_000;
    const h = core.upload(new Float32Array(len).fill(7));
    core.free(h);
    const z = core.alloc(len);
    expect(core.read(z, len).every((v) => v === 0)).toBe(true);
    core.free(z);
  });

  it('kernels that overwrite their outputs give the same bits on a NaN-filled recycled buffer', async () => {
    const core = await loadCore({ threads: 2 });
    const ex = new Executor(core);
    const next = rng(7);
    // conv 16x16x16 -> 8x8x32, stride 2 (direct path) and 3x3 stride 1
    // (Winograd), both with their two gradients; ReLU mask; matMul; max
    // pooling of the conv output and its gradient (dy = the pooled output).
    const [n, h, w, cin, cout] = [2, 16, 16, 16, 32];
    const specs = [
      encodeConv2d({ n, h, w, cin, kh: 3, kw: 3, cout, strides: [2, 2], dilations: [1, 1], pad: 'same' }),
      encodeConv2d({ n, h, w, cin, kh: 3, kw: 3, cout, strides: [1, 1], dilations: [1, 1], pad: 'same' }),
    ];
    const x = randArray(next, n * h * w * cin);
    const f = randArray(next, 9 * cin * cout);
    const a = randArray(next, 300 * 9 * cin);
    // 2x2 stride-2 VALID max pooling of the conv output: [n, h, w, c, kh, kw, sh, sw, mode, pads].
    const poolSpec = (oh: number) => Uint32Array.from([n, oh, oh, cout, 2, 2, 2, 2, 0, 0, 0, 0, 0]);
    const run = (spec: Uint32Array, oh: number): Float32Array[] => {
      const ySize = n * oh * oh * cout;
      const cmds: Command[] = [
        { kind: 'upload', id: 1, data: x },
        { kind: 'upload', id: 2, data: f },
        { kind: 'call', fn: 'conv2d', inputs: [1, 2, null], outputs: [{ id: 3, size: ySize }], args: [true, spec] },
        { kind: 'call', fn: 'conv2dBackpropInput', inputs: [3, 2], outputs: [{ id: 4, size: x.length }], args: [spec] },
        { kind: 'call', fn: 'conv2dBackpropFilter', inputs: [1, 3], outputs: [{ id: 5, size: f.length }], args: [spec] },
        { kind: 'call', fn: 'reluBackward', inputs: [3, 3], outputs: [{ id: 6, size: ySize }], args: [] },
        { kind: 'upload', id: 10, data: a },
        { kind: 'call', fn: 'matMul', inputs: [10, 2], outputs: [{ id: 7, size: 300 * cout }], args: [300, cout, 9 * cin, false, false] },
        { kind: 'call', fn: 'maxPool2d', inputs: [3], outputs: [{ id: 8, size: ySize / 4 }], args: [poolSpec(oh)] },
        { kind: 'call', fn: 'maxPool2dBackward', inputs: [3, 8], outputs: [{ id: 9, size: ySize }], args: [poolSpec(oh)] },
        ...[3, 4, 5, 6, 7, 8, 9].map((id) => ({ kind: 'read' as const, id })),
        ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((id) => ({ kind: 'free' as const, id })),
      ];
      const r = ex.submit(cmds);
      expect(r.error).toBeUndefined();
      return r.reads;
    };
    /** Frees NaN-filled buffers of every output size, so the next run recycles them. */
    const poison = (sizes: number[]) => {
      for (const s of sizes) core.free(core.upload(new Float32Array(s).fill(NaN)));
    };
    for (const [spec, oh] of [[specs[0], 8], [specs[1], 16]] as const) {
      const fresh = run(spec, oh);
      poison([n * oh * oh * cout, x.length, f.length, 300 * cout, (n * oh * oh * cout) / 4]);
      const recycled = run(spec, oh);
      for (let i = 0; i < fresh.length; i++) {
        expect(recycled[i].some(Number.isNaN)).toBe(false);
        expect(recycled[i]).toEqual(fresh[i]);
      }
    }
    expect(ex.stats()).toMatchObject({ tensors: 0, buffers: 0, floats: 0 });
  });
});
