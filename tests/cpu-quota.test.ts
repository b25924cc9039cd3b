// The default thread count in Node stays within a container's CPU quota
// (cgroup v1 and v2), which Node 20's os.availableParallelism ignores. The
// reader is given fake /proc and /sys trees as maps of path to text, then
// the real cgroup file system where the host lets us make a cgroup.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cgroupCpuQuota, defaultThreadCount, trainingThreadCount, type ReadText } from '../packages/cnn-worker/src/cpu-quota.js';

function tree(files: Record<string, string>): ReadText {
  return (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
}

const V1_SELF = '12:pids:/docker/abc\n4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n1:name=systemd:/docker/abc\n0::/docker/abc\n';

describe('cgroup CPU quota', () => {
  it('v2: the quota over the period', () => {
    const at = (max: string) => tree({ '/proc/self/cgroup': '0::/app.slice/x\n', '/sys/fs/cgroup/app.slice/x/cpu.max': max });
    expect(cgroupCpuQuota(at('100000 100000\n'))).toBe(1);
    expect(cgroupCpuQuota(at('250000 100000\n'))).toBe(2.5);
    expect(cgroupCpuQuota(at('50000 100000'))).toBe(0.5);
    expect(cgroupCpuQuota(at('400000 50000'))).toBe(8);
    expect(cgroupCpuQuota(at('max 100000\n'))).toBeUndefined();
  });

  it('v2: the tightest of the cgroup and its ancestors', () => {
    const read = tree({
      '/proc/self/cgroup': '0::/kubepods/pod1/c1\n',
      '/sys/fs/cgroup/kubepods/pod1/c1/cpu.max': 'max 100000',
      '/sys/fs/cgroup/kubepods/pod1/cpu.max': '350000 100000',
      '/sys/fs/cgroup/kubepods/cpu.max': '800000 100000',
      '/sys/fs/cgroup/cpu.max': 'max 100000',
    });
    expect(cgroupCpuQuota(read)).toBe(3.5);
  });

  it('v1 with a container namespace: the host path is missing, the mount root has the quota', () => {
    const read = tree({
      '/proc/self/cgroup': V1_SELF,
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '200000\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    expect(cgroupCpuQuota(read)).toBe(2);
  });

  it('v1: -1 means no quota; a nested quota counts', () => {
    const files: Record<string, string> = {
      '/proc/self/cgroup': '9:name=systemd:/\n1:cpu:/jobs/a\n0::/\n',
      '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1',
      '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
    };
    expect(cgroupCpuQuota(tree(files))).toBeUndefined();
    files['/sys/fs/cgroup/cpu/jobs/a/cpu.cfs_quota_us'] = '100000';
    files['/sys/fs/cgroup/cpu/jobs/a/cpu.cfs_period_us'] = '100000';
    expect(cgroupCpuQuota(tree(files))).toBe(1);
  });

  it('nothing readable, no cgroup file system, garbage: no quota, never a throw', () => {
    expect(cgroupCpuQuota(tree({}))).toBeUndefined();
    expect(cgroupCpuQuota(tree({ '/proc/self/cgroup': '' }))).toBeUndefined();
    expect(cgroupCpuQuota(tree({ '/proc/self/cgroup': V1_SELF }))).toBeUndefined();
    expect(cgroupCpuQuota(tree({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': 'garbage' }))).toBeUndefined();
    expect(cgroupCpuQuota(tree({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': '0 100000' }))).toBeUndefined();
  });

  it('threads: the cores (at most 16), within the quota rounded up, but never below 2 where 2 cores exist', () => {
    expect(defaultThreadCount(8, undefined)).toBe(8);
    expect(defaultThreadCount(64, undefined)).toBe(16);
    expect(defaultThreadCount(64, 1)).toBe(2);
    expect(defaultThreadCount(64, 0.25)).toBe(2);
    expect(defaultThreadCount(64, 2.5)).toBe(3);
    expect(defaultThreadCount(64, 40)).toBe(16);
    expect(defaultThreadCount(4, 8)).toBe(4);
    expect(defaultThreadCount(1, 0.5)).toBe(1);
    expect(defaultThreadCount(1, undefined)).toBe(1);
  });

  it('training threads: all of them, but 1 where the quota rounded up is fewer (the floor of 2)', () => {
    expect(trainingThreadCount(2, 1)).toBe(1);
    expect(trainingThreadCount(2, 0.5)).toBe(1);
    expect(trainingThreadCount(2, 1.5)).toBe(2);
    expect(trainingThreadCount(3, 2.5)).toBe(3);
    expect(trainingThreadCount(16, 40)).toBe(16);
    expect(trainingThreadCount(2, undefined)).toBe(2);
    expect(trainingThreadCount(1, 0.5)).toBe(1);
  });

  // End to end where this host lets us make a cgroup (root, cgroup v1's cpu
  // controller, as on the CI host): a child Node started inside a quota
  // reads it from the kernel's files, and its core's default thread count
  // follows defaultThreadCount.
  const V1_CPU = '/sys/fs/cgroup/cpu';
  const canMake = process.platform === 'linux' && process.getuid?.() === 0 && existsSync(`${V1_CPU}/cpu.cfs_quota_us`);
  /** Runs `f` with a fresh v1 cgroup of `quotaUs` per 100 ms period, removed after. */
  const withCgroup = (name: string, quotaUs: number, f: (dir: string) => void) => {
    const dir = `${V1_CPU}/cnn-ts-test-${name}-${process.pid}`;
    mkdirSync(dir);
    try {
      writeFileSync(`${dir}/cpu.cfs_period_us`, '100000');
      writeFileSync(`${dir}/cpu.cfs_quota_us`, String(quotaUs));
      f(dir);
    } finally {
      rmdirSync(dir);
    }
  };
  /** A child Node running ES module `script` (inside `cgroup` when given); its last line, parsed. */
  const nodeIn = (cgroup: string | undefined, script: string, timeout = 60_000) =>
    JSON.parse(execFileSync('sh', ['-c', `${cgroup ? `echo $$ > ${cgroup}/cgroup.procs && ` : ''}exec "$0" --input-type=module -e "$1"`, process.execPath, script], { encoding: 'utf8', timeout }).trim().split('\n').pop()!);
  it.skipIf(!canMake)('a Node process in a real 1.5-CPU cgroup quota reads 1.5 and starts the threads it allows', () => {
    withCgroup('threads', 150_000, (dir) => {
      const reader = pathToFileURL('packages/cnn-worker/dist/cpu-quota.js').href;
      const script = `const { readFileSync } = await import('node:fs'); const { availableParallelism } = await import('node:os');
        const { cgroupCpuQuota } = await import('${reader}'); const { loadCore } = await import('cnn-worker');
        const core = await loadCore(); console.log(JSON.stringify({ quota: cgroupCpuQuota((p) => readFileSync(p, 'utf8')) ?? null, threads: core.info.poolThreads, cores: availableParallelism() })); process.exit(0);`;
      const inside = nodeIn(dir, script);
      expect(inside.quota).toBe(1.5);
      expect(inside.threads).toBe(defaultThreadCount(inside.cores, 1.5));
      const outside = nodeIn(undefined, script);
      expect(outside.quota).not.toBe(1.5);
      expect(outside.threads).toBe(defaultThreadCount(outside.cores, outside.quota ?? undefined));
    });
  });

  // In a 1-CPU quota the default keeps 2 threads, and fit() runs its steps
  // on the calling thread alone (pool thread 1 runs no task of them), after
  // which predictions use both threads again. With threads: 2 asked for,
  // training keeps both.
  it.skipIf(!canMake || availableParallelism() < 2)('in a real 1-CPU quota, fit runs on one thread and predict on two', () => {
    withCgroup('fit', 100_000, (dir) => {
      const script = (ready: string) => `const tf = await import('cnn-ts');
        const info = await tf.ready(${ready});
        tf.random.setSeed(3);
        const m = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [9, 9, 3], filters: 8, kernelSize: 3, activation: 'relu' }), tf.layers.flatten(), tf.layers.dense({ units: 4, activation: 'softmax' })] });
        m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
        const x = tf.randomUniform([96, 9, 9, 3]);
        const y = tf.tensor(Int32Array.from({ length: 96 }, (_, i) => i % 4), [96], 'int32');
        const counts = async () => (await tf.coreStats()).threadTaskCounts;
        // The steps' own tasks: fit's input checks before them run as any op does.
        let c0 = [], c1 = [];
        await m.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, callbacks: { onTrainBegin: async () => { c0 = await counts(); }, onTrainEnd: async () => { c1 = await counts(); } } });
        let c2 = c1;
        for (let rep = 0; rep < 200 && c2[1] === c1[1]; rep++) { await m.predict(x).data(); c2 = await counts(); }
        console.log(JSON.stringify({ poolThreads: info.poolThreads, trainingThreads: info.trainingThreads, fit: c1.map((c, i) => c - c0[i]), predict: c2.map((c, i) => c - c1[i]) }));
        process.exit(0);`;
      const run = (ready: string) => nodeIn(dir, script(ready), 120_000);
      const byDefault = run('');
      expect(byDefault.poolThreads).toBe(2);
      expect(byDefault.trainingThreads).toBe(1);
      expect(byDefault.fit[0]).toBeGreaterThan(0);
      expect(byDefault.fit[1]).toBe(0);
      expect(byDefault.predict[1]).toBeGreaterThan(0);
      const asked = run('{ threads: 2 }');
      expect(asked.trainingThreads).toBe(2);
      expect(asked.poolThreads).toBe(2);
    });
  }, 300_000);
});
