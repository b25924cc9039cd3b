// Where 2-thread scaling is lost in a batch-1 forward pass, per kernel call:
// records the kernel calls of one predict of a tf.builders architecture
// (after the plan-building pass), then replays that exact sequence on two
// cores of this build loaded side by side, one at 1 thread and one at 2,
// alternating whole passes round by round so the drift of a shared host hits
// both alike. Prints per-call-site medians at 1 and 2 threads, their ratio,
// and the time each costs against perfect (2x) scaling, plus the real
// predict at 2 threads (the gap between it and the replay's kernel sum is
// time outside kernels: JS, allocation, the worker thread waking up).
//
//   node benches/scaling.mjs [--model resnet50|vgg16|mobilenetV2] [--rounds 7] [--top 25] [--data random|real]
// (--random-bn: random batch-norm statistics, as architectures.mjs; --data real: the replay reads the values the real pass read, not random ones;
// --switch N --values a,b: the 2-thread replay once per value of tuning switch N,
// as crates/cnn-core/src/tuning.rs numbers them, interleaved; the 1-thread one at the default)
//
//   node benches/scaling.mjs --train [--rounds 7] [--steps 3] [--switch N --values a,b]
// Training instead: the seed's CIFAR CNN (batch 64, Adam) on one 2-thread core, `--steps` steps at 2
// threads and the same steps run serially (setRunSerially, the 1-thread code path) alternating round
// by round, per kernel call site (ms per step) and the time outside kernels, with each round's
// 2t/1t ratio; beside it, the host's own 2-worker scaling in the same rounds (a register-only loop,
// a 32 MB streaming loop and 256^3 wasm SIMD matMuls on two worker_threads vs one), to tell our losses from the host's.
//   node benches/scaling.mjs --host [--rounds 7]: the host's 2-worker scaling alone.
// Every mode takes --busy N: N busy-looping processes run beside it (contention: tuning switch 43).
//   node benches/scaling.mjs --conv [--op fwd,bwd,dx,dw] [--shape n,h,w,cin,cout,stride ...] [--rounds 15] [--switch N --values a,b]
// Per convolution (benches/conv.mjs's eight shapes by default): each op on one 2-thread core at 2
// threads and run serially, alternating call by call; medians and the fastest rounds of each, their
// ratio, and the host's compute and SIMD probes in the same rounds.
import { loadCore } from 'cnn-worker';
import { parseArgs } from 'node:util';
import { randomiseBatchNorms } from './random-bn.mjs';

const { values: args } = parseArgs({
  options: { conv: { type: 'boolean' }, op: { type: 'string', default: 'fwd,bwd' }, shape: { type: 'string', multiple: true }, train: { type: 'boolean' }, host: { type: 'boolean' }, steps: { type: 'string', default: '3' }, model: { type: 'string', default: 'resnet50' }, rounds: { type: 'string', default: '7' }, top: { type: 'string', default: '25' }, data: { type: 'string', default: 'random' }, switch: { type: 'string' }, values: { type: 'string', default: '1,2' }, 'random-bn': { type: 'boolean' }, busy: { type: 'string', default: '0' }, by: { type: 'string', default: 'loss' } },
});
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
// --busy N: N other processes spinning beside us for the whole run (a shared
// serverless CPU, a build on the same host), at normal priority.
if (Number(args.busy) > 0) {
  const { spawn } = await import('node:child_process');
  const kids = Array.from({ length: Number(args.busy) }, () => spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
  process.on('exit', () => kids.forEach((k) => k.kill()));
  console.log(`# beside ${kids.length} busy process(es)`);
}
if (args.train) {
  await trainScaling();
  process.exit(0);
}
if (args.conv) {
  await convScaling();
  process.exit(0);
}
if (args.host) {
  await hostScaling(Number(args.rounds));
  process.exit(0);
}
const tf = await import('cnn-ts');
await tf.ready({ threads: 2, mode: 'inline' });
const ex = tf.engine().backend.inline;
tf.random.setSeed(7);
const m = tf.builders[args.model]();
// Random batch-norm statistics, as benches/architectures.mjs sets them.
if (args['random-bn']) randomiseBatchNorms(tf, m);
const x = tf.randomUniform([1, 224, 224, 3]);
const predict = async () => {
  const p = m.predict(x);
  await p.data();
  p.dispose();
};
await predict(); // the plan-building pass (folds, prepares filters): not recorded

// Bench-only reach into the executor: one record per kernel call, with the
// lengths of the buffers it reads and writes (inputs, in-place, outputs).
const calls = [];
const origCall = ex.call;
ex.call = function (cmd) {
  const buf = (id) => this.tensors.get(id);
  // With --data real, the values each call read (weights, activations), so the replay computes on them.
  const take = (id) => (args.data === 'real' ? this.core.read(buf(id).handle, buf(id).length).slice() : null);
  calls.push({
    fn: cmd.fn,
    ids: [...cmd.inputs, ...(cmd.inplace ?? [])].map((id) => (id === null ? null : { id, len: buf(id).length, data: take(id) })),
    outs: (cmd.outputs ?? []).map((o) => ({ id: o.id, len: o.size })),
    args: cmd.args ?? [],
  });
  return origCall.call(this, cmd);
};
await predict();
// The real predict, timed whole and per kernel call (its own 2-thread core).
let inKernels = 0;
let callIndex = 0;
const realCalls = calls.map(() => []);
ex.call = function (cmd) {
  const t = performance.now();
  const r = origCall.call(this, cmd);
  const ms = performance.now() - t;
  inKernels += ms;
  if (callIndex < calls.length && cmd.fn === calls[callIndex].fn) realCalls[callIndex].push(ms);
  callIndex++;
  return r;
};
// Time in the store's allocations (a buffer the recycler cannot give is zero-filled on this thread).
let inAlloc = 0;
let allocs = 0;
const origAlloc = ex.core.alloc;
ex.core.alloc = function (...a) {
  const t = performance.now();
  const h = origAlloc.apply(this, a);
  inAlloc += performance.now() - t;
  allocs++;
  return h;
};
const allocMs = [];
const real2 = [];
const realKernels2 = [];
const real1 = [];
const engineRaw = ex.core.raw;
const realSerialPass = async () => {
  engineRaw.setRunSerially(true);
  const saved = callIndex;
  callIndex = Infinity; // not recorded per call
  const t0 = performance.now();
  await predict();
  real1.push(performance.now() - t0);
  engineRaw.setRunSerially(false);
  callIndex = saved;
};
// The same 2-thread pass right after an untimed one (its worker thread busy just before, not idle).
const real2Warm = [];
const realWarmPass = async () => {
  const saved = callIndex;
  callIndex = Infinity;
  await predict();
  const t0 = performance.now();
  await predict();
  real2Warm.push(performance.now() - t0);
  callIndex = saved;
};
const realPass = async () => {
  inKernels = 0;
  inAlloc = 0;
  allocs = 0;
  callIndex = 0;
  const t0 = performance.now();
  await predict();
  real2.push(performance.now() - t0);
  realKernels2.push(inKernels);
  allocMs.push(inAlloc);
};

function key(c) {
  const spec = c.args[c.args.length - 1];
  if (c.fn.startsWith('conv2d') && spec instanceof Uint32Array) return `${c.fn} ${spec[0]}x${spec[1]}x${spec[2]}x${spec[3]}->${spec[6]} k${spec[4]} s${spec[7]}`;
  if (c.fn === 'unary' || c.fn === 'binary') return `${c.fn}(${c.args[0]})`;
  return c.fn;
}

/** Buffers for one core: every recorded tensor id gets one buffer, inputs from outside the pass random. */
function setup(core) {
  const bufs = new Map();
  const rnd = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
  const get = (t, fresh) => {
    if (!bufs.has(t.id)) bufs.set(t.id, fresh ? core.alloc(t.len) : core.upload(t.data ?? rnd(t.len)));
    return bufs.get(t.id);
  };
  return calls.map((c) => {
    const ins = c.ids.map((t) => (t === null ? undefined : get(t, false)));
    const outs = c.outs.map((t) => get(t, true));
    const fn = core.raw[c.fn];
    const argv = [...ins, ...outs, ...c.args];
    return () => fn.apply(core.raw, argv);
  });
}

const cores = [await loadCore({ threads: 1 }), await loadCore({ threads: 2 })];
for (const c of cores) await c.threadsReady;
const runs = cores.map(setup);
// Contenders: [core index, switch value or null, label].
const sw = args.switch === undefined ? null : Number(args.switch);
// '1t/pool': the 2-thread core run serially (setRunSerially), as benches/architectures.mjs times 1 thread.
const contenders = [[0, null, '1t'], ...(sw === null ? [[1, null, '2t']] : args.values.split(',').map((v) => [1, Number(v), `2t [${v}]`])), [1, 'serial', '1t/pool']];
const samples = contenders.map(() => calls.map(() => []));
const totals = contenders.map(() => []);
// The host's own 2-worker scaling in the same rounds: the 2-thread figures mean
// something only in rounds where the host gave two cores' worth (compute, simd near 2).
const probe = await hostProbe();
const host = { compute: [], simd: [] };
for (let r = -1; r < Number(args.rounds); r++) {
  await realPass();
  await realSerialPass();
  await realWarmPass();
  for (const [ci, [core, v]] of contenders.entries()) {
    if (v === 'serial') cores[core].raw.setRunSerially(true);
    else if (v !== null) cores[core].raw.setTuning(sw, v);
    const run = runs[core];
    const t0 = performance.now();
    for (const [i, f] of run.entries()) {
      const t = performance.now();
      f();
      if (r >= 0) samples[ci][i].push(performance.now() - t);
    }
    if (r >= 0) totals[ci].push(performance.now() - t0);
    if (v === 'serial') cores[core].raw.setRunSerially(false);
    else if (v !== null) cores[core].raw.setTuning(sw, 0);
  }
  if (r >= 0) for (const k of Object.keys(host)) host[k].push(await probe(k));
}
probe.close();
// Per call site (same key summed over its calls), medians per call then summed.
const sites = new Map();
calls.forEach((c, i) => {
  const k = key(c);
  const s = sites.get(k) ?? { calls: 0, t: contenders.map(() => 0), real: 0 };
  s.calls += 1;
  contenders.forEach((_, ci) => (s.t[ci] += median(samples[ci][i])));
  s.real += realCalls[i].length ? median(realCalls[i]) : NaN;
  sites.set(k, s);
});
const rows = [...sites.entries()].map(([k, s]) => ({ k, ...s, loss: s.t[1] - s.t[0] / 2 })).sort((a, b) => b.loss - a.loss);
// --by real: sorted by how much slower the real predict's call is than its replay at 2 threads.
if (args.by === 'real') rows.sort((a, b) => b.real - b.t[1] - (a.real - a.t[1]));
const sums = contenders.map((_, ci) => rows.reduce((t, r) => t + r.t[ci], 0));
const passes = contenders.map((_, ci) => median(totals[ci]));
console.log(`# ${args.model} batch 1, ${calls.length} kernel calls replayed, medians of ${args.rounds} alternating rounds`);
console.log(`replayed pass: ${contenders.map(([, , l], ci) => `${l} ${passes[ci].toFixed(1)} ms (kernels ${sums[ci].toFixed(1)})`).join(', ')}; 1t / 2t: ${passes.slice(1, -1).map((p) => (passes[0] / p).toFixed(2)).join(' / ')}; 1t/pool / 2t: ${passes.slice(1, -1).map((p) => (passes[passes.length - 1] / p).toFixed(2)).join(' / ')}`);
console.log(`real predict at 2 threads ${median(real2).toFixed(1)} ms, ${median(realKernels2).toFixed(1)} of them in kernel calls (${median(allocMs).toFixed(1)} ms in ${allocs} allocations); the same core run serially ${median(real1).toFixed(1)} ms -> ${(median(real1) / median(real2)).toFixed(2)}x; 2 threads right after an untimed pass ${median(real2Warm).toFixed(1)} ms -> ${(median(real1) / median(real2Warm)).toFixed(2)}x (alternating with the replays)`);
console.log(`host in the same rounds, 2 workers / 1: ${Object.keys(host).map((k) => `${k} ${host[k].map((q) => q.toFixed(2)).join(' ')} (median ${median(host[k]).toFixed(2)})`).join('; ')}`);
console.log(`per round, real predict serial / 2t: ${real1.slice(1).map((t, i) => (t / real2[i + 1]).toFixed(2)).join(' ')}; replay 1t core / 2t: ${totals[0].map((t, i) => (t / totals[1][i]).toFixed(2)).join(' ')}; replay 1t/pool / 2t: ${totals[0].map((_, i) => (totals[contenders.length - 1][i] / totals[1][i]).toFixed(2)).join(' ')}`);
console.log(`${'call site'.padEnd(40)} ${'calls'.padStart(5)} ${contenders.map(([, , l]) => `${l} ms`.padStart(10)).join(' ')} ${'real 2t'.padStart(8)} ${'1t/2t'.padStart(6)} ${'lost ms'.padStart(8)}`);
for (const r of rows.slice(0, Number(args.top))) {
  console.log(`${r.k.padEnd(40)} ${String(r.calls).padStart(5)} ${r.t.map((t) => t.toFixed(2).padStart(10)).join(' ')} ${r.real.toFixed(2).padStart(8)} ${r.t.slice(1, -1).map((t) => (r.t[0] / t).toFixed(2)).join('/').padStart(6)} ${r.loss.toFixed(2).padStart(8)}`);
}
process.exit(0);

/**
 * The host's own 2-worker scaling: `work` ms-sized items of a register-only
 * loop ('compute'), of a loop streaming 2 x 32 MB ('memory') and of 16
 * 256x256x256 matMuls of this build's wasm SIMD GEMM ('simd': each worker
 * its own single-threaded core, no shared memory and no thread pool, so
 * only the host's cores run them), on one worker_thread and on two at
 * once; returns a function that times one 1-vs-2 pair of `kind` and gives
 * 2 * t1 / t2 (2.0 = perfect). 'simd' is the ceiling our kernels can reach
 * on this host: vector units, their clock under load and the caches of
 * two busy vCPUs, which the scalar 'compute' loop does not see.
 */
async function hostProbe() {
  const { Worker } = await import('node:worker_threads');
  const src = `
    const { parentPort, workerData } = require('node:worker_threads');
    const simd = import(workerData.core).then(async ({ loadCore }) => {
      const core = await loadCore({ flavor: 'single' });
      const d = 256;
      const rnd = () => Float32Array.from({ length: d * d }, () => Math.random() * 2 - 1);
      const a = core.upload(rnd()), b = core.upload(rnd()), c = core.alloc(d * d);
      return () => { for (let r = 0; r < 16; r++) core.raw.matMul(a, b, c, d, d, d, false, false); };
    });
    const n = 8 << 20;
    const a = new Float32Array(n).map((_, i) => i % 7), b = new Float32Array(n);
    const work = {
      compute() {
        let x0 = 1, x1 = 1.1, x2 = 1.2, x3 = 1.3;
        for (let i = 0; i < 2e7; i++) { x0 = x0 * 0.9999 + 1e-4; x1 = x1 * 0.9998 + 2e-4; x2 = x2 * 0.9997 + 3e-4; x3 = x3 * 0.9996 + 4e-4; }
        return x0 + x1 + x2 + x3;
      },
      memory() {
        let s = 0;
        for (let r = 0; r < 2; r++) { for (let i = 0; i < n; i++) b[i] = a[i] * 1.5 + b[i]; s += b[r]; }
        return s;
      },
    };
    parentPort.on('message', async (k) => { if (k === 'simd') (await simd)(); else work[k](); parentPort.postMessage(0); });`;
  const ws = [0, 1].map(() => new Worker(src, { eval: true, workerData: { core: import.meta.resolve('cnn-worker') } }));
  const run = (k, kind) => Promise.all(ws.slice(0, k).map((w) => new Promise((res) => { w.once('message', res); w.postMessage(kind); })));
  for (const kind of ['compute', 'memory', 'simd']) { await run(2, kind); await run(1, kind); }
  const fastest = { 1: {}, 2: {} };
  const pair = async (kind) => {
    let t0 = performance.now();
    await run(1, kind);
    const t1 = performance.now() - t0;
    t0 = performance.now();
    await run(2, kind);
    const t2 = performance.now() - t0;
    fastest[1][kind] = Math.min(fastest[1][kind] ?? Infinity, t1);
    fastest[2][kind] = Math.min(fastest[2][kind] ?? Infinity, t2);
    return (2 * t1) / t2;
  };
  /** 2 * fastest 1-worker time / fastest 2-worker time of `kind`. */
  pair.best = (kind) => (2 * fastest[1][kind]) / fastest[2][kind];
  pair.close = () => ws.forEach((w) => w.terminate());
  return pair;
}

async function hostScaling(rounds) {
  const pair = await hostProbe();
  const r = { compute: [], memory: [], simd: [] };
  for (let i = 0; i < rounds; i++) for (const k of Object.keys(r)) r[k].push(await pair(k));
  pair.close();
  const os = await import('node:os');
  for (const [k, v] of Object.entries(r)) console.log(`host ${k}: 2 workers / 1 worker throughput ${v.map((x) => x.toFixed(2)).join(' ')}, median ${median(v).toFixed(2)}, fastest rounds ${pair.best(k).toFixed(2)} (load ${os.loadavg()[0].toFixed(2)})`);
}

/** See the header: the seed CNN's training steps at 2 threads and serially, alternating, per kernel. */
async function trainScaling() {
  const os = await import('node:os');
  const load0 = os.loadavg()[0];
  const tf = await import('cnn-ts');
  await tf.ready({ threads: 2, mode: 'inline' });
  const ex = tf.engine().backend.inline;
  const raw = ex.core.raw;
  tf.random.setSeed(1);
  const m = tf.builders.cifarCnn([32, 32, 3], 10);
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy' });
  const B = 64;
  const steps = Number(args.steps);
  const x = tf.randomUniform([B * steps, 32, 32, 3]);
  const y = tf.tensor(Int32Array.from({ length: B * steps }, (_, i) => i % 10), [B * steps], 'int32');
  const fitOpts = { epochs: 1, batchSize: B, verbose: 0, shuffle: false, checkFinite: false };
  await m.fit(x, y, fitOpts);
  raw.setRunSerially(true);
  await m.fit(x, y, fitOpts);
  raw.setRunSerially(false);
  const sw = args.switch === undefined ? null : Number(args.switch);
  // Contenders: [label, serial, switch value or null].
  const contenders = [['1t', true, null], ...(sw === null ? [['2t', false, null]] : args.values.split(',').map((v) => [`2t [${v}]`, false, Number(v)]))];
  const probe = await hostProbe();
  const host = { compute: [], memory: [], simd: [] };
  const wall = contenders.map(() => []);
  const sites = contenders.map(() => new Map());
  const rounds = Number(args.rounds);
  const sample = async (ci) => {
    ex.profile = new Map();
    const t0 = performance.now();
    await m.fit(x, y, fitOpts);
    wall[ci].push((performance.now() - t0) / steps);
    for (const [k, e] of ex.profile) {
      const s = sites[ci].get(k) ?? { calls: 0, ms: [] };
      s.calls = e.calls / steps;
      s.ms.push(e.ms / steps);
      sites[ci].set(k, s);
    }
    ex.profile = null;
  };
  await alternate(raw, contenders, sw, 0, rounds, sample, async () => {
    for (const k of Object.keys(host)) host[k].push(await probe(k));
  });
  const inK = contenders.map((_, ci) => median(wall[ci].map((_, r) => [...sites[ci].values()].reduce((t, s) => t + (s.ms[r] ?? 0), 0))));
  const w = wall.map(median);
  const best = wall.map((v) => Math.min(...v));
  console.log(`# seed CIFAR CNN training, batch ${B}, ${steps} steps per sample, ${rounds} alternating rounds, one 2-thread core (1t = run serially); load ${load0.toFixed(2)} -> ${os.loadavg()[0].toFixed(2)}`);
  console.log(`ms/step: ${contenders.map(([l], ci) => `${l} ${w[ci].toFixed(1)} (kernels ${inK[ci].toFixed(1)}, outside ${(w[ci] - inK[ci]).toFixed(1)})`).join(', ')}`);
  for (let ci = 1; ci < contenders.length; ci++) {
    const per = wall[0].map((t, r) => t / wall[ci][r]);
    console.log(`${contenders[ci][0]} / 1t per round: ${per.map((q) => q.toFixed(2)).join(' ')}, median ${median(per).toFixed(2)}; img/s ${((1000 * B) / w[0]).toFixed(0)} / ${((1000 * B) / w[ci]).toFixed(0)}; fastest rounds ${best[0].toFixed(1)} / ${best[ci].toFixed(1)} ms = ${(best[0] / best[ci]).toFixed(2)}`);
  }
  const hostLine = (k) => `${k} ${host[k].map((q) => q.toFixed(2)).join(' ')} (median ${median(host[k]).toFixed(2)}, fastest rounds ${probe.best(k).toFixed(2)})`;
  console.log(`host in the same rounds, 2 workers / 1: ${Object.keys(host).map(hostLine).join('; ')}`);
  const keys = [...sites[0].keys()];
  const rows = keys.map((k) => {
    const t = contenders.map((_, ci) => median(sites[ci].get(k)?.ms ?? [NaN]));
    return { k, calls: sites[0].get(k).calls, t, lost: t[1] - t[0] / 2 };
  }).sort((a, b) => b.lost - a.lost);
  console.log(`${'call site (ms per step)'.padEnd(44)} ${'calls'.padStart(5)} ${contenders.map(([l]) => l.padStart(9)).join(' ')} ${'1t/2t'.padStart(6)} ${'lost ms'.padStart(8)}`);
  for (const r of rows.slice(0, Number(args.top))) {
    console.log(`${r.k.padEnd(44)} ${String(+r.calls.toFixed(2)).padStart(5)} ${r.t.map((t) => t.toFixed(2).padStart(9)).join(' ')} ${r.t.slice(1).map((t) => (r.t[0] / t).toFixed(2)).join('/').padStart(6)} ${r.lost.toFixed(2).padStart(8)}`);
  }
  const lostOutside = (w[1] - inK[1]) - (w[0] - inK[0]) / 2;
  probe.close();
  console.log(`${'outside kernels (JS, allocation, waits)'.padEnd(44)} ${''.padStart(5)} ${contenders.map((_, ci) => (w[ci] - inK[ci]).toFixed(2).padStart(9)).join(' ')} ${''.padStart(6)} ${lostOutside.toFixed(2).padStart(8)}`);
}

/** See the header (--conv): 2t vs serial per conv op, alternating call by call. */
async function convScaling() {
  const os = await import('node:os');
  const load0 = os.loadavg()[0];
  const { encodeConv2d } = await import('cnn-worker');
  const core = await loadCore({ threads: 2 });
  await core.threadsReady;
  const raw = core.raw;
  const shapes = (args.shape ?? ['64,32,32,3,16,1', '64,32,32,16,32,1', '64,16,16,32,64,2', '64,8,8,64,64,2', '64,16,16,64,64,1', '1,224,224,64,64,1', '1,56,56,256,256,1', '1,14,14,512,512,1']).map((t) => t.split(',').map(Number));
  const ops = args.op.split(',');
  const sw = args.switch === undefined ? null : Number(args.switch);
  const contenders = [['1t', true, null], ...(sw === null ? [['2t', false, null]] : args.values.split(',').map((v) => [`2t [${v}]`, false, Number(v)]))];
  const probe = await hostProbe();
  const host = { compute: [], simd: [] };
  const rnd = (len) => Float32Array.from({ length: len }, () => Math.random() * 2 - 1);
  console.log(`# conv2d 3x3 SAME, one 2-thread core at 2 threads and run serially (1t), alternating; ${args.rounds} rounds; load ${load0.toFixed(2)}`);
  console.log(`${'shape'.padEnd(22)} ${'op'.padEnd(3)} ${contenders.map(([l]) => `${l} med/min ms`.padStart(18)).join(' ')}  ${contenders.slice(1).map(([l]) => `${l}/1t med min`.padStart(18)).join(' ')}`);
  for (const [n, h, w, cin, cout, st] of shapes) {
    const spec = encodeConv2d({ n, h, w, cin, kh: 3, kw: 3, cout, strides: [st, st], dilations: [1, 1], pad: 'same' });
    const oh = Math.ceil(h / st), ow = Math.ceil(w / st);
    const x = core.upload(rnd(n * h * w * cin)), f = core.upload(rnd(9 * cin * cout)), dy = core.upload(rnd(n * oh * ow * cout));
    const y = core.alloc(n * oh * ow * cout), dx = core.alloc(n * h * w * cin), dw = core.alloc(9 * cin * cout);
    const run = { fwd: () => raw.conv2d(x, f, undefined, y, false, spec), dx: () => raw.conv2dBackpropInput(dy, f, dx, spec), dw: () => raw.conv2dBackpropFilter(x, dy, dw, spec), bwd: () => { raw.conv2dBackpropInput(dy, f, dx, spec); raw.conv2dBackpropFilter(x, dy, dw, spec); } };
    for (const op of ops) {
      const fn = run[op];
      fn();
      const t0 = performance.now();
      fn();
      // Calls per sample: at least ~4 ms of serial work per sample.
      const reps = Math.max(1, Math.ceil(4 / (2 * (performance.now() - t0))));
      const samples = contenders.map(() => []);
      await alternate(raw, contenders, sw, -1, Number(args.rounds), (ci, r) => {
        const t = performance.now();
        for (let k = 0; k < reps; k++) fn();
        if (r >= 0) samples[ci].push((performance.now() - t) / reps);
      });
      const med = samples.map(median);
      const min = samples.map((a) => Math.min(...a));
      const name = `${n}x${h}x${w}x${cin}->${cout}${st > 1 ? ` s${st}` : ''}`;
      console.log(`${name.padEnd(22)} ${op.padEnd(3)} ${med.map((m, i) => `${m.toFixed(2)}/${min[i].toFixed(2)}`.padStart(18)).join(' ')}  ${med.slice(1).map((m, i) => `${(med[0] / m).toFixed(2)} ${(min[0] / min[i + 1]).toFixed(2)}`.padStart(18)).join(' ')}`);
      for (const k of Object.keys(host)) host[k].push(await probe(k));
    }
    [x, f, dy, y, dx, dw].forEach((b) => core.free(b));
  }
  probe.close();
  const hostLine = (k) => `${k} ${host[k].map((q) => q.toFixed(2)).join(' ')} (median ${median(host[k]).toFixed(2)}, fastest ${probe.best(k).toFixed(2)})`;
  console.log(`host probes between ops, 2 workers / 1: ${Object.keys(host).map(hostLine).join('; ')}; load ${os.loadavg()[0].toFixed(2)}`);
}

/**
 * Rounds `first..rounds` of `sample(ci, r)` for every contender `[label,
 * serial, switch value]` on one core, in alternating order round by round,
 * with its settings applied (run serially; tuning switch `sw` at the value)
 * and reset after; `afterRound(r)` after each round.
 */
async function alternate(raw, contenders, sw, first, rounds, sample, afterRound = async () => {}) {
  for (let r = first; r < rounds; r++) {
    const order = contenders.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const ci of order) {
      const [, serial, v] = contenders[ci];
      raw.setRunSerially(serial);
      if (v !== null) raw.setTuning(sw, v);
      await sample(ci, r);
      raw.setRunSerially(false);
      if (v !== null) raw.setTuning(sw, 0);
    }
    await afterRound(r);
  }
}
