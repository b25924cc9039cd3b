// The threaded build starts its 2-thread pool at every process start. A
// wasm-opt pass (ssa-nomerge, part of -O3) once made about one start in
// three hang forever on Node 20 (see scripts/build-wasm.sh); a single start
// in a test would rarely show it, so this starts 16 fresh processes, 4 at a
// time, each bounded by a timeout.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./support/start-pool.mjs', import.meta.url));
const STARTS = 16;
const AT_ONCE = 4;

function start(): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script], { timeout: 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ ok: !err, out: err ? `${err.killed ? 'killed after 15 s (hung)' : err.message} ${stderr}` : stdout.trim() });
    });
  });
}

describe('threaded build: the pool starts at every process start', () => {
  it(`${STARTS} process starts (4 at a time), each with 2 threads, none hangs`, async () => {
    const results: { ok: boolean; out: string }[] = [];
    for (let i = 0; i < STARTS; i += AT_ONCE) {
      results.push(...(await Promise.all(Array.from({ length: AT_ONCE }, start))));
    }
    const failed = results.filter((r) => !r.ok).map((r) => r.out);
    expect(failed).toEqual([]);
    for (const r of results) expect(JSON.parse(r.out)).toEqual({ poolThreads: 2, flavor: 'threaded', v0: 64 });
  }, 240_000);
});
