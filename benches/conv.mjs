// Side-by-side convolution benchmark, one process, one run:
//   cnn-core (our wasm, threaded build) at 1 and 2 threads
//   @tensorflow/tfjs-backend-wasm 4.22 (XNNPACK, SIMD; 1 thread in Node)
//   @tensorflow/tfjs-backend-cpu 4.22 (forward only, a few samples)
// Samples of the contenders are interleaved round by round so that drift
// of this shared machine hits all of them alike; medians are reported.
//
//   node benches/conv.mjs [--quick] [--json out.json] [--only 32x32x16] [--shape n,h,w,cin,cout,stride ...] [--forward-only]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { loadCore, encodeConv2d } from 'cnn-worker';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
// Which layers predict runs on a filter transformed once (models/inference.ts), and the tiling.
import { preparedVariant } from '../packages/cnn-ts/dist/ops/conv.js';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, json: { type: 'string' }, only: { type: 'string' }, shape: { type: 'string', multiple: true }, 'forward-only': { type: 'boolean' } } });

// [batch, h, w, cin, cout, stride]; 3x3 SAME.
const SHAPES = [
  [64, 32, 32, 3, 16, 1],
  [64, 32, 32, 16, 32, 1],
  [64, 16, 16, 32, 64, 2],
  [64, 8, 8, 64, 64, 2],
  [64, 16, 16, 64, 64, 1],
  [1, 224, 224, 64, 64, 1],
  [1, 56, 56, 256, 256, 1],
  [1, 14, 14, 512, 512, 1],
];
const ROUNDS = args.quick ? 5 : 15;
const MIN_SAMPLE_MS = 15; // an op is repeated until one sample takes this long

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const geomean = (a) => Math.exp(a.reduce((s, v) => s + Math.log(v), 0) / a.length);

/** Repetitions so that one sample of `f` lasts about MIN_SAMPLE_MS. */
function calibrate(f) {
  f();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    const ms = performance.now() - t0;
    if (ms >= MIN_SAMPLE_MS || reps >= 1024) return reps;
    reps = Math.min(1024, Math.ceil(reps * Math.max(2, (MIN_SAMPLE_MS * 1.2) / Math.max(ms, 0.01))));
  }
}

/** Interleaved timing of named contenders; returns median ms per call. */
function race(contenders, rounds = ROUNDS) {
  const reps = contenders.map((c) => calibrate(c.run));
  const samples = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    contenders.forEach((c, i) => {
      const t0 = performance.now();
      for (let k = 0; k < reps[i]; k++) c.run();
      samples[i].push((performance.now() - t0) / reps[i]);
    });
  }
  return Object.fromEntries(contenders.map((c, i) => [c.name, median(samples[i])]));
}

function ourConv(core, shape) {
  const [n, h, w, cin, cout, s] = shape;
  const spec = encodeConv2d({ n, h, w, cin, kh: 3, kw: 3, cout, strides: [s, s], dilations: [1, 1], pad: 'same' });
  const oh = Math.ceil(h / s), ow = Math.ceil(w / s);
  const rnd = (len) => Float32Array.from({ length: len }, () => Math.random() * 2 - 1);
  const x = core.upload(rnd(n * h * w * cin));
  const f = core.upload(rnd(9 * cin * cout));
  const dy = core.upload(rnd(n * oh * ow * cout));
  const y = core.alloc(n * oh * ow * cout);
  const dx = core.alloc(n * h * w * cin);
  const dw = core.alloc(9 * cin * cout);
  const prepared = [];
  return {
    forward: () => core.raw.conv2d(x, f, undefined, y, false, spec),
    backward: () => {
      core.raw.conv2dBackpropInput(dy, f, dx, spec);
      core.raw.conv2dBackpropFilter(x, dy, dw, spec);
    },
    backwardInput: () => core.raw.conv2dBackpropInput(dy, f, dx, spec),
    /** predict's path: the filter transformed for Winograd once (conv2dPrepareFilter), or null where predict does not. */
    prepared: (() => {
      const v = s === 1 ? preparedVariant(oh, ow, cin, cout) : null;
      if (v === null) return null;
      const u = core.alloc((v + 2) ** 2 * cin * Math.ceil(cout / 8) * 8);
      core.raw.conv2dPrepareFilter(f, u, v, spec);
      prepared.push(u);
      return () => core.raw.conv2dPrepared(x, f, u, undefined, undefined, y, 0, spec);
    })(),
    free: () => [x, f, dy, y, dx, dw, ...prepared].forEach((b) => core.free(b)),
  };
}

function tfConv(shape) {
  const [n, h, w, cin, cout, s] = shape;
  const x = tf.randomUniform([n, h, w, cin], -1, 1);
  const f = tf.randomUniform([3, 3, cin, cout], -1, 1);
  const dy = tf.randomUniform([n, Math.ceil(h / s), Math.ceil(w / s), cout], -1, 1);
  return {
    forward: () => {
      const y = tf.conv2d(x, f, s, 'same');
      y.dataSync();
      y.dispose();
    },
    backwardInput: () => {
      const d = tf.conv2dTranspose(dy, f, [n, h, w, cin], s, 'same');
      d.dataSync();
      d.dispose();
    },
    free: () => [x, f, dy].forEach((t) => t.dispose()),
  };
}

const fmt = (v, d = 1) => v.toFixed(d).padStart(7);
const name = ([n, h, w, cin, cout, s]) => `${n}x${h}x${w}x${cin}->${cout}${s > 1 ? ` s${s}` : ''}`;

async function main() {
  await tf.setBackend('wasm');
  await tf.ready();
  const core1 = await loadCore({ threads: 1 });
  const core2 = await loadCore({ threads: 2 });
  const chosen = args.shape ? args.shape.map((s) => s.split(',').map(Number)) : SHAPES;
  const shapes = args.only ? chosen.filter((s) => name(s).includes(args.only)) : chosen;
  console.log(`# conv2d 3x3 SAME, ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0].model.trim()} x${os.cpus().length}, Node ${process.version}`);
  console.log(`# tfjs-backend-wasm 4.22 (XNNPACK, SIMD, ${tf.backend().constructor.name}, 1 thread in Node); medians of ${ROUNDS} interleaved rounds`);
  console.log('shape                     | tfjs-wasm ms GF/s | ours-1t ms GF/s  x tfjs | ours-2t ms GF/s  x 2*tfjs | 2t/1t | tfjs-cpu GF/s');
  const rows = [];
  for (const shape of shapes) {
    const [n, h, w, cin, cout, s] = shape;
    const flops = 2 * n * Math.ceil(h / s) * Math.ceil(w / s) * cout * 9 * cin;
    const gf = (ms) => flops / ms / 1e6;
    const t = tfConv(shape);
    const o1 = ourConv(core1, shape);
    const o2 = ourConv(core2, shape);
    const fwd = race([
      { name: 'tfjs', run: t.forward },
      { name: 'ours1', run: o1.forward },
      { name: 'ours2', run: o2.forward },
      ...(o1.prepared ? [{ name: 'ours1p', run: o1.prepared }, { name: 'ours2p', run: o2.prepared }] : []),
    ]);
    // tfjs-backend-cpu: slow, so a few single samples, forward only.
    await tf.setBackend('cpu');
    const tc = tfConv(shape);
    const cpuSamples = args.quick || flops > 2e9 ? 1 : 3;
    const cpuMs = median(Array.from({ length: cpuSamples }, () => { const t0 = performance.now(); tc.forward(); return performance.now() - t0; }));
    tc.free();
    await tf.setBackend('wasm');
    const bwd = args['forward-only']
      ? { tfjsIn: NaN, ours1: NaN, ours2: NaN, fwd1: NaN, fwd2: NaN }
      : race([
        { name: 'tfjsIn', run: t.backwardInput },
        { name: 'ours1', run: o1.backward },
        { name: 'ours2', run: o2.backward },
        // The forward again, in this race: backward/forward divides two
        // medians of the same rounds, so the host's speed changing between
        // the two races (1.5-2x within minutes here) does not enter the ratio.
        { name: 'fwd1', run: o1.forward },
        { name: 'fwd2', run: o2.forward },
      ], Math.max(5, ROUNDS >> 1));
    const row = {
      shape: name(shape),
      gflop: flops / 1e9,
      forward: { tfjsWasm: fwd.tfjs, ours1: fwd.ours1, ours2: fwd.ours2, tfjsCpu: cpuMs, ours1Prepared: fwd.ours1p ?? null, ours2Prepared: fwd.ours2p ?? null },
      backward: { tfjsWasmInputOnly: bwd.tfjsIn, ours1: bwd.ours1, ours2: bwd.ours2, forward1: bwd.fwd1, forward2: bwd.fwd2 },
      ratio1: fwd.tfjs / fwd.ours1,
      ratio2vs2x: fwd.tfjs / 2 / fwd.ours2,
      scaling: fwd.ours1 / fwd.ours2,
      // Backward over the forward timed in the backward's race.
      bwdOverFwd1: bwd.ours1 / bwd.fwd1,
      bwdOverFwd2: bwd.ours2 / bwd.fwd2,
      // Backward over the forward race's forward (the figure before 2026-12).
      bwdOverFwdRaces1: bwd.ours1 / fwd.ours1,
      bwdOverFwdRaces2: bwd.ours2 / fwd.ours2,
    };
    rows.push(row);
    console.log(
      `${row.shape.padEnd(25)} | ${fmt(fwd.tfjs, 2)} ${fmt(gf(fwd.tfjs))} | ${fmt(fwd.ours1, 2)} ${fmt(gf(fwd.ours1))} ${fmt(row.ratio1, 2)} | ${fmt(fwd.ours2, 2)} ${fmt(gf(fwd.ours2))} ${fmt(row.ratio2vs2x, 2)} | ${fmt(row.scaling, 2)} | ${fmt(gf(cpuMs))}`,
    );
    t.free();
    o1.free();
    o2.free();
  }
  if (!args['forward-only']) printBackward(rows);
  const g1 = geomean(rows.map((r) => r.ratio1));
  const g2 = geomean(rows.map((r) => r.ratio2vs2x));
  console.log(`\ngeomean forward speed-up, 1 thread vs tfjs-wasm: ${g1.toFixed(2)}x (min ${Math.min(...rows.map((r) => r.ratio1)).toFixed(2)}x)`);
  console.log(`geomean forward speed-up, 2 threads vs 2x tfjs-wasm 1-thread: ${g2.toFixed(2)}x`);
  printPrepared(rows);
  if (args.json) writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), cpu: os.cpus()[0].model, rows, g1, g2 }, null, 2));
}

/**
 * The forward as predict runs it: on the shapes where predict keeps the
 * filter transformed (conv2dPrepared), timed in the same race. tfjs-wasm's
 * XNNPACK also packs a filter once per filter tensor (its operator cache).
 */
function printPrepared(rows) {
  const p = rows.filter((r) => r.forward.ours1Prepared !== null);
  if (!p.length) return;
  console.log("\n# forward on a filter transformed once (predict's path, conv2dPrepared; tfjs-wasm's XNNPACK also keeps its packed filter per filter tensor)");
  console.log('shape                     | ours-1t ms  x tfjs | ours-2t ms  2t/1t');
  for (const r of p) {
    const f = r.forward;
    console.log(`${r.shape.padEnd(25)} | ${fmt(f.ours1Prepared, 2)} ${fmt(f.tfjsWasm / f.ours1Prepared, 2)} | ${fmt(f.ours2Prepared, 2)} ${fmt(f.ours1Prepared / f.ours2Prepared, 2)}`);
  }
  const best = rows.map((r) => r.forward.tfjsWasm / (r.forward.ours1Prepared ?? r.forward.ours1));
  console.log(`geomean forward speed-up, 1 thread vs tfjs-wasm, predict's path where it differs: ${geomean(best).toFixed(2)}x (min ${Math.min(...best).toFixed(2)}x)`);
}

function printBackward(rows) {
  console.log('\n# backward = input gradient + filter gradient (tfjs-backend-wasm has no filter-gradient kernel; its input gradient alone is shown)');
  console.log('# bwd/fwd: over the forward timed in the same race as the backward; (races): over the forward race\'s forward');
  console.log('shape                     | tfjs-wasm dx ms GF/s | ours-1t ms  bwd/fwd (races) | ours-2t ms  bwd/fwd (races)');
  for (const r of rows) {
    const gfIn = (r.gflop * 1e3) / r.backward.tfjsWasmInputOnly;
    console.log(
      `${r.shape.padEnd(25)} | ${fmt(r.backward.tfjsWasmInputOnly, 2)} ${fmt(gfIn)}    | ${fmt(r.backward.ours1, 2)} ${fmt(r.bwdOverFwd1, 2)} ${fmt(r.bwdOverFwdRaces1, 2)} | ${fmt(r.backward.ours2, 2)} ${fmt(r.bwdOverFwd2, 2)} ${fmt(r.bwdOverFwdRaces2, 2)}`,
    );
  }
}

await main();
