/**
 * cnn-ts: the public API (TensorFlow.js names). The tensor, layer and
 * training layers build on the cnn-worker executor re-exported here.
 */
export { loadCore, spawnWorker, type CoreInfo, type LoadOptions, type SpawnOptions } from 'cnn-worker';
