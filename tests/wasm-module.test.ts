// Checks the built modules themselves: the threaded one must import a
// shared memory and contain SIMD128 and atomic instructions; the single one
// must be SIMD128 on a private memory. Uses wasm-objdump (Debian's wabt).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const wasm = (flavor: string) => fileURLToPath(new URL(`../packages/cnn-worker/wasm/${flavor}/cnn_core_bg.wasm`, import.meta.url));
const objdump = (args: string[]) => execFileSync('wasm-objdump', args, { maxBuffer: 256 << 20 }).toString();

describe('built wasm modules', () => {
  it('threaded: imports a shared memory, has SIMD128 and atomics', () => {
    const headers = objdump(['-x', '-j', 'Import', wasm('threaded')]);
    expect(headers).toMatch(/- memory\[0\] pages: initial=\d+ max=65536 shared <- .*\.memory/);
    const code = objdump(['-d', wasm('threaded')]);
    expect(code).toMatch(/f32x4\.mul/);
    expect(code).toMatch(/f32x4\.add/);
    expect(code).toMatch(/v128\.load32_splat/);
    expect(code).toMatch(/memory\.atomic\.wait32/);
  });

  it('single: SIMD128 on its own, unshared memory', () => {
    const headers = objdump(['-x', wasm('single')]);
    expect(headers).not.toMatch(/shared/);
    expect(headers).toMatch(/- memory\[0\] pages: initial=\d+ max=65536/);
    const code = objdump(['-d', wasm('single')]);
    expect(code).toMatch(/f32x4\.mul/);
    expect(code).not.toMatch(/memory\.atomic/);
  });
});
