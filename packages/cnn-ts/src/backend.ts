/**
 * TF.js's backend controls (`tf.backend()`, `getBackend`, `setBackend`,
 * `nextFrame`). There is one backend: the wasm core. TF.js programs pick a
 * backend by name before training; every name of a TF.js CPU/GPU backend
 * selects the core, so they run unchanged.
 */
import { ENGINE } from './engine.js';

/** Our backend's name, as `tf.getBackend()` reports it. */
export const BACKEND_NAME = 'cnn-ts';
/** TF.js backend names that select the core (it replaces all of them). */
const KNOWN = new Set([BACKEND_NAME, 'wasm', 'cpu', 'webgl', 'webgpu', 'tensorflow']);

/** What `tf.backend()` returns: the numeric facts TF.js code asks a backend. */
export interface KernelBackend {
  /** Smallest value added to avoid division by zero (1e-7: float32, as TF.js cpu/wasm). */
  epsilon(): number;
  /** Bits of float precision (32). */
  floatPrecision(): number;
  /** Name of the backend. */
  readonly name: string;
}

const THE_BACKEND: KernelBackend = {
  epsilon: () => 1e-7,
  floatPrecision: () => 32,
  name: BACKEND_NAME,
};

/** The current backend (TF.js `tf.backend()`). */
export function backend(): KernelBackend {
  return THE_BACKEND;
}

/** Name of the current backend (TF.js `tf.getBackend()`). */
export function getBackend(): string {
  return BACKEND_NAME;
}

/**
 * Selects a backend by name and resolves to whether it is ready (TF.js
 * `tf.setBackend`). 'cnn-ts' and the names of TF.js's own backends ('wasm',
 * 'cpu', 'webgl', 'webgpu', 'tensorflow') all select the wasm core; another
 * name throws, as TF.js does for an unregistered backend.
 */
export async function setBackend(backendName: string): Promise<boolean> {
  if (!KNOWN.has(backendName)) throw new Error(`Backend name '${backendName}' not found in registry (cnn-ts runs every op on its wasm core; known names: ${[...KNOWN].join(', ')})`);
  await ENGINE.ready();
  return true;
}

/** Resolves on the next animation frame (browsers) or the next turn of the event loop (Node). */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => unknown }).requestAnimationFrame;
    if (typeof raf === 'function') raf(() => resolve());
    else if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}
