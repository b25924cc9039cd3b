// The native anchor: the seed's CIFAR CNN (32x32x3, batch 64, Adam) trained
// and run by native Keras (tensorflow-cpu, oneDNN) and by cnn-ts, in
// alternating child processes, so both see the same machine state. Prints
// each pair and the median ratio ours / Keras.
//
//   node benches/native.mjs [--pairs 5] [--threads 2] [--steps 50] [--python PATH]
//
// Keras comes from PyPI (tensorflow-cpu): PATH is a python with it installed
// (default: $KERAS_PYTHON, else python3); see benches/keras/seed_cnn_speed.py.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { seedCnnSpeed } from './seed-cnn-speed.mjs';

const { values: args } = parseArgs({
  options: {
    pairs: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    steps: { type: 'string', default: '50' },
    python: { type: 'string', default: process.env.KERAS_PYTHON ?? 'python3' },
    child: { type: 'boolean', default: false },
  },
});
const THREADS = Number(args.threads);
const STEPS = Number(args.steps);
const B = 64;
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

/** In the child: cnn-ts's figures, measured the way the Keras script measures its own. */
async function oursChild() {
  const tf = await import('cnn-ts');
  const r = await seedCnnSpeed(tf, { threads: THREADS, steps: STEPS, warmupSteps: 5, predictRuns: 30, predictWarmup: 3, metrics: ['accuracy'] });
  process.stdout.write(`${JSON.stringify({ threads: THREADS, trainImagesPerSecond: r.trainImagesPerSecond, predictMs: r.predictMs })}\n`);
  tf.engine().terminateCore?.();
}

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 15 * 60_000 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  const line = r.stdout.trim().split('\n').pop();
  if (r.status !== 0 || !line?.startsWith('{')) {
    throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}:\n${r.stderr.slice(-2000)}`);
  }
  return JSON.parse(line);
}

if (args.child) {
  await oursChild();
} else {
  const here = fileURLToPath(import.meta.url);
  const keras = () => run(args.python, [fileURLToPath(new URL('keras/seed_cnn_speed.py', import.meta.url)),
    '--threads', String(THREADS), '--steps', String(STEPS)]);
  const ours = () => run(process.execPath, [here, '--child', '--threads', String(THREADS), '--steps', String(STEPS)]);
  const load = () => os.loadavg()[0].toFixed(2);
  console.log(`seed CIFAR CNN, batch ${B}, ${STEPS} steps, ${THREADS} thread(s); load average ${load()}`);
  const train = [];
  const predict = [];
  let versions = '';
  for (let p = 0; p < Number(args.pairs); p++) {
    // Alternate which contender goes first, so drift in the second vCPU hits both.
    const r = p % 2 === 0 ? [ours(), keras()] : [keras(), ours()];
    const o = r.find((x) => !x.tensorflow);
    const k = r.find((x) => x.tensorflow);
    versions = `tensorflow ${k.tensorflow}, keras ${k.keras}`;
    train.push(o.trainImagesPerSecond / k.trainImagesPerSecond);
    predict.push(k.predictMs / o.predictMs);
    console.log(`pair ${p + 1}: train ours ${o.trainImagesPerSecond.toFixed(0)} img/s, keras ${k.trainImagesPerSecond.toFixed(0)} img/s `
      + `(${train.at(-1).toFixed(2)}x); predict ours ${o.predictMs.toFixed(1)} ms, keras ${k.predictMs.toFixed(1)} ms `
      + `(${predict.at(-1).toFixed(2)}x); load ${load()}`);
  }
  console.log(`${versions}: median training ratio ours/keras ${median(train).toFixed(2)}x, `
    + `median predict speed ratio ${median(predict).toFixed(2)}x`);
}
