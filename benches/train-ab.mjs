// A/B of training speed: the seed's CIFAR CNN (32x32x3, batch 64, Adam)
// trained by this checkout's build and by another built checkout, in
// alternating child processes (the order flips each pair), so both see the
// same machine. Prints each pair and the median of the per-pair ratios
// (this / other). With --threads 1,2 each child also measures both thread
// counts, giving the 2-thread / 1-thread scaling of each build.
//
//   node benches/train-ab.mjs --against /path/to/other/checkout [--this CHECKOUT] [--pairs 5] [--threads 2] [--steps 40]
//   (the other checkout must be built: its packages/cnn-ts/dist and wasm)
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { seedCnnSpeed } from './seed-cnn-speed.mjs';

const { values: args } = parseArgs({
  options: {
    against: { type: 'string' },
    this: { type: 'string' },
    pairs: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    steps: { type: 'string', default: '40' },
    child: { type: 'string' },
  },
});
const threads = args.threads.split(',').map(Number);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

if (args.child) {
  // One child per checkout and pair: each thread count in turn, core inline.
  const tf = await import(pathToFileURL(path.join(args.child, 'packages/cnn-ts/dist/index.js')).href);
  const out = {};
  for (const t of threads) {
    const r = await seedCnnSpeed(tf, { threads: t, steps: Number(args.steps), warmupSteps: 3, predictRuns: 0, metrics: ['accuracy'] });
    out[t] = r.trainImagesPerSecond;
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  tf.engine().terminateCore?.();
  process.exit(0);
}

if (!args.against) throw new Error('train-ab: --against <checkout> is required');
const here = path.resolve(args.this ?? path.join(import.meta.dirname, '..'));
const other = path.resolve(args.against);
const self = fileURLToPath(import.meta.url);
function run(root) {
  const r = spawnSync(process.execPath, [self, '--child', root, '--threads', args.threads, '--steps', args.steps],
    { encoding: 'utf8', timeout: 10 * 60_000 });
  const line = r.stdout?.trim().split('\n').pop();
  if (r.status !== 0 || !line?.startsWith('{')) throw new Error(`train-ab child ${root} exited ${r.status}:\n${r.stderr?.slice(-2000)}`);
  return JSON.parse(line);
}
const load = () => os.loadavg()[0].toFixed(2);
console.log(`seed CIFAR CNN training, batch 64, ${args.steps} steps; this ${here} vs ${other}; load ${load()}`);
const ratios = Object.fromEntries(threads.map((t) => [t, []]));
const fmt = (r) => threads.map((t) => `${t}t ${r[t].toFixed(0)}`).join(', ')
  + (threads.length > 1 ? ` (x${(r[threads.at(-1)] / r[threads[0]]).toFixed(2)})` : '');
for (let p = 0; p < Number(args.pairs); p++) {
  const [a, b] = p % 2 === 0 ? [run(here), run(other)] : [run(other), run(here)].reverse();
  for (const t of threads) ratios[t].push(a[t] / b[t]);
  console.log(`pair ${p + 1}: this ${fmt(a)} img/s; other ${fmt(b)} img/s; load ${load()}`);
}
console.log(`median ratio this/other: ${threads.map((t) => `${t} thread(s) ${median(ratios[t]).toFixed(3)}`).join(', ')}`);
