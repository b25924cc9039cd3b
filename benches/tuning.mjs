// A/B of kernel variants inside one process, through the core's tuning
// switches (numbered as in crates/cnn-core/src/tuning.rs): the variants of one shape are
// timed in interleaved rounds, so the drift of a shared machine hits them
// alike. Medians in ms.
//
//   node benches/tuning.mjs --switch 1 --values 1,3,4 [--threads 1] [--op fwd|dx|dw]
//        [--shape n,h,w,cin,cout,stride ...] [--rounds 11]
//   node benches/tuning.mjs --against /tmp/old-wasm/ [--op fwd|dx|dw] [--shape ...]
//        (this build vs another build's packages/cnn-worker/wasm folder, copied
//        aside before a rebuild: both cores loaded in this process; with
//        --other-threads N the other core runs N threads, e.g. this build at
//        1 vs 2 threads: --against packages/cnn-worker/wasm --other-threads 2)
//   node benches/tuning.mjs --op train [--model cifar|fashion] --switch 1 --values 1,2 --threads 2
//        (whole training steps of the seed's CNN, batch 64, 4 steps per sample; --switch 34,35,36
//        sets each listed switch to the value at once)
//   node benches/tuning.mjs --op predict --model resnet50|mobilenetV2|vgg16 --switch 10 --values 1,2 [--threads 1]
//        (whole batch-1 forward passes of a tf.builders architecture, 224x224x3)
//   node benches/tuning.mjs --op train --fusion gradients --values 1,2 [--threads 1]
//        (training steps with the tape's fused gradients, grads/registry.ts `gradientFusions`, off (1) / on (2))
//   node benches/tuning.mjs --op predict --model resnet50 --fusion residual --values 1,2 [--threads 1]
//        (the same with one of predict's graph rewrites off (1) / on (2), models/inference.ts `fusion`)
//   node benches/tuning.mjs --op prepared --values 0,2,4 [--threads 1] [--shape ...]
//        (3x3 stride-1 forward: 0 = conv2d, which transforms its filter every call,
//        2 / 4 = conv2dPrepared on a filter conv2dPrepareFilter transformed once for
//        F(2x2) / F(4x4): what predict runs, models/inference.ts)
//   node benches/tuning.mjs --op matmul --switch 18 --values 1,2 --shape 1,25088,4096 [--threads 2]
//        (matMul of an m x k by a k x n matrix, --shape m,k,n: VGG16's first dense layer at batch 1)
//   --kernel k: the convolutions of --op fwd|dx|dw are k x k (default 3); --pad same|valid (default same)
import { loadCore, encodeConv2d } from 'cnn-worker';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values: args } = parseArgs({
  options: {
    switch: { type: 'string', default: '1' },
    values: { type: 'string', default: '1,2' },
    threads: { type: 'string', default: '1' },
    op: { type: 'string', default: 'fwd' },
    shape: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '11' },
    model: { type: 'string', default: 'cifar' },
    against: { type: 'string' },
    'other-threads': { type: 'string' },
    kernel: { type: 'string', default: '3' },
    pad: { type: 'string', default: 'same' },
    fusion: { type: 'string' },
  },
});
const shapes = (args.shape ?? ['64,32,32,16,32,1', '64,16,16,32,64,1', '64,16,16,64,64,1']).map((s) => s.split(',').map(Number));
const sw = Number(args.switch);
const trainSwitches = args.switch.split(',').map(Number);
const values = args.values.split(',').map(Number);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

if (args.op === 'train') {
  await trainSteps();
  process.exit(0);
}
if (args.op === 'predict') {
  await predictPasses();
  process.exit(0);
}

/** Batch-1 forward passes of an architecture (cnn-ts, inline core), switch values interleaved. */
async function predictPasses() {
  const tf = await import('cnn-ts');
  await tf.ready({ threads: Number(args.threads), mode: 'inline' });
  const raw = tf.engine().backend.inline.core.raw;
  // Bench-only reach into predict's rewrite switches (same module instance as cnn-ts's).
  const { fusion } = await import(new URL('../packages/cnn-ts/dist/models/inference.js', import.meta.url));
  tf.random.setSeed(7);
  const m = tf.builders[args.model]();
  const x = tf.randomUniform([1, 224, 224, 3]);
  const samples = values.map(() => []);
  const what = args.fusion ? `fusion ${args.fusion}` : `switch ${sw}`;
  console.log(`# ${what}, values ${values.join('/')}, ${args.model} predict batch 1, ${args.threads} thread(s), medians of ${args.rounds} rounds (ms)`);
  for (let r = -1; r < Number(args.rounds); r++) {
    for (const [i, v] of values.entries()) {
      if (args.fusion) {
        fusion[args.fusion] = v !== 1;
        // The plan is rebuilt (weights folded again) at the first predict after a change: not timed.
        const p0 = m.predict(x);
        await p0.data();
        p0.dispose();
      } else raw.setTuning(sw, v);
      const t0 = performance.now();
      const p = m.predict(x);
      await p.data();
      p.dispose();
      if (r >= 0) samples[i].push(performance.now() - t0);
    }
  }
  raw.setTuning(sw, 0);
  if (args.fusion) fusion[args.fusion] = true;
  console.log(values.map((v, i) => `[${v}] ${median(samples[i]).toFixed(1)}`).join('  '));
}

/** Training steps of the seed's CNN (cnn-ts, inline core), switch values interleaved. */
async function trainSteps() {
  const tf = await import('cnn-ts');
  await tf.ready({ threads: Number(args.threads), mode: 'inline' });
  // Bench-only reach into the engine for the inline core's tuning switches.
  const raw = tf.engine().backend.inline.core.raw;
  tf.random.setSeed(1);
  const shape = args.model === 'cifar' ? [32, 32, 3] : [28, 28, 1];
  const m = tf.builders.cifarCnn(shape, 10);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const B = 64, steps = 4;
  const x = tf.randomUniform([B * steps, ...shape]);
  const y = tf.tensor(Int32Array.from({ length: B * steps }, (_, i) => i % 10), [B * steps], 'int32');
  const samples = values.map(() => []);
  const gradFusions = args.fusion === 'gradients' ? (await import(new URL('../packages/cnn-ts/dist/grads/registry.js', import.meta.url))).gradientFusions : null;
  console.log(`# ${gradFusions ? 'gradient fusions' : `switch ${args.switch}`}, values ${values.join('/')}, ${args.model} CNN training, ${args.threads} thread(s), medians of ${args.rounds} rounds (images/s)`);
  for (let r = -1; r < Number(args.rounds); r++) {
    for (const [i, v] of values.entries()) {
      if (gradFusions) gradFusions.on = v !== 1;
      else for (const s of trainSwitches) raw.setTuning(s, v);
      const t0 = performance.now();
      await m.fit(x, y, { epochs: 1, batchSize: B, verbose: 0 });
      if (r >= 0) samples[i].push((B * steps * 1000) / (performance.now() - t0));
    }
  }
  for (const s of trainSwitches) raw.setTuning(s, 0);
  if (gradFusions) gradFusions.on = true;
  console.log(values.map((v, i) => `[${v}] ${median(samples[i]).toFixed(0)}`).join('  '));
}

const core = await loadCore({ threads: Number(args.threads) });
if (args.op === 'matmul') {
  const rnd = (len) => Float32Array.from({ length: len }, () => Math.random() * 2 - 1);
  console.log(`# switch ${sw}, values ${values.join('/')}, op matmul, ${args.threads} thread(s), medians of ${args.rounds} rounds (ms)`);
  for (const [m, k, n] of (args.shape ?? ['1,25088,4096']).map((s) => s.split(',').map(Number))) {
    const a = core.upload(rnd(m * k)), b = core.upload(rnd(k * n)), c = core.alloc(m * n);
    const samples = values.map(() => []);
    for (let r = -1; r < Number(args.rounds); r++) {
      values.forEach((v, i) => {
        core.raw.setTuning(sw, v);
        const t0 = performance.now();
        core.raw.matMul(a, b, c, m, n, k, false, false);
        if (r >= 0) samples[i].push(performance.now() - t0);
      });
    }
    core.raw.setTuning(sw, 0);
    console.log(`${m}x${k}x${n}`.padEnd(24), values.map((v, i) => `[${v}] ${median(samples[i]).toFixed(2)}`).join('  '));
    [a, b, c].forEach((h) => core.free(h));
  }
  process.exit(0);
}
const other = args.against ? await loadCore({ threads: Number(args['other-threads'] ?? args.threads), wasmBase: pathToFileURL(args.against.replace(/\/?$/, '/')).href }) : null;
const rnd = (len) => Float32Array.from({ length: len }, () => Math.random() * 2 - 1);
// Contenders: (core, switch value) pairs.
const contenders = other ? [[core, 0, 'this build'], [other, 0, 'other build']] : values.map((v) => [core, v, `[${v}]`]);
console.log(other
  ? `# this build vs ${args.against}${args['other-threads'] ? ` at ${args['other-threads']} thread(s)` : ''}, op ${args.op}, ${args.threads} thread(s), medians of ${args.rounds} rounds (ms)`
  : `# switch ${sw}, values ${values.join('/')}, op ${args.op}, ${args.threads} thread(s), medians of ${args.rounds} rounds (ms)`);
for (const [n, h, w, cin, cout, s] of shapes) {
  const k = Number(args.kernel);
  const spec = encodeConv2d({ n, h, w, cin, kh: k, kw: k, cout, strides: [s, s], dilations: [1, 1], pad: args.pad });
  const oh = args.pad === 'valid' ? Math.floor((h - k) / s) + 1 : Math.ceil(h / s);
  const ow = args.pad === 'valid' ? Math.floor((w - k) / s) + 1 : Math.ceil(w / s);
  const data = { x: rnd(n * h * w * cin), f: rnd(k * k * cin * cout), dy: rnd(n * oh * ow * cout) };
  const ops = contenders.map(([c, v]) => {
    const x = c.upload(data.x), f = c.upload(data.f), dy = c.upload(data.dy);
    const y = c.alloc(n * oh * ow * cout), dx = c.alloc(n * h * w * cin), dw = c.alloc(k * k * cin * cout);
    const prepared = {};
    if (args.op === 'prepared') {
      for (const v of values.filter((v) => v !== 0)) {
        prepared[v] = c.alloc((v + 2) ** 2 * cin * Math.ceil(cout / 8) * 8);
        c.raw.conv2dPrepareFilter(f, prepared[v], v, spec);
      }
    }
    const run = {
      fwd: () => c.raw.conv2d(x, f, undefined, y, true, spec),
      dx: () => c.raw.conv2dBackpropInput(dy, f, dx, spec),
      dw: () => c.raw.conv2dBackpropFilter(x, dy, dw, spec),
      prepared: (v) => (v === 0 ? c.raw.conv2d(x, f, undefined, y, true, spec) : c.raw.conv2dPrepared(x, f, prepared[v], undefined, undefined, y, 1, spec)),
    }[args.op];
    return { run, free: () => [x, f, dy, y, dx, dw, ...Object.values(prepared)].forEach((b) => c.free(b)) };
  });
  const samples = contenders.map(() => []);
  for (let r = -1; r < Number(args.rounds); r++) {
    contenders.forEach(([c, v], i) => {
      if (!other && args.op !== 'prepared') c.raw.setTuning(sw, v);
      const t0 = performance.now();
      ops[i].run(v);
      ops[i].run(v);
      const ms = (performance.now() - t0) / 2;
      if (r >= 0) samples[i].push(ms);
    });
  }
  if (!other) core.raw.setTuning(sw, 0);
  const med = samples.map(median);
  console.log(`${n}x${h}x${w}x${cin}->${cout}${k !== 3 ? ' k' + k : ''}${s > 1 ? ' s' + s : ''}`.padEnd(24), contenders.map(([, , name], i) => `${name} ${med[i].toFixed(2)}`).join('  '));
  ops.forEach((o) => o.free());
}
process.exit(0);
