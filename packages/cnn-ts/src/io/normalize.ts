/**
 * Hook points for the Keras readers (io/keras/, written in parallel):
 * `normalizeTopology` turns a Keras 3 topology (batch_shape, DTypePolicy,
 * `__keras_tensor__` inbound nodes, module / registered_name keys) into the
 * Keras 2 style the loader builds; `kerasArtifacts` reads a `.keras` zip or
 * a legacy `.h5` file into ModelArtifacts. Until io/keras/ is merged these
 * are the identity and null; at merge this file becomes
 *   export { normalizeTopology, kerasArtifacts } from './keras/index.js';
 */
import type { ModelArtifacts } from './types.js';

/** Returns a TF.js-layers style (Keras 2) topology for any topology it is given. */
export function normalizeTopology(topology: Record<string, unknown>): Record<string, unknown> {
  return topology;
}

/** Reads a Keras file (`fileName` ends in .keras, .h5 or .hdf5) from its bytes; null while no Keras reader is linked in. */
export const kerasArtifacts: ((bytes: Uint8Array, fileName: string) => Promise<ModelArtifacts>) | null = null;

/** Whether `name` is a Keras file rather than a model.json. */
export function isKerasFile(name: string): boolean {
  return /\.(keras|h5|hdf5)$/i.test(name.replace(/[?#].*$/, ''));
}

/** The artifacts of a Keras file, or an error saying the reader is missing. */
export function readKerasFile(bytes: Uint8Array, fileName: string): Promise<ModelArtifacts> {
  const read = kerasArtifacts as ((bytes: Uint8Array, fileName: string) => Promise<ModelArtifacts>) | null;
  if (!read) return Promise.reject(new Error(`${fileName}: Keras files (.keras, .h5) need the Keras reader (io/keras/), which is not part of this build`));
  return read(bytes, fileName);
}
