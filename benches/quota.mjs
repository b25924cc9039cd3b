// A container's CPU quota (docker --cpus, a Kubernetes CPU limit): the seed's
// CIFAR CNN trained (img/s) and run (predict ms, batch 64) at 1 and 2 threads
// and at the default thread count, in child processes inside a cgroup with
// the given quota, the thread counts alternating round by round. Node 20's
// os.availableParallelism ignores the quota; our default thread count does
// not (packages/cnn-worker/src/cpu-quota.ts). Needs root and cgroup v1's cpu
// controller or cgroup v2 with it enabled; the cgroup is removed at the end.
//
//   node benches/quota.mjs [--cpus 1] [--rounds 5] [--steps 20] [--threads 1,2,default]
// A thread count may carry tuning switches (crates/cnn-core/src/tuning.rs's numbers) for its
// children: `--threads 1,2,2:26=1` times 2 threads once more with switch 26 at 1 (off).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { seedCnnSpeed } from './seed-cnn-speed.mjs';

const { values: args } = parseArgs({
  options: {
    cpus: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '5' },
    steps: { type: 'string', default: '20' },
    threads: { type: 'string', default: '1,2,default' },
    child: { type: 'string' },
  },
});
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

if (args.child) {
  const tf = await import('cnn-ts');
  const [count, ...switches] = args.child.split(':');
  const threads = count === 'default' ? undefined : Number(count);
  await tf.ready({ threads, mode: 'inline' });
  for (const sw of switches) {
    const [i, v] = sw.split('=').map(Number);
    tf.engine().backend.inline.core.raw.setTuning(i, v);
  }
  const r = await seedCnnSpeed(tf, { threads, steps: Number(args.steps) });
  console.log(JSON.stringify({ ...r, poolThreads: (await tf.ready()).poolThreads }));
  process.exit(0);
}

const PERIOD = 100_000;
const quota = Math.round(Number(args.cpus) * PERIOD);
let dir;
if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) {
  dir = `/sys/fs/cgroup/cpu/cnn-ts-quota-${process.pid}`;
  mkdirSync(dir);
  writeFileSync(`${dir}/cpu.cfs_period_us`, String(PERIOD));
  writeFileSync(`${dir}/cpu.cfs_quota_us`, String(quota));
} else if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
  dir = `/sys/fs/cgroup/cnn-ts-quota-${process.pid}`;
  mkdirSync(dir);
  writeFileSync(`${dir}/cpu.max`, `${quota} ${PERIOD}`);
} else {
  throw new Error('quota.mjs: no cgroup file system with a cpu controller here');
}

const counts = args.threads.split(',');
const rows = Object.fromEntries(counts.map((c) => [c, { img: [], predict: [], poolThreads: undefined }]));
try {
  console.log(`quota ${args.cpus} CPU (${quota}/${PERIOD} us) on a host with ${availableParallelism()} cores; ${args.rounds} rounds of ${args.steps} steps`);
  for (let r = 0; r < Number(args.rounds); r++) {
    const order = r % 2 ? [...counts].reverse() : counts;
    for (const c of order) {
      const p = spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec "$0" "$@"`, process.execPath, import.meta.filename, '--child', c, '--steps', args.steps], { encoding: 'utf8', timeout: 600_000 });
      if (p.status !== 0) throw new Error(`child (threads ${c}) failed: ${p.stderr}`);
      const out = JSON.parse(p.stdout.trim().split('\n').pop());
      rows[c].img.push(out.trainImagesPerSecond);
      rows[c].predict.push(out.predictMs);
      rows[c].poolThreads = out.poolThreads;
      console.log(`  round ${r + 1} threads ${c} (${out.poolThreads}): ${out.trainImagesPerSecond.toFixed(0)} img/s, predict ${out.predictMs.toFixed(1)} ms`);
    }
  }
} finally {
  rmdirSync(dir);
}
console.log('threads   | pool | train img/s (median) | predict ms (median)');
for (const c of counts) {
  const row = rows[c];
  console.log(`${c.padEnd(9)} | ${String(row.poolThreads).padStart(4)} | ${median(row.img).toFixed(0).padStart(20)} | ${median(row.predict).toFixed(1).padStart(19)}`);
}
