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
import { loadCore } from 'cnn-worker';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { model: { type: 'string', default: 'resnet50' }, rounds: { type: 'string', default: '7' }, top: { type: 'string', default: '25' }, data: { type: 'string', default: 'random' }, switch: { type: 'string' }, values: { type: 'string', default: '1,2' }, 'random-bn': { type: 'boolean' }, by: { type: 'string', default: 'loss' } },
});
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const tf = await import('cnn-ts');
await tf.ready({ threads: 2, mode: 'inline' });
const ex = tf.engine().backend.inline;
tf.random.setSeed(7);
const m = tf.builders[args.model]();
if (args['random-bn']) {
  // Random batch-norm statistics, as benches/architectures.mjs sets them.
  let seed = 11;
  for (const l of m.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    const c = l.getWeights()[0].shape[0];
    const u = (lo, hi) => tf.randomUniform([c], lo, hi, 'float32', seed++);
    const ws = [u(0.5, 1.5), u(-0.2, 0.4), u(-0.2, 0.2), u(0.5, 2)];
    l.setWeights(ws);
    tf.dispose(ws);
  }
}
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
}
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
console.log(`replayed pass: ${contenders.map(([, , l], ci) => `${l} ${passes[ci].toFixed(1)} ms (kernels ${sums[ci].toFixed(1)})`).join(', ')}; 1t / 2t: ${passes.slice(1, -1).map((p) => (passes[0] / p).toFixed(2)).join(' / ')}`);
console.log(`real predict at 2 threads ${median(real2).toFixed(1)} ms, ${median(realKernels2).toFixed(1)} of them in kernel calls (${median(allocMs).toFixed(1)} ms in ${allocs} allocations); the same core run serially ${median(real1).toFixed(1)} ms -> ${(median(real1) / median(real2)).toFixed(2)}x; 2 threads right after an untimed pass ${median(real2Warm).toFixed(1)} ms -> ${(median(real1) / median(real2Warm)).toFixed(2)}x (alternating with the replays)`);
console.log(`${'call site'.padEnd(40)} ${'calls'.padStart(5)} ${contenders.map(([, , l]) => `${l} ms`.padStart(10)).join(' ')} ${'real 2t'.padStart(8)} ${'1t/2t'.padStart(6)} ${'lost ms'.padStart(8)}`);
for (const r of rows.slice(0, Number(args.top))) {
  console.log(`${r.k.padEnd(40)} ${String(r.calls).padStart(5)} ${r.t.map((t) => t.toFixed(2).padStart(10)).join(' ')} ${r.real.toFixed(2).padStart(8)} ${r.t.slice(1, -1).map((t) => (r.t[0] / t).toFixed(2)).join('/').padStart(6)} ${r.loss.toFixed(2).padStart(8)}`);
}
process.exit(0);
