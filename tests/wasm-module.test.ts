// Checks the built modules themselves: the threaded one must import a
// shared memory and contain SIMD128 and atomic instructions; the single one
// must be SIMD128 on a private memory. Uses wasm-objdump (Debian's wabt).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const wasm = (flavor: string, file = 'cnn_core_bg.wasm') => fileURLToPath(new URL(`../packages/cnn-worker/wasm/${flavor}/${file}`, import.meta.url));
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

  // Node 20's V8 has a generic JS-to-wasm wrapper only for signatures with at
  // most one result; for each other exported signature it compiles a wrapper
  // with TurboFan whenever the module is compiled (10-13 ms of CPU at every
  // cold start, and in every pool thread). scripts/build-wasm.sh builds
  // without multivalue, so wasm-bindgen returns through a pointer instead.
  it.each([
    ['threaded', 'cnn_core_bg.wasm'],
    ['threaded', 'cnn_core_bg.relaxed.wasm'],
    ['single', 'cnn_core_bg.wasm'],
    ['single', 'cnn_core_bg.relaxed.wasm'],
  ])('%s/%s: no exported function returns more than one value', (flavor, file) => {
    const details = objdump(['-x', wasm(flavor, file)]);
    const results = new Map<number, number>();
    for (const m of details.matchAll(/^ - type\[(\d+)\] \(.*\) -> (nil|\(.*\)|\S+)$/gm)) {
      results.set(Number(m[1]), m[2] === 'nil' ? 0 : m[2].startsWith('(') ? m[2].split(',').length : 1);
    }
    const sigOf = new Map<number, number>();
    for (const m of details.matchAll(/^ - func\[(\d+)\] sig=(\d+)/gm)) sigOf.set(Number(m[1]), Number(m[2]));
    const exported = [...details.matchAll(/^ - func\[(\d+)\](?: <[^>]*>)? -> "([^"]+)"$/gm)].map((m) => ({ name: m[2], sig: sigOf.get(Number(m[1])) }));
    expect(results.size).toBeGreaterThan(10);
    expect(exported.length).toBeGreaterThan(50);
    const multi = exported.filter((e) => e.sig === undefined || results.get(e.sig) === undefined || results.get(e.sig)! > 1).map((e) => e.name);
    expect(multi).toEqual([]);
  });
});
