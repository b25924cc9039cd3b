/**
 * The CPU quota a Linux control group (cgroup) puts on this process: what a
 * container started with `docker run --cpus=1`, a Kubernetes CPU limit or
 * a Cloud Run instance may use, however many cores the host has.
 *
 * Node's `os.availableParallelism()` counts it only from libuv 1.49 (Node
 * 22, rounded down); Node 20's libuv 1.46 counts the host's cores, so a
 * container limited to one CPU on a 64-core host got 16 threads: 15 more
 * workers to start (each instantiates the module: CPU the quota charges
 * to the cold start) and to keep in memory, for no more throughput (the
 * quota is the limit). See `defaultThreadCount`.
 */

/** Reads a file as text; throws when it cannot (missing file, no permission). */
export type ReadText = (path: string) => string;

/**
 * The CPUs the cgroup quota allows (quota over period, 1.5 for
 * `--cpus=1.5`; the tightest of the cgroup and its ancestors, as the
 * kernel applies every level's), or undefined when no quota is set or none
 * can be read (not Linux, no cgroup file system, no permission). `root`
 * prefixes every path read (tests lay out a fake `/proc` and `/sys`).
 */
export function cgroupCpuQuota(read: ReadText, root = ''): number | undefined {
  let self: string;
  try {
    self = read(`${root}/proc/self/cgroup`);
  } catch {
    return undefined;
  }
  // Lines are `id:controllers:path`; v1 names the cpu controller, v2 has one
  // line `0::path`. A hybrid host (v1 controllers beside an empty unified
  // hierarchy) keeps the cpu controller, so its quota, in v1.
  const lines = self.split('\n').map((l) => l.split(':')).filter((p) => p.length >= 3);
  const v1 = lines.find((p) => p[1]!.split(',').includes('cpu'));
  const limits: number[] = [];
  if (v1) {
    const path = v1.slice(2).join(':');
    const mount = firstDir(read, [`${root}/sys/fs/cgroup/${v1[1]}`, `${root}/sys/fs/cgroup/cpu,cpuacct`, `${root}/sys/fs/cgroup/cpu`]);
    if (mount === undefined) return undefined;
    walkUp(mount, path, (dir) => {
      const quota = readNumber(read, `${dir}/cpu.cfs_quota_us`);
      const period = readNumber(read, `${dir}/cpu.cfs_period_us`);
      if (quota !== undefined && period !== undefined && quota > 0 && period > 0) limits.push(quota / period);
    });
  } else {
    const v2 = lines.find((p) => p[0] === '0' && p[1] === '');
    if (!v2) return undefined;
    walkUp(`${root}/sys/fs/cgroup`, v2.slice(2).join(':'), (dir) => {
      let max: string;
      try {
        max = read(`${dir}/cpu.max`);
      } catch {
        return;
      }
      // `max 100000` (no limit) or `150000 100000`.
      const [quota, period] = max.trim().split(/\s+/).map(Number);
      if (quota! > 0 && period! > 0) limits.push(quota! / period!);
    });
  }
  return limits.length === 0 ? undefined : Math.min(...limits);
}

/**
 * Threads for a host of `cores` cores (Node's `os.availableParallelism`)
 * under a cgroup CPU quota of `quota` CPUs: at most 16, and at most the
 * quota rounded up but never below 2 (where the host has 2 cores). A
 * quota is spent per scheduling period (100 ms): a short call, a
 * prediction, may use both threads within its period's budget. Measured in
 * a 1-CPU quota on 2 cores (`node benches/quota.mjs --cpus 1`, three runs
 * of 5-9 rounds): predict (batch 64) median 12.2-14.0 ms at 2 threads,
 * 17.3-21.0 at 1; sustained training 862-967 img/s at 2 threads, 995-1,203
 * at 1 (and once 1,075 / 1,058), so training runs on one thread there
 * ({@link trainingThreadCount}; the default then trained at 944 and 950
 * img/s, predicted in 13.8 and 14.2 ms) while the rest keeps both. In a
 * 1.5-CPU quota 2 threads win both (1,400 vs 1,070 img/s, 10.7 vs 16.5 ms).
 * Go's runtime (1.25) picks its default the same way.
 */
export function defaultThreadCount(cores: number, quota: number | undefined): number {
  const n = Math.max(1, Math.min(16, cores));
  return quota === undefined ? n : Math.min(n, Math.max(2, Math.ceil(quota)));
}

/**
 * Threads training runs on when the thread pool has `threads` threads under a
 * quota of `quota` CPUs (undefined: none, or the thread count was the
 * caller's): all of them, unless the quota rounded up is fewer, as the
 * floor of 2 in {@link defaultThreadCount} makes it in a 1-CPU quota.
 * Then 1, the serial path (see {@link defaultThreadCount} for the
 * figures).
 */
export function trainingThreadCount(threads: number, quota: number | undefined): number {
  return quota !== undefined && Math.ceil(quota) < threads ? 1 : threads;
}

/**
 * Calls `visit` on `mount + path` and each of its parents up to `mount`. In a
 * container the path is often the host's (`/docker/<id>`) while the mount
 * shows the container's own cgroup at its root: the directories that do
 * not exist are visited too and read nothing.
 */
function walkUp(mount: string, path: string, visit: (dir: string) => void): void {
  const parts = path.split('/').filter((s) => s !== '');
  for (let n = parts.length; n >= 0; n--) visit([mount, ...parts.slice(0, n)].join('/'));
}

function firstDir(read: ReadText, candidates: string[]): string | undefined {
  return candidates.find((dir) => readNumber(read, `${dir}/cpu.cfs_period_us`) !== undefined);
}

function readNumber(read: ReadText, path: string): number | undefined {
  try {
    const v = Number(read(path).trim());
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
