/**
 * The supervisor of one Node rayon pool (see node-pool.ts): starts the pool
 * threads, and watches them from an event loop that is free while the
 * core's own thread is blocked in a kernel. When a pool thread dies it
 * 1. sets the shared flag (the core's thread reads it synchronously),
 * 2. tells the owner (heard at once if the owner is idle),
 * 3. ends the other pool threads, so the only rayon thread left is the
 *    core's own, and
 * 4. queues a job that traps (`nodePoolRescue`): if the core's thread is
 *    blocked waiting for work the dead thread took, it runs that job while
 *    it waits, and its kernel call throws instead of waiting forever.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { importGlue } from './glue.js';
import type { FromSupervisor, SupervisorData, ToSupervisor } from './node-pool.js';

const { glueUrl, module, memory, workers: n, flag } = workerData as SupervisorData;
const port = parentPort!;
const send = (m: FromSupervisor) => port.postMessage(m);
const dead = new Int32Array(flag);

const threads = Array.from({ length: n }, () => new Worker(new URL('./node-pool-worker.js', import.meta.url), { workerData: { glueUrl, module, memory } }));
try {
  await Promise.all(
    threads.map(
      (w, i) =>
        new Promise<void>((resolve, reject) => {
          w.once('message', (m: unknown) => (m === 'ready' ? resolve() : reject(new Error(`pool worker ${i}: unexpected message ${String(m)}`))));
          w.once('error', (e) => reject(new Error(`pool worker ${i} failed to start: ${e.message}`)));
          w.once('exit', (code) => reject(new Error(`pool worker ${i} exited with code ${code} while starting`)));
        }),
    ),
  );
} catch (e) {
  await Promise.all(threads.map((w) => w.terminate()));
  send({ type: 'start-failed', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
// This thread's own instance on the shared memory, for the rescue call.
const glue = await importGlue(glueUrl);
glue.initSync({ module, memory });

let built = false;
let died = false;
let stopping = false;

async function rescue(): Promise<void> {
  // Every other pool thread first: the trapping job must reach the core's
  // own thread, and a live pool thread could take it instead.
  await Promise.all(threads.map((w) => w.terminate()));
  glue.nodePoolRescue!();
}

threads.forEach((w, i) => {
  w.removeAllListeners();
  const onDeath = (why: string) => {
    if (died || stopping) return;
    died = true;
    Atomics.store(dead, 0, i + 1);
    send({ type: 'died', thread: i + 1, why });
    // Before the pool is built nobody can be waiting in a kernel; the
    // rescue then waits for 'built' (rayon has no global pool to queue on).
    if (built) void rescue();
  };
  w.on('error', (e) => onDeath(e.message));
  w.on('exit', (code) => onDeath(`exit code ${code}`));
});
send({ type: 'ready' });

port.on('message', (m: ToSupervisor) => {
  if (m.type === 'built') {
    built = true;
    if (died) void rescue();
  } else if (m.type === 'kill') {
    setTimeout(() => {
      void threads[m.index].terminate().then(() => send({ type: 'killed', id: m.id }));
    }, m.afterMs);
  } else if (m.type === 'stop') {
    stopping = true;
    void Promise.all(threads.map((w) => w.terminate())).then(() => process.exit(0));
  }
});
