/**
 * Keras model configs (Keras 3 `config.json`, the `model_config` attribute of
 * a legacy `.h5`, the `modelTopology` of a model.json converted from Keras 3)
 * to the Keras-2-style topology that TF.js layers format uses and
 * `@tensorflow/tfjs-layers` 4.22 accepts.
 *
 * What Keras 3 changed and this undoes (tfjs issue #8328):
 * - `InputLayer.batch_shape` is `batch_input_shape` again;
 * - `dtype` as a serialized `DTypePolicy` becomes its variable dtype string;
 * - `module`, `registered_name`, `build_config`, `compile_config`,
 *   `shared_object_id` go;
 * - an inbound node `{args: [{class_name: '__keras_tensor__', config:
 *   {keras_history: [layer, node, tensor]}}], kwargs}` (nested lists for
 *   Add/Concatenate) becomes `[[layer, node, tensor, kwargs], ...]`;
 * - a single model input/output `[name, 0, 0]` becomes `[[name, 0, 0]]`;
 * - regularizers `L1`/`L2` become TF.js's `L1L2`;
 * - Keras-3-only keys TF.js lacks are dropped where they hold their neutral
 *   value; where they do not (grouped convolutions, LoRA, batch renorm) the
 *   layer cannot be reproduced and is reported.
 * A config already in Keras 2 style comes out with the same meaning.
 *
 * Layers without an equivalent are reported all at once, in one
 * `KerasImportError` that lists every class and the layers using it.
 */
import { getRegisteredClass } from '../../serialization.js';
import { KerasImportError } from './errors.js';
import type { KerasModelConfig, KerasTopology } from './types.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Model classes: their configs hold layers, they are not layers to look up. */
const CONTAINERS = new Set(['Sequential', 'Functional', 'Model']);

/** Keras layer classes this library's layers have today (the default of `isSupportedLayerClass`). */
export const SUPPORTED_LAYER_CLASSES: ReadonlySet<string> = new Set([
  'InputLayer', 'Conv2D', 'Conv2DTranspose', 'Dense', 'Flatten', 'Activation', 'Dropout', 'Reshape',
  'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Add', 'Concatenate',
  'BatchNormalization', 'ZeroPadding2D',
]);

/**
 * Whether this library can rebuild a Keras layer class: the default of
 * `ConvertOptions.isSupported`. At merge with the class registry its body
 * becomes `SUPPORTED_LAYER_CLASSES.has(className) ||
 * getRegisteredClass(className) !== undefined` (serialization.ts), so new
 * layers and custom layers registered with `tf.serialization.registerClass`
 * are accepted without touching this file, and the built-in set holds even
 * where the layer modules (which register themselves) were not imported.
 */
export function isSupportedLayerClass(className: string): boolean {
  return SUPPORTED_LAYER_CLASSES.has(className) || getRegisteredClass(className) !== undefined;
}

export interface ConvertOptions {
  /**
   * Whether a Keras layer class can be rebuilt (called with `class_name`,
   * and with Keras 3's `registered_name` such as `'my_pkg>Block'` when the
   * first is not known). Default: `isSupportedLayerClass`.
   */
  isSupported?: (className: string) => boolean;
  /** The file the config came from, named in errors. */
  source?: string;
}

/** Serialized dtype policies: Keras 3 `DTypePolicy`, tf.keras 2 mixed precision `Policy`. */
const POLICY_CLASSES = new Set(['DTypePolicy', 'FloatDTypePolicy', 'Policy', 'DTypePolicyMap']);

/** The variable dtype of a policy name (`mixed_float16` keeps float32 variables). */
function policyDtype(name: unknown): string {
  if (typeof name !== 'string') return 'float32';
  return name.startsWith('mixed_') ? 'float32' : name;
}

/** Keras names for objects TF.js knows under another name. */
const RENAMED_CLASSES: Record<string, string> = { IdentityInitializer: 'Identity' };

/** Activation names Keras and TF.js spell differently. */
const RENAMED_ACTIVATIONS: Record<string, string> = { silu: 'swish' };

/** Keys Keras 3 writes beside a serialized object that say nothing about the object itself. */
const OBJECT_BOOKKEEPING = ['module', 'registered_name', 'build_config', 'compile_config', 'shared_object_id'];

/**
 * Keras-3-only layer keys TF.js has no argument for, with the value that
 * makes them a no-op (`undefined`: any value is a no-op for inference).
 */
const NEUTRAL_KEYS: Record<string, Record<string, unknown>> = {
  InputLayer: { optional: false },
  Conv1D: { groups: 1, lora_rank: null, lora_alpha: null },
  Conv2D: { groups: 1, lora_rank: null, lora_alpha: null },
  Conv3D: { groups: 1, lora_rank: null, lora_alpha: null },
  Conv2DTranspose: { groups: 1, lora_rank: null, lora_alpha: null },
  DepthwiseConv2D: { lora_rank: null, lora_alpha: null },
  SeparableConv2D: { lora_rank: null, lora_alpha: null },
  Dense: { lora_rank: null, lora_alpha: null, quantization_config: null },
  Embedding: { lora_rank: null, lora_alpha: null, quantization_config: null },
  BatchNormalization: { synchronized: undefined, renorm: false, renorm_clipping: undefined, renorm_momentum: undefined },
};

/** Initializer keys Keras 3 added with a null default. */
const NEUTRAL_OBJECT_KEYS: Record<string, unknown> = { input_axes: null, output_axes: null };

interface Problems {
  /** className -> names of the layers of that class. */
  unsupported: Map<string, string[]>;
  /** Other reasons a layer cannot be reproduced, one line each. */
  other: string[];
}

/** A serialized value (initializer, regularizer, constraint, policy, nested config) made TF.js-plain. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (!isObj(v)) return v;
  if (typeof v.class_name === 'string' && 'config' in v) {
    if (POLICY_CLASSES.has(v.class_name)) return policyDtype(isObj(v.config) ? v.config.name : undefined);
    return serializedObject(v.class_name, v.config);
  }
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!OBJECT_BOOKKEEPING.includes(k)) out[k] = plain(x);
  return out;
}

/** `{class_name, config}` with TF.js's names for the classes it spells differently. */
function serializedObject(className: string, config: unknown): Obj {
  const cfg = isObj(config) ? (plain(config) as Obj) : config;
  if (isObj(cfg)) {
    for (const [k, neutral] of Object.entries(NEUTRAL_OBJECT_KEYS)) if (k in cfg && cfg[k] === neutral) delete cfg[k];
  }
  // TF.js has one L1L2 regularizer class; Keras serializes L1 and L2 separately.
  if (className === 'L2' && isObj(cfg)) return { class_name: 'L1L2', config: { l1: 0, l2: cfg.l2 ?? 0.01 } };
  if (className === 'L1' && isObj(cfg)) return { class_name: 'L1L2', config: { l1: cfg.l1 ?? 0.01, l2: 0 } };
  return { class_name: RENAMED_CLASSES[className] ?? className, config: cfg };
}

/** A layer's own config (not a model's) in TF.js's Keras 2 style. */
function layerConfig(className: string, config: unknown, layerName: string, problems: Problems): Obj {
  const cfg = isObj(config) ? (plain(config) as Obj) : {};
  if ('batch_shape' in cfg) {
    if (!('batch_input_shape' in cfg)) cfg.batch_input_shape = cfg.batch_shape;
    delete cfg.batch_shape;
  }
  const neutral = NEUTRAL_KEYS[className] ?? {};
  for (const [k, want] of Object.entries(neutral)) {
    if (!(k in cfg)) continue;
    if (want !== undefined && cfg[k] !== want && !(want === null && cfg[k] === undefined)) {
      problems.other.push(`layer '${layerName}' (${className}): ${k}=${JSON.stringify(cfg[k])} has no equivalent (only ${JSON.stringify(want)})`);
    }
    delete cfg[k];
  }
  if (className === 'BatchNormalization' && Array.isArray(cfg.axis) && cfg.axis.length === 1) cfg.axis = cfg.axis[0];
  // Keras writes `keepdims` for global pooling; TF.js's key is keep_dims (keepDims).
  if ('keepdims' in cfg && /^Global(Average|Max)Pooling[123]D$/.test(className)) {
    cfg.keep_dims = cfg.keepdims;
    delete cfg.keepdims;
  }
  if (typeof cfg.activation === 'string') cfg.activation = RENAMED_ACTIVATIONS[cfg.activation] ?? cfg.activation;
  return cfg;
}

/** Collects the `keras_history` of every `__keras_tensor__` in a Keras 3 node's args, in order. */
function collectTensors(v: unknown, out: unknown[][], where: string, problems: Problems): void {
  if (Array.isArray(v)) {
    for (const x of v) collectTensors(x, out, where, problems);
  } else if (isObj(v) && v.class_name === '__keras_tensor__') {
    const h = isObj(v.config) ? v.config.keras_history : undefined;
    if (!Array.isArray(h) || h.length !== 3) problems.other.push(`${where}: a tensor argument without keras_history [layer, node, tensor]`);
    else out.push(h);
  } else if (isObj(v)) {
    for (const x of Object.values(v)) collectTensors(x, out, where, problems);
  } else if (v !== null && v !== undefined) {
    problems.other.push(`${where}: a non-tensor positional argument ${JSON.stringify(v)} to a layer call has no equivalent`);
  }
}

/** Keyword arguments of a layer call without the null ones; tensors in them cannot be expressed. */
function nodeKwargs(kwargs: unknown, where: string, problems: Problems): Obj {
  const out: Obj = {};
  if (!isObj(kwargs)) return out;
  for (const [k, v] of Object.entries(kwargs)) {
    if (v === null || v === undefined) continue;
    if (JSON.stringify(v).includes('__keras_tensor__')) {
      problems.other.push(`${where}: the tensor keyword argument '${k}' has no equivalent`);
      continue;
    }
    out[k] = plain(v);
  }
  return out;
}

/**
 * Keras 3 inbound nodes to TF.js's `[[layer, node, tensor, kwargs], ...]` per
 * node. A nested model has a node of its own in Keras 2 and TF.js (made when
 * it was built on its Input), which Keras 3 does not count: references to a
 * nested model's node k become node k + 1.
 */
function inboundNodes(nodes: unknown, layerName: string, models: ReadonlySet<string>, problems: Problems): unknown[] {
  if (!Array.isArray(nodes)) return [];
  return nodes.map((node, i) => {
    if (Array.isArray(node)) return node; // Keras 2 style already
    const where = `layer '${layerName}' call ${i}`;
    if (!isObj(node)) {
      problems.other.push(`${where}: an inbound node that is neither a list nor {args, kwargs}`);
      return [];
    }
    const tensors: unknown[][] = [];
    collectTensors(node.args, tensors, where, problems);
    const kwargs = nodeKwargs(node.kwargs, where, problems);
    return tensors.map((h) => [...shiftModelNode(h, models), kwargs]);
  });
}

/** `[layer, node, tensor]` with the node index of a nested model moved past its own node. */
function shiftModelNode(ref: unknown[], models: ReadonlySet<string>): unknown[] {
  const [layer, node, tensor] = ref;
  return models.has(String(layer)) && typeof node === 'number' ? [layer, node + 1, tensor] : [layer, node, tensor];
}

/** True when any layer of a Functional config has Keras 3 `{args, kwargs}` nodes. */
function hasKeras3Nodes(layers: unknown): boolean {
  return Array.isArray(layers) && layers.some((l) => isObj(l) && Array.isArray(l.inbound_nodes) && l.inbound_nodes.some(isObj));
}

/** `[name, node, tensor]` or a list/dict of them -> a list of them (TF.js input_layers/output_layers). */
function tensorRefs(v: unknown): unknown[] {
  if (Array.isArray(v) && typeof v[0] === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(tensorRefs);
  if (isObj(v)) return Object.values(v).flatMap(tensorRefs);
  return [];
}

/** The shape a Sequential model without an InputLayer was built for (Keras 3). */
function sequentialInputShape(cfg: Obj, first: Obj | undefined): unknown {
  if (Array.isArray(cfg.build_input_shape)) return cfg.build_input_shape;
  const bc = first && isObj(first.build_config) ? first.build_config : undefined;
  return bc && Array.isArray(bc.input_shape) ? bc.input_shape : undefined;
}

/** Names of the nested models among a Functional config's layers whose node indices shift (Keras 3). */
function shiftedModels(entries: unknown): Set<string> {
  const names = new Set<string>();
  if (!hasKeras3Nodes(entries)) return names;
  for (const e of entries as unknown[]) {
    if (isObj(e) && CONTAINERS.has(String(e.class_name))) names.add(String(e.name ?? (isObj(e.config) ? e.config.name : '')));
  }
  return names;
}

function convertLayers(entries: unknown, functional: boolean, parentTrainable: boolean, opts: Required<ConvertOptions>, problems: Problems): Obj[] {
  if (!Array.isArray(entries)) {
    problems.other.push(`a model config whose 'layers' is not a list`);
    return [];
  }
  const models = functional ? shiftedModels(entries) : new Set<string>();
  return entries.map((entry, i) => {
    const e = isObj(entry) ? entry : {};
    const cls = typeof e.class_name === 'string' ? e.class_name : '';
    const rawCfg = isObj(e.config) ? e.config : {};
    const name = String(e.name ?? rawCfg.name ?? `#${i}`);
    let config: Obj | unknown[];
    if (CONTAINERS.has(cls)) {
      config = containerConfig(cls, e.config, parentTrainable, opts, problems);
    } else {
      const reg = typeof e.registered_name === 'string' ? e.registered_name : undefined;
      if (!cls || !(opts.isSupported(cls) || (reg !== undefined && opts.isSupported(reg)))) {
        const key = cls || '(no class_name)';
        const names = problems.unsupported.get(key) ?? [];
        names.push(name);
        problems.unsupported.set(key, names);
      }
      config = layerConfig(cls, e.config, name, problems);
      if (!parentTrainable) config.trainable = false;
    }
    const out: Obj = { class_name: cls, config };
    if (functional) {
      out.name = name;
      out.inbound_nodes = inboundNodes(e.inbound_nodes, name, models, problems);
    }
    return out;
  });
}

function containerConfig(cls: string, config: unknown, parentTrainable: boolean, opts: Required<ConvertOptions>, problems: Problems): Obj {
  const cfg: Obj = Array.isArray(config) ? { layers: config } : isObj(config) ? config : {};
  const trainable = parentTrainable && cfg.trainable !== false;
  if (cls === 'Sequential') {
    const layers = convertLayers(cfg.layers, false, trainable, opts, problems);
    const first = layers[0];
    if (first && first.class_name !== 'InputLayer') {
      const fc = first.config as Obj;
      const shape = sequentialInputShape(cfg, Array.isArray(cfg.layers) && isObj(cfg.layers[0]) ? cfg.layers[0] : undefined);
      if (fc.batch_input_shape === undefined && shape !== undefined) fc.batch_input_shape = shape;
    }
    const out: Obj = { name: cfg.name, layers };
    if (trainable === false) out.trainable = false;
    return out;
  }
  const models = shiftedModels(cfg.layers);
  const out: Obj = {
    name: cfg.name,
    layers: convertLayers(cfg.layers, true, trainable, opts, problems),
    input_layers: tensorRefs(cfg.input_layers),
    output_layers: tensorRefs(cfg.output_layers).map((r) => shiftModelNode(r as unknown[], models)),
  };
  if (trainable === false) out.trainable = false;
  return out;
}

/** Throws one error listing every layer that cannot be rebuilt; nothing when all can. */
function report(problems: Problems, source: string): void {
  const lines: string[] = [];
  if (problems.unsupported.size > 0) {
    const classes = [...problems.unsupported.entries()].map(([cls, names]) => `${cls} (${names.map((n) => `'${n}'`).join(', ')})`);
    lines.push(
      `${problems.unsupported.size} Keras layer class${problems.unsupported.size > 1 ? 'es have' : ' has'} no equivalent here: ${classes.join('; ')}. ` +
        `A custom layer loads once its class is registered with tf.serialization.registerClass().`,
    );
  }
  lines.push(...problems.other);
  if (lines.length > 0) {
    const err = new KerasImportError(source, lines.join('\n  '));
    err.unsupportedClasses = [...problems.unsupported.keys()];
    throw err;
  }
}

function options(opts: ConvertOptions): Required<ConvertOptions> {
  return { isSupported: opts.isSupported ?? isSupportedLayerClass, source: opts.source ?? 'Keras model config' };
}

/**
 * A Keras model config `{class_name, config}` (Keras 3 or 2; Sequential,
 * Functional or Model, nested models included) as TF.js's Keras-2-style
 * `model_config`. Throws one `KerasImportError` naming every layer class
 * without an equivalent and every setting that cannot be reproduced.
 */
export function convertModelConfig(modelConfig: unknown, opts: ConvertOptions = {}): KerasModelConfig {
  const o = options(opts);
  if (!isObj(modelConfig) || typeof modelConfig.class_name !== 'string') {
    throw new KerasImportError(o.source, 'the model config is not an object with a class_name');
  }
  const cls = modelConfig.class_name;
  if (!CONTAINERS.has(cls)) {
    throw new KerasImportError(o.source, `the top-level class is ${cls}; expected a Sequential, Functional or Model`);
  }
  const problems: Problems = { unsupported: new Map(), other: [] };
  const config = containerConfig(cls, modelConfig.config, true, o, problems);
  report(problems, o.source);
  return { class_name: cls === 'Model' ? 'Functional' : cls, config };
}

/**
 * True when a topology or model config was written by Keras 3: its
 * keras_version, or a marker only Keras 3 writes (tf.keras 2.13+ also writes
 * `module` and `registered_name`, so those say nothing).
 */
export function isKeras3Topology(topology: unknown): boolean {
  if (!isObj(topology)) return false;
  if (typeof topology.keras_version === 'string' && topology.keras_version.startsWith('3')) return true;
  const text = JSON.stringify(topology.model_config ?? topology);
  return /"batch_shape"|"__keras_tensor__"|"class_name":\s*"DTypePolicy"/.test(text);
}

/**
 * The `modelTopology` of a TF.js layers model.json in the Keras 2 style
 * tfjs-layers reads. A topology written from Keras 3 (tensorflowjs_converter
 * on a Keras 3 model) is converted; one already in Keras 2 style is returned
 * as it is (the same object). Accepts `{model_config, keras_version, ...}`
 * or a bare `{class_name, config}`.
 */
export function normalizeTopology<T>(topology: T, opts: ConvertOptions = {}): T | KerasTopology {
  if (!isKeras3Topology(topology)) return topology;
  const t = topology as Obj;
  if (isObj(t.model_config)) {
    return { ...t, model_config: convertModelConfig(t.model_config, opts) } as KerasTopology;
  }
  return { model_config: convertModelConfig(t, opts) };
}

/**
 * TF.js weight names for a topology's weights: Keras 3's converter writes
 * Sequential weights as `model_name/layer/kernel` and weights of a nested
 * model as `outer/inner_layer/kernel`; TF.js names them `layer/kernel`.
 * Returns a name -> TF.js name function (identity for names already right).
 */
export function weightNameFixer(modelConfig: KerasModelConfig): (name: string) => string {
  const layerNames = new Set<string>();
  const visit = (cfg: unknown): void => {
    if (!isObj(cfg) || !Array.isArray(cfg.layers)) return;
    for (const l of cfg.layers) {
      if (!isObj(l)) continue;
      const c = isObj(l.config) ? l.config : {};
      if (CONTAINERS.has(String(l.class_name))) visit(c);
      else if (typeof c.name === 'string') layerNames.add(c.name);
    }
  };
  visit(modelConfig.config);
  return (name: string) => {
    const parts = name.split('/');
    if (parts.length <= 2 || layerNames.has(parts[0]!)) return name;
    const layer = parts[parts.length - 2]!;
    return layerNames.has(layer) ? `${layer}/${parts[parts.length - 1]}` : name;
  };
}
