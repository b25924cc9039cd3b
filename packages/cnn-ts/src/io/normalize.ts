/**
 * Hook points for the Keras readers (io/keras/, written in parallel):
 * `normalizeTopology` turns a Keras 3 topology (batch_shape, DTypePolicy,
 * `__keras_tensor__` inbound nodes, module / registered_name keys) into the
 * Keras 2 style that the loader builds; `kerasFileHandler` reads `.keras`
 * and `.h5` files. Until io/keras/ is merged these are the identity and
 * "not available"; at merge they become one import each from './keras/index.js'.
 */
import type { IOHandler } from './types.js';

/** Returns a TF.js-layers style (Keras 2) topology for any topology it is given. */
export function normalizeTopology(topology: Record<string, unknown>): Record<string, unknown> {
  return topology;
}

/**
 * An IOHandler for a Keras file (`.keras` zip or legacy `.h5`) given its
 * path or bytes, or null while no Keras reader is linked in.
 */
export function kerasFileHandler(_source: { path: string } | { bytes: Uint8Array; name: string }): IOHandler | null {
  return null;
}
