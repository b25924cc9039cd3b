// Save and load VGG16's 528 MB of weights through file:// (issue 10):
// throughput and peak memory (RSS above the level before each phase,
// sampled every 5 ms), ours vs tfjs-layers 4.22 (tfjs-backend-cpu; its
// model.save through a handler that writes the same files, since the
// file:// handler of TF.js lives in tfjs-node, which is not installed).
//   node benches/io.mjs [--rounds 2] [--peer] [--dir /tmp/...]
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import * as tf from 'cnn-ts';

// Memory peaks need a collected heap before each phase: rerun with --expose-gc.
if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const { values: opts } = parseArgs({ options: { rounds: { type: 'string', default: '2' }, peer: { type: 'boolean', default: false }, dir: { type: 'string' } } });
const rounds = Number(opts.rounds);
const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'cnn-io-bench-'));

/**
 * Runs `f`, sampling memory; returns seconds and the peaks above the start
 * of RSS and of ArrayBuffer memory (JS buffers and the wasm heap), which is
 * not hidden by memory the process freed earlier but still holds.
 */
async function measure(f) {
  globalThis.gc();
  const m0 = process.memoryUsage();
  let peak = m0.rss;
  let peakAB = m0.arrayBuffers;
  const sample = () => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    peakAB = Math.max(peakAB, m.arrayBuffers);
  };
  const timer = setInterval(sample, 5);
  const t0 = performance.now();
  const r = await f();
  const s = (performance.now() - t0) / 1000;
  clearInterval(timer);
  sample();
  return { s, extra: peak - m0.rss, extraAB: peakAB - m0.arrayBuffers, r };
}

const MB = 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function ours() {
  await tf.ready({ threads: 2 });
  const m = tf.builders.vgg16();
  const bytes = m.countParams() * 4;
  await m.weights[0].data(); // built and resident before timing
  const saves = [];
  const loads = [];
  for (let r = 0; r < rounds; r++) {
    const save = await measure(() => m.save(`file://${join(dir, 'ours')}`));
    saves.push(save);
    const load = await measure(async () => {
      const back = await tf.loadLayersModel(`file://${join(dir, 'ours')}/model.json`);
      await back.weights[0].data(); // the uploads have run
      return back;
    });
    loads.push(load);
    load.r.dispose();
  }
  return { bytes, saves, loads };
}

async function peer() {
  const tfc = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const tfl = await import('@tensorflow/tfjs-layers');
  await tfc.setBackend('cpu');
  const L = tfl.layers;
  const m = tfl.sequential();
  let first = true;
  for (const [f, n] of [[64, 2], [128, 2], [256, 3], [512, 3], [512, 3]]) {
    for (let i = 0; i < n; i++) {
      m.add(L.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu', ...(first ? { inputShape: [224, 224, 3] } : {}) }));
      first = false;
    }
    m.add(L.maxPooling2d({ poolSize: 2 }));
  }
  m.add(L.flatten({}));
  m.add(L.dense({ units: 4096, activation: 'relu' }));
  m.add(L.dense({ units: 4096, activation: 'relu' }));
  m.add(L.dense({ units: 1000, activation: 'softmax' }));
  const out = join(dir, 'peer');
  const saves = [];
  for (let r = 0; r < rounds; r++) {
    saves.push(
      await measure(() =>
        m.save(
          tfc.io.withSaveHandler(async (a) => {
            await mkdir(out, { recursive: true });
            await writeFile(join(out, 'weights.bin'), new Uint8Array(a.weightData));
            await writeFile(join(out, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
            return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
          }),
        ),
      ),
    );
  }
  return { bytes: m.countParams() * 4, saves };
}

function line(name, bytes, runs) {
  const s = median(runs.map((x) => x.s));
  const extra = Math.max(...runs.map((x) => x.extra));
  const ab = Math.max(...runs.map((x) => x.extraAB));
  return `${name.padEnd(24)} ${(bytes / MB / s).toFixed(0).padStart(5)} MB/s  (median ${s.toFixed(2)} s of ${runs.length})  peak above start: RSS +${(extra / MB).toFixed(0)} MB (${(extra / bytes).toFixed(2)}x), ArrayBuffers +${(ab / MB).toFixed(0)} MB (${(ab / bytes).toFixed(2)}x the weights)`;
}

try {
  const o = await ours();
  console.log(`VGG16: ${(o.bytes / MB).toFixed(0)} MB of float32 weights, file:// in ${dir}`);
  console.log(line('cnn-ts save', o.bytes, o.saves));
  console.log(line('cnn-ts load', o.bytes, o.loads));
  if (opts.peer) {
    const p = await peer();
    console.log(line('tfjs-layers save (cpu)', p.bytes, p.saves));
  }
} finally {
  if (!opts.dir) rmSync(dir, { recursive: true, force: true });
}
