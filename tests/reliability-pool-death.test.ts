// A pool thread killed while the core's own thread is blocked in a kernel
// (inline mode: the main thread; worker mode: the worker). rayon would wait
// for the dead thread forever; the pool's supervisor thread sees the death,
// ends the other pool threads and queues a trapping job that the blocked
// thread runs while it waits, so the kernel call throws (see
// packages/cnn-worker/src/node-pool-supervisor.ts). Checked: no hang, a
// clear error naming the dead thread (and, inline, the kernel it stopped),
// tensors of the lost core fail at the call, and training works on a fresh
// core right after. (Terminating the thread at timed points instead:
// `node tests/support/pool-death.mjs --how kill [--mode worker]`, by hand,
// see docs/ops.md.) tests/support/pool-death.mjs runs in a child process: a
// regression blocks its thread for good, which only a kill can end.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

interface Fresh {
  first: number;
  last: number;
  poolThreads: number;
}
interface Row {
  case: 'kernel' | 'fit';
  message: string;
  ms: number;
  oldTensor?: string;
  fresh: Fresh;
}

function run(mode: string, how: 'trap' | 'kill', rounds: number): Promise<{ rows: Row[]; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['tests/support/pool-death.mjs', '--mode', mode, '--how', how, '--rounds', String(rounds)], { cwd: root, timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const rows = stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Row);
      if (err && (err as { killed?: boolean }).killed) reject(new Error(`pool-death ${mode}: HANG (killed after 60 s)\n${stdout}\n${stderr}`));
      else if (err) reject(new Error(`pool-death ${mode} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve({ rows, code: child.exitCode });
    });
  });
}

function trained(f: Fresh): void {
  expect(f.poolThreads).toBe(2);
  expect(f.last).toBeLessThan(f.first * 0.8);
}

const MID_KERNEL = /^cnn-worker: pool thread 1 died while (\w+) ran; this core cannot run kernels any more, its tensors are lost$/;

describe('a pool thread dies mid-kernel', () => {
  it('inline, a trap inside a kernel task (in a matMul chain, then at 5 points of a fit): the blocked main thread gets a clear error naming the kernel, a fresh core trains, the process exits', async () => {
    const { rows, code } = await run('inline', 'trap', 5);
    expect(code).toBe(0); // ended by itself: nothing of the lost cores keeps it alive
    expect(rows).toHaveLength(6);
    const [kernel, ...fits] = rows;
    expect(kernel.message).toMatch(MID_KERNEL);
    expect(MID_KERNEL.exec(kernel.message)![1]).toBe('matMul');
    expect(kernel.oldTensor).toMatch(/lost when the core restarted/);
    trained(kernel.fresh);
    for (const r of fits) {
      // The thread dies holding part of the work, so the main thread was
      // waiting for it: always the mid-kernel path.
      expect(r.message).toMatch(MID_KERNEL);
      trained(r.fresh);
    }
  });

  it('worker mode, the same traps: the worker ends with a clear error, a fresh worker trains', async () => {
    const { rows, code } = await run('worker', 'trap', 3);
    expect(code).toBe(0);
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.message).toBe('cnn-worker: the worker died (exit code 70: a pool thread of its core died); its tensors are lost');
      trained(r.fresh);
    }
  });
});
