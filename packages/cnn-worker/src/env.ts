/** True in Node.js (main thread or worker_threads). */
export const isNode: boolean =
  typeof process !== 'undefined' && typeof process.versions === 'object' && typeof process.versions.node === 'string';

/** True where shared wasm memories and threads are allowed. */
export function canUseThreads(): boolean {
  if (isNode) return true;
  const g = globalThis as { crossOriginIsolated?: boolean };
  return typeof SharedArrayBuffer === 'function' && g.crossOriginIsolated === true;
}

