/**
 * The Keras readers (io/keras/) as the loader sees them: `normalizeTopology`
 * turns a Keras 3 topology (batch_shape, DTypePolicy, `__keras_tensor__`
 * inbound nodes, module / registered_name keys) into the Keras 2 style the
 * loader builds; `normalizeArtifacts` also renames the weights of
 * Keras-3-converted Sequential and nested models; `kerasArtifacts` reads a
 * `.keras` zip or a legacy `.h5` file into ModelArtifacts.
 */
import { kerasArtifacts } from './keras/index.js';
import type { ModelArtifacts } from './types.js';

export { normalizeTopology, normalizeArtifacts, kerasArtifacts } from './keras/index.js';

/** Whether `name` is a Keras file rather than a model.json. */
export function isKerasFile(name: string): boolean {
  return /\.(keras|h5|hdf5)$/i.test(name.replace(/[?#].*$/, ''));
}

/** The artifacts of a Keras file (`.keras` zip or HDF5 `.h5`). */
export function readKerasFile(bytes: Uint8Array, fileName: string): Promise<ModelArtifacts> {
  return kerasArtifacts(bytes, fileName);
}
