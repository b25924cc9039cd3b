// Node's core runs ops before its pool threads are up (`waitForThreads: false`,
// and the core Node starts at import): the first ops run on the calling
// thread alone, `ready()` then waits for the pool, and after it both threads
// work, with results bit-identical to the single-thread ones. Each case is
// a fresh `node` (the pool starts once per process), which must also exit
// by itself.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../', import.meta.url));
// A file inside the repository, so that `cnn-ts` resolves (the `-e` case
// below runs in the repository too).
const dir = join(repo, 'out/test-pool-background');
let n = 0;

interface Report {
  before: { counts: number[]; poolThreads: number };
  after: { counts: number[] };
  same: boolean;
  sum: number;
}

function run(script: string): Report {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `case-${n++}.mjs`);
  writeFileSync(file, script);
  const out = execFileSync(process.execPath, [file], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out.trim().split('\n').pop()!) as Report;
}

// Odd sizes, so the kernels split the work into several chunks.
const body = (ready: string) => `
import * as tf from 'cnn-ts';
${ready}
const gen = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s) );
const x = tf.tensor(gen(257 * 190, 0.37), [257, 190]);
const w = tf.tensor(gen(190 * 131, 0.11), [190, 131]);
const f = tf.tensor(gen(3 * 3 * 4 * 16, 0.7), [3, 3, 4, 16]);
const img = tf.tensor(gen(2 * 37 * 41 * 4, 0.05), [2, 37, 41, 4]);
const work = () => [...tf.matMul(x, w).dataSync(), ...tf.conv2d(img, f, 1, 'same').dataSync()];
const first = work();
const s1 = await tf.coreStats();
const info = await tf.ready();
const s0 = (await tf.coreStats()).threadTaskCounts;
// A parked pool thread can take longer to wake than this work takes on a
// loaded host (the same seen in node-threads.test.ts), so repeat it (bounded)
// until both threads have run a task; every repeat must give the same bits.
let s2 = [];
let same = true;
for (let rep = 0; rep < 1 || (rep < 200 && !s2.every((c) => c > 0)); rep++) {
  const again = work();
  same &&= first.length === again.length && first.every((v, i) => Object.is(v, again[i]));
  s2 = (await tf.coreStats()).threadTaskCounts.map((c, i) => c - (s0[i] ?? 0));
}
console.log(JSON.stringify({
  before: { counts: s1.threadTaskCounts, poolThreads: info.poolThreads },
  after: { counts: s2 },
  same,
  sum: first.reduce((a, b) => a + b, 0),
}));
`;

describe('ops before the Node pool is up', () => {
  it('the core started at import runs the first ops on one thread; ready() waits for the pool; then 2 threads, same bits', () => {
    const r = run(body(''));
    // Before: no pool yet (1 thread, and no pool thread has run a task).
    expect(r.before.counts).toEqual([0]);
    expect(r.before.poolThreads).toBe(2);
    expect(r.after.counts).toHaveLength(2);
    expect(r.after.counts.every((c) => c > 0)).toBe(true);
    expect(r.same).toBe(true);
    expect(Number.isFinite(r.sum)).toBe(true);
  });

  it("ready({ waitForThreads: false }) after a restart with other options: same, and the default ready() still waits", () => {
    // simd: 'strict' restarts the core the import started; the new one's pool starts in the background.
    const r = run(body("await tf.ready({ threads: 2, simd: 'strict', waitForThreads: false });"));
    expect(r.before.counts).toEqual([0]);
    expect(r.after.counts).toHaveLength(2);
    expect(r.after.counts.every((c) => c > 0)).toBe(true);
    expect(r.same).toBe(true);
  });

  it('under node --input-type=module -e (whose flag worker threads refuse) the pool still starts, inline and in a worker', () => {
    const script = `import * as tf from 'cnn-ts';
await tf.ready({ threads: 2 });
const a = tf.ones([64, 64]);
await tf.matMul(a, a).data();
const inline = (await tf.coreStats()).threadTaskCounts;
await tf.ready({ threads: 2, mode: 'worker' });
await tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).data();
const worker = (await tf.coreStats()).threadTaskCounts;
console.log(JSON.stringify({ inline, worker }));
await tf.engine().terminateCore();`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { inline: number[]; worker: number[] };
    expect(r.inline).toHaveLength(2);
    expect(r.worker).toHaveLength(2);
  });

  it('waitForThreads: false: the pool is not started (no worker spawned) until the first result is read back, then it comes up', () => {
    // Counts the Workers cnn-worker creates (its supervisor, which starts the
    // pool thread), through Node's own export of node:worker_threads.
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
import wt from 'node:worker_threads';
import { syncBuiltinESMExports } from 'node:module';
let spawned = 0;
const Base = wt.Worker;
wt.Worker = class extends Base { constructor(...a) { super(...a); spawned += 1; } };
syncBuiltinESMExports();
const { loadCore, Executor } = await import('cnn-worker');
const core = await loadCore({ threads: 2, simd: 'strict', waitForThreads: false });
const ex = new Executor(core);
const x = Float32Array.from({ length: 64 }, (_, i) => i);
ex.submit([{ kind: 'upload', id: 1, data: x }]);
await new Promise((r) => setTimeout(r, 50));
const beforeRead = spawned;
const r = ex.submit([{ kind: 'read', id: 1 }]);
const afterReadSync = spawned;
await core.threadsReady;
console.log(JSON.stringify({ beforeRead, afterReadSync, after: spawned, read: r.reads[0].length, counts: core.threadTaskCounts().length }));
`], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { beforeRead: number; afterReadSync: number; after: number; read: number; counts: number };
    expect(r.read).toBe(64);
    // Nothing spawned while the caller works (before: the supervisor at once).
    expect(r.beforeRead).toBe(0);
    expect(r.afterReadSync).toBe(0);
    // Then the supervisor (and through it the pool thread) starts, and the pool runs.
    expect(r.after).toBe(1);
    expect(r.counts).toBe(2);
  });

  it('waitForThreads: false: the reads before the pool starts set one timer to start it, not one each', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
const { loadCore, Executor } = await import('cnn-worker');
const core = await loadCore({ threads: 2, simd: 'strict', waitForThreads: false });
const ex = new Executor(core);
ex.submit([{ kind: 'upload', id: 1, data: new Float32Array(16).fill(2) }]);
const set = globalThis.setTimeout;
let zero = 0;
globalThis.setTimeout = (f, ms, ...a) => { if (!ms) zero += 1; return set(f, ms, ...a); };
const reads = [1, 2, 3, 4, 5].map(() => ex.submit([{ kind: 'read', id: 1 }]).reads[0][0]);
globalThis.setTimeout = set;
await core.threadsReady;
console.log(JSON.stringify({ zero, reads, counts: core.threadTaskCounts().length }));
`], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { zero: number; reads: number[]; counts: number };
    expect(r.reads).toEqual([2, 2, 2, 2, 2]);
    expect(r.zero).toBe(1);
    expect(r.counts).toBe(2);
  });

  it('ready({ threads: 2 }) waits for the pool by default: the first ops already use both threads', () => {
    const r = run(body("await tf.ready({ threads: 2, simd: 'strict' });"));
    expect(r.before.counts).toHaveLength(2);
    expect(r.before.counts.every((c) => c > 0)).toBe(true);
    expect(r.same).toBe(true);
  });
});
