/** True in Node.js (main thread or worker_threads). */
export const isNode: boolean =
  typeof process !== 'undefined' && typeof process.versions === 'object' && typeof process.versions.node === 'string';

/**
 * A module whose one function is `f32x4.relaxed_madd`: it validates only
 * where the engine has relaxed SIMD (Chromium >= 114, Node >= 22; Node 20
 * behind --experimental-wasm-relaxed-simd).
 */
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2,
  253, 133, 2, 11,
]);

/** True where WebAssembly relaxed SIMD validates (so the relaxed builds run). */
export function hasRelaxedSimd(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE);
}

/** True where shared wasm memories and threads are allowed. */
export function canUseThreads(): boolean {
  if (isNode) return true;
  const g = globalThis as { crossOriginIsolated?: boolean };
  return typeof SharedArrayBuffer === 'function' && g.crossOriginIsolated === true;
}


/**
 * Node: the `execArgv` option for a new worker thread. `undefined` (inherit
 * this thread's flags, V8 ones included) unless they hold `--input-type`,
 * which workers refuse (under `node --input-type=module -e …` no worker
 * would start): then the same flags without it.
 */
export function workerExecArgv(): string[] | undefined {
  const argv = process.execArgv;
  if (!argv.some((a) => a === '--input-type' || a.startsWith('--input-type='))) return undefined;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--input-type') i++;
    else if (!argv[i].startsWith('--input-type=')) out.push(argv[i]);
  }
  return out;
}
