/**
 * `tf.io` with tfjs-core's names, plus `loadLayersModel` and
 * `modelFromJSON` (exported at the top level and under `tf.models`).
 */
export type * from './types.js';
export { browserDownloads, browserFiles, browserIndexedDB, browserLocalStorage, fromMemory, http, withSaveHandler, artifactsInfo as getModelArtifactsInfoForJSON } from './handlers.js';
export { fileSystem } from './file.js';
export { copyModel, getLoadHandlers, getSaveHandlers, listModels, moveModel, removeModel } from './router.js';
export { decodeWeight, encodeWeights, type NamedTensor } from './weights.js';
export { loadLayersModel, modelFromJSON, modelArtifacts } from './model_io.js';
