/**
 * Every Node built-in this package uses, behind the `#node` subpath import
 * (package.json `imports`): Node and bundlers targeting Node get this file,
 * browser bundlers get `node-only.web.ts`, so no `node:` specifier and no
 * Node-only worker ever reaches a browser build (webpack 5 refuses `node:`
 * imports for the web; Vite would try to bundle node-pool-worker.js).
 */
/**
 * node:worker_threads, loaded on first use (worker mode, the thread pool):
 * it brings ten more built-in modules (2-3 ms to load) that a core running
 * on the calling thread does not need to start.
 */
export const workerThreads = (): Promise<typeof import('node:worker_threads')> => import('node:worker_threads');
export { default as nodeEndpoint } from 'comlink/dist/esm/node-adapter.mjs';
import { readFileSync } from 'node:fs';
import { cgroupCpuQuota } from './cpu-quota.js';
export { readFileSync };
export { availableParallelism } from 'node:os';
/** The CPUs this process's cgroup quota allows, or undefined (see cpu-quota.ts). */
export const cpuQuota = (): number | undefined => cgroupCpuQuota((path) => readFileSync(path, 'utf8'));
export { setFlagsFromString } from 'node:v8';
export { startNodePool } from './node-pool.js';
