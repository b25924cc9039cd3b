/**
 * Model I/O types with the names and shapes of `@tensorflow/tfjs-core`'s
 * `io` namespace, so handlers written for TF.js work here and the Keras
 * readers (io/keras/) produce the same artifacts.
 */

/** Dtypes a weight can have in a manifest (TF.js `WeightsManifestEntry['dtype']`). */
export type WeightDType = 'float32' | 'int32' | 'bool' | 'string' | 'complex64' | 'float16';

/** Quantisation of a weight (TF.js): `value = q * scale + min` for uint8/uint16, or float16 bits. */
export interface Quantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale?: number;
  min?: number;
}

/** One weight in a manifest. */
export interface WeightsManifestEntry {
  /** `layer_name/kernel` for model weights; `layer_name/kernel/m` etc. for optimizer state. */
  name: string;
  shape: number[];
  dtype: WeightDType;
  /** 'model' (default) or 'optimizer'. */
  group?: WeightGroup;
  quantization?: Quantization;
}

export type WeightGroup = 'model' | 'optimizer';

/** A group of weights stored in the files `paths`, concatenated in order. */
export interface WeightsManifestGroupConfig {
  paths: string[];
  weights: WeightsManifestEntry[];
}

export type WeightsManifestConfig = WeightsManifestGroupConfig[];

/** Keras training configuration (snake_case keys, as Keras and tfjs-layers write it). */
export interface TrainingConfig {
  optimizer_config: { class_name: string; config: Record<string, unknown> };
  loss: string | string[] | Record<string, string>;
  metrics?: string[] | Record<string, string>;
  weighted_metrics?: string[];
  sample_weight_mode?: string;
  loss_weights?: number[] | Record<string, number>;
}

/** What a model is made of (TF.js `io.ModelArtifacts`). */
export interface ModelArtifacts {
  /** The topology: `{class_name, config, keras_version, backend}` or `{model_config, training_config, ...}`. */
  modelTopology?: Record<string, unknown> | ArrayBuffer;
  trainingConfig?: TrainingConfig;
  weightSpecs?: WeightsManifestEntry[];
  /** The weights' bytes, concatenated in `weightSpecs` order (one buffer or a list of buffers). */
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: Record<string, unknown>;
  /** Set by loaders: where the artifacts came from, for error messages. */
  source?: string;
}

/** The model.json file (TF.js `io.ModelJSON`). */
export interface ModelJSON {
  modelTopology: Record<string, unknown>;
  trainingConfig?: TrainingConfig;
  weightsManifest: WeightsManifestConfig;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: Record<string, unknown>;
}

/** Sizes of what was saved (TF.js `io.ModelArtifactsInfo`). */
export interface ModelArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: 'JSON' | 'GraphDef';
  modelTopologyBytes?: number;
  weightSpecsBytes?: number;
  weightDataBytes?: number;
}

/** What `save` resolves to (TF.js `io.SaveResult`). */
export interface SaveResult {
  modelArtifactsInfo: ModelArtifactsInfo;
  responses?: Response[];
  errors?: Array<Record<string, unknown> | string>;
}

export type SaveHandler = (artifacts: ModelArtifacts) => Promise<SaveResult>;
export type LoadHandler = () => Promise<ModelArtifacts>;

/** Saves and/or loads models (TF.js `io.IOHandler`). */
export interface IOHandler {
  save?: SaveHandler;
  load?: LoadHandler;
}

/** Options of `model.save` (TF.js `io.SaveConfig`). */
export interface SaveConfig {
  /** Also save the optimizer's state and the training config (default false). */
  includeOptimizer?: boolean;
  /** Save only the trainable weights (default false). */
  trainableOnly?: boolean;
  /** Store float32 weights as float16 (halves the files; about 3 significant digits). */
  quantize?: 'float16';
  /** Shard size in bytes (default 4 MiB, as tensorflowjs_converter). */
  shardSizeBytes?: number;
}

/** Progress callback: fraction done in [0, 1]. */
export type OnProgressCallback = (fraction: number) => void;

/** Options of `tf.loadLayersModel` and `tf.io.http` (TF.js `io.LoadOptions`). */
export interface LoadOptions {
  /** Weight names and shapes must match the model exactly (default true). */
  strict?: boolean;
  onProgress?: OnProgressCallback;
  /** Where the weight files are, if not beside model.json. */
  weightPathPrefix?: string;
  /** Passed to `fetch` (headers, credentials). */
  requestInit?: RequestInit;
  /** Replaces the global `fetch`. */
  fetchFunc?: typeof fetch;
  /** Rewrites each weight file URL before fetching. */
  weightUrlConverter?: (weightFileName: string) => Promise<string>;
}

/** One stored model, as `tf.io.listModels` reports it. */
export type ModelInfoMap = Record<string, ModelArtifactsInfo>;
