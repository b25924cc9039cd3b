/**
 * Keras import: `.keras` and `.h5` files, and TF.js model.json files
 * converted from Keras 3, as TF.js layers-format `ModelArtifacts`.
 */
export { kerasArtifacts, type KerasArtifactsOptions, type KerasFileInput } from './artifacts.js';
export { convertModelConfig, normalizeTopology, isKeras3Topology, isSupportedLayerClass, SUPPORTED_LAYER_CLASSES, type ConvertOptions } from './config.js';
export { normalizeArtifacts, normalizeWeightsManifest } from './normalize.js';
export { KerasImportError } from './errors.js';
export { kerasFileHandler, kerasHttpHandler, kerasBrowserFiles, kerasRouter, isKerasPath, type KerasHttpOptions, type KerasFileSource } from './handlers.js';
export type { ModelArtifacts, WeightsManifestEntry, KerasTopology, KerasModelConfig, LoadHandler } from './types.js';
