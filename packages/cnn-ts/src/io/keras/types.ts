/**
 * The `tf.io` shapes the Keras import produces: the library's own
 * (io/types.ts, tfjs-core's names), narrowed to what a Keras file always
 * gives, so the same object feeds `tf.loadLayersModel` here or in tfjs-layers.
 */
import type { ModelArtifacts as IOModelArtifacts, WeightsManifestEntry } from '../types.js';

export type { WeightsManifestEntry };

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

/** What `load()` of a Keras handler resolves to: `io.ModelArtifacts` with every field a Keras file gives. */
export interface ModelArtifacts extends IOModelArtifacts {
  modelTopology: KerasTopology;
  weightSpecs: WeightsManifestEntry[];
  weightData: ArrayBuffer;
  format: string;
  generatedBy: string;
  convertedBy: string;
}

/** The load side of a tfjs-core `io.IOHandler`. */
export interface LoadHandler {
  load(): Promise<ModelArtifacts>;
}
