/**
 * The few `tf.io` shapes the Keras import produces, structurally identical to
 * `@tensorflow/tfjs-core`'s `io.ModelArtifacts`, `io.WeightsManifestEntry` and
 * `io.IOHandler` (load side), so the same object feeds `tf.loadLayersModel`
 * here or in tfjs-layers.
 *
 * Defined here because the library's own `io/types.ts` is being written on a
 * parallel branch; at merge these become re-exports of it.
 */

/** One weight in a manifest or in `ModelArtifacts.weightSpecs`. */
export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** Keras-2-style `modelTopology` as TF.js writes it in model.json. */
export interface KerasTopology {
  keras_version?: string;
  backend?: string;
  model_config: KerasModelConfig;
  [key: string]: unknown;
}

/** `{class_name, config}` of a Sequential or Functional model. */
export interface KerasModelConfig {
  class_name: string;
  config: Record<string, unknown> | unknown[];
  [key: string]: unknown;
}

/** What `load()` of a handler resolves to (tfjs-core `io.ModelArtifacts`). */
export interface ModelArtifacts {
  modelTopology: KerasTopology;
  weightSpecs: WeightsManifestEntry[];
  weightData: ArrayBuffer;
  format: string;
  generatedBy: string;
  convertedBy: string;
  trainingConfig?: Record<string, unknown>;
}

/** The load side of a tfjs-core `io.IOHandler`. */
export interface LoadHandler {
  load(): Promise<ModelArtifacts>;
}
