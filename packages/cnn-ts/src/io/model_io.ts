/**
 * `model.save` and `tf.loadLayersModel` in the TF.js layers format: the
 * topology, the weights named `layer_name/kernel` (trainable first, as
 * tfjs-layers), and with `includeOptimizer` the training config and the
 * optimizer's state (group 'optimizer': `iter`, then `layer/kernel/m`, ...).
 * A load checks everything before it creates a tensor; a failure leaves
 * nothing behind.
 */
import { fromValues } from '../ops/creation.js';
import { Layer, InputLayer, withWeightSource } from '../layers/layer.js';
import { ENGINE } from '../engine.js';
import { LayersModel, modelIO } from '../models/model.js';
import type { CompileArgs } from '../models/training.js';
import { metricSaveName, type MetricIdentifier } from '../models/losses.js';
import { AdamOptimizer, MomentumOptimizer, RMSPropOptimizer, SGDOptimizer, type Optimizer } from '../optimizers.js';
import type { Variable } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import type { SerializableConstructor, Serializable } from '../serialization.js';
import { BACKEND, GENERATED_BY, KERAS_VERSION, convertTsToPythonic, modelConfig, modelFromTopology, modelTopology, toCamelCase, toSnakeCase } from './topology.js';
import { decodeWeight, encodeWeightParts, encodeWeights, splitWeights, type NamedTensor } from './weights.js';
import { getLoadHandler, getSaveHandler } from './router.js';
import { normalizeArtifacts } from './normalize.js';
import type { IOHandler, LoadOptions, ModelArtifacts, SaveConfig, SaveResult, TrainingConfig, WeightsManifestEntry } from './types.js';

/** The layers that own weights directly in `model` (not the input layers). */
function topLayers(model: LayersModel): Layer[] {
  return model.layers.filter((l) => !(l instanceof InputLayer));
}

/**
 * The name each weight is saved under: its own (`conv2d/kernel`), or for
 * the sub-layers of a custom layer, prefixed with that layer's name
 * (`residual_block/conv2d_3/kernel`) so the file groups them by layer.
 */
export function namedModelWeights(model: LayersModel, trainableOnly = false): { name: string; variable: Variable; owner: Layer }[] {
  const owner = new Map<Variable, Layer>();
  for (const top of topLayers(model)) for (const w of top.weights) if (!owner.has(w)) owner.set(w, top);
  const out = (trainableOnly ? model.trainableWeights : model.weights).map((w) => {
    const top = owner.get(w)!;
    const name = top instanceof LayersModel || w.name.startsWith(`${top.name}/`) ? w.name : `${top.name}/${w.name}`;
    return { name, variable: w, owner: top };
  });
  const seen = new Set<string>();
  for (const e of out) {
    if (seen.has(e.name)) throw new Error(`save: two weights are named ${e.name}; give the layers unique names`);
    seen.add(e.name);
  }
  return out;
}

/** TF.js class name and camelCase config of an optimizer (as tfjs-core's `getConfig`). */
function optimizerConfig(o: Optimizer): { class_name: string; config: Record<string, unknown> } {
  if (o instanceof AdamOptimizer) return { class_name: 'Adam', config: { learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon } };
  if (o instanceof MomentumOptimizer) return { class_name: 'Momentum', config: { learningRate: o.learningRate, momentum: o.momentum, useNesterov: o.useNesterov } };
  if (o instanceof RMSPropOptimizer) return { class_name: 'RMSProp', config: { learningRate: o.learningRate, decay: o.decay, momentum: o.momentum, epsilon: o.epsilon, centered: false } };
  if (o instanceof SGDOptimizer) return { class_name: 'SGD', config: { learningRate: o.learningRate } };
  throw new Error(`save: optimizer ${o.className} cannot be saved (known: Adam, SGD, Momentum, RMSProp)`);
}

/** An optimizer from a TF.js or Keras `optimizer_config`. */
function optimizerFromConfig(c: TrainingConfig['optimizer_config'], where: string): Optimizer {
  const raw = (c?.config ?? {}) as Record<string, unknown>;
  const cfg: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) cfg[toCamelCase(k)] = v;
  const num = (k: string, d: number) => {
    const v = cfg[k];
    if (v === undefined || v === null) return d;
    if (typeof v !== 'number') throw new Error(`${where}: optimizer ${c.class_name}: ${k} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const lr = num('learningRate', num('lr', c?.class_name === 'SGD' || c?.class_name === 'Momentum' ? 0.01 : 0.001));
  switch (c?.class_name) {
    case 'Adam':
      return new AdamOptimizer(lr, num('beta1', num('beta_1', 0.9)), num('beta2', num('beta_2', 0.999)), num('epsilon', 1e-7));
    case 'SGD': {
      const m = num('momentum', 0);
      return m > 0 ? new MomentumOptimizer(lr, m, cfg.nesterov === true) : new SGDOptimizer(lr);
    }
    case 'Momentum':
      return new MomentumOptimizer(lr, num('momentum', 0), cfg.useNesterov === true);
    case 'RMSProp':
    case 'RMSprop':
      if (cfg.centered === true) throw new Error(`${where}: optimizer ${c.class_name} with centered=true is not supported`);
      return new RMSPropOptimizer(lr, num('decay', num('rho', 0.9)), num('momentum', 0), num('epsilon', 1e-7));
    default:
      throw new Error(`${where}: optimizer '${c?.class_name}' is not supported; expected Adam, SGD, Momentum or RMSProp`);
  }
}

function trainingConfigOf(model: LayersModel): TrainingConfig | undefined {
  const args = model.compileArgs;
  const opt = model.optimizer;
  if (!args || !opt) return undefined;
  const tc: TrainingConfig = { loss: mapNames(args.loss, toSnakeCase) as TrainingConfig['loss'], metrics: mapNames(savedMetrics(args.metrics ?? []), toSnakeCase) as TrainingConfig['metrics'], optimizer_config: optimizerConfig(opt) };
  if (args.lossWeights) tc.loss_weights = args.lossWeights;
  return tc;
}

/** The metrics by name for a training config: `tf.metrics` functions by their name, other functions left out (they cannot be rebuilt from JSON). */
function savedMetrics(m: NonNullable<CompileArgs['metrics']>): Names {
  const one = (x: MetricIdentifier | MetricIdentifier[]): Names => (Array.isArray(x) ? x.map(metricSaveName).filter((n): n is string => n !== null) : (metricSaveName(x) ?? []));
  if (Array.isArray(m)) return m.every((x) => !Array.isArray(x)) ? one(m as MetricIdentifier[]) : m.map((x) => one(x as MetricIdentifier | MetricIdentifier[]));
  return Object.fromEntries(Object.entries(m).map(([k, x]) => [k, one(x)]));
}

/** Loss and metric names (one, a list per output, or keyed by output name) with `f` applied to every name. */
type Names = string | Names[] | { [key: string]: Names };
function mapNames(v: Names, f: (name: string) => string): Names {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((e) => mapNames(e, f));
  return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, mapNames(e, f)]));
}

/** Optimizer state in TF.js order and names: `iter`, then each slot for all variables. */
function optimizerWeights(opt: Optimizer, vars: { name: string; variable: Variable }[]): NamedTensor[] {
  const out: NamedTensor[] = [{ name: 'iter', tensor: tensor([opt.iterations], [], 'int32') }];
  opt.stateNames.forEach((slot, k) => {
    for (const { name, variable } of vars) out.push({ name: `${name}/${slot}`, tensor: opt.stateOf(variable)[k] });
  });
  return out;
}

/** The artifacts of `model` (topology, weight specs and bytes), as `model.save` hands them to a handler. */
export async function modelArtifacts(model: LayersModel, config: SaveConfig = {}, joined = true): Promise<ModelArtifacts> {
  if (model.inputs.length === 0) throw new Error(`save: model ${model.name} is not built yet (give the first layer an inputShape, or call the model on data first)`);
  const named = namedModelWeights(model, config.trainableOnly);
  const encode = joined ? encodeWeights : encodeWeightParts;
  const parts: { data: ArrayBuffer | ArrayBuffer[]; specs: WeightsManifestEntry[] }[] = [await encode(named.map((n) => ({ name: n.name, tensor: n.variable })), undefined, config.quantize)];
  let trainingConfig: TrainingConfig | undefined;
  if (config.includeOptimizer) {
    const opt = model.optimizer;
    trainingConfig = trainingConfigOf(model);
    if (opt && trainingConfig) {
      const trainable = new Set(model.trainableWeights);
      const ow = optimizerWeights(opt, named.filter((n) => trainable.has(n.variable)));
      try {
        parts.push(await encode(ow, 'optimizer'));
      } finally {
        ow[0].tensor.dispose();
      }
    }
  }
  let weightData: ArrayBuffer | ArrayBuffer[];
  if (!joined) weightData = parts.flatMap((p) => p.data as ArrayBuffer[]);
  else if (parts.length === 1) weightData = parts[0].data as ArrayBuffer;
  else {
    const bufs = parts.map((p) => p.data as ArrayBuffer);
    const all = new Uint8Array(bufs.reduce((s, b) => s + b.byteLength, 0));
    let o = 0;
    for (const b of bufs) {
      all.set(new Uint8Array(b), o);
      o += b.byteLength;
    }
    weightData = all.buffer;
  }
  const topology: Record<string, unknown> = {
    keras_version: KERAS_VERSION,
    backend: BACKEND,
    model_config: { class_name: modelTopology(model).class_name, config: convertTsToPythonic(modelConfig(model)) },
  };
  if (trainingConfig) topology.training_config = trainingConfig;
  const out: ModelArtifacts = {
    modelTopology: topology,
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: null,
    weightSpecs: parts.flatMap((p) => p.specs),
    weightData,
  };
  if (trainingConfig) out.trainingConfig = trainingConfig;
  return out;
}

/** `model.save(urlOrHandler, config)`. */
export async function saveModel(model: LayersModel, handlerOrURL: IOHandler | string, config: SaveConfig = {}): Promise<SaveResult> {
  const handler = typeof handlerOrURL === 'string' ? getSaveHandler(handlerOrURL, config) : handlerOrURL;
  if (!handler || typeof handler.save !== 'function') throw new Error('save: the handler has no save method');
  // Our file:// handler writes the shards from one buffer per weight; other handlers get one buffer, as from TF.js.
  const perWeight = typeof handlerOrURL === 'string' && /^file:\/\//i.test(handlerOrURL);
  return handler.save(await modelArtifacts(model, config, !perWeight));
}

function shapeStr(s: readonly number[]): string {
  return `[${s.join(',')}]`;
}

/** Pairs each model weight with a manifest entry: by name, else by order within its layer. */
function matchWeights(model: LayersModel, specs: WeightsManifestEntry[], strict: boolean, where: string): Map<Variable, WeightsManifestEntry> {
  const byName = new Map<string, WeightsManifestEntry>();
  for (const s of specs) {
    if (byName.has(s.name)) throw new Error(`${where}: the manifest lists weight ${s.name} twice`);
    byName.set(s.name, s);
  }
  const expected = namedModelWeights(model);
  const match = new Map<Variable, WeightsManifestEntry>();
  const used = new Set<WeightsManifestEntry>();
  for (const e of expected) {
    const s = byName.get(e.name) ?? byName.get(e.variable.name);
    if (s && !used.has(s)) {
      match.set(e.variable, s);
      used.add(s);
    }
  }
  // Custom layers rebuilt from their config name their sub-layers anew:
  // take the file's weights under the layer's name in order.
  for (const top of topLayers(model)) {
    const missing = expected.filter((e) => e.owner === top && !match.has(e.variable));
    if (missing.length === 0) continue;
    const cands = specs.filter((s) => !used.has(s) && s.name.startsWith(`${top.name}/`));
    if (cands.length === missing.length) {
      missing.forEach((e, i) => {
        match.set(e.variable, cands[i]);
        used.add(cands[i]);
      });
    }
  }
  const absent = expected.filter((e) => !match.has(e.variable));
  const extra = specs.filter((s) => !used.has(s));
  if (strict && (absent.length > 0 || extra.length > 0)) {
    const parts: string[] = [];
    if (absent.length > 0) parts.push(`the model has ${absent.length} weight(s) the file lacks: ${absent.map((e) => `${e.name} ${shapeStr(e.variable.shape)}`).join(', ')}`);
    if (extra.length > 0) parts.push(`the file has ${extra.length} weight(s) the model lacks: ${extra.map((s) => `${s.name} ${shapeStr(s.shape)}`).join(', ')}`);
    throw new Error(`${where}: the weights do not match the model (${expected.length} in the model, ${specs.length} in the file): ${parts.join('; ')}`);
  }
  for (const [v, s] of match) {
    if (s.shape.length !== v.shape.length || s.shape.some((d, i) => d !== v.shape[i])) {
      const e = expected.find((x) => x.variable === v)!;
      throw new Error(`${where}: weight ${s.name} has shape ${shapeStr(s.shape)} in the file, but the model's ${e.name} has shape ${shapeStr(v.shape)}`);
    }
  }
  return match;
}

/**
 * Applies values to variables (all checked beforehand); each is decoded
 * just before its upload, so at most one decoded copy is alive at a time.
 */
function assignAll(pairs: [Variable, () => Float32Array][]): void {
  for (const [v, values] of pairs) {
    const t = fromValues(values(), [...v.shape], v.dtype);
    v.assign(t);
    t.dispose();
  }
}

/**
 * Builds a model from artifacts: topology, training config (compiles),
 * weights and optimizer state. Throws before creating any tensor when the
 * artifacts are inconsistent; disposes the model on any failure.
 */
export async function modelFromArtifacts(artifacts: ModelArtifacts, options: LoadOptions & { customObjects?: Record<string, SerializableConstructor<Serializable>> } = {}): Promise<LayersModel> {
  const where = artifacts.source ?? 'loadLayersModel';
  const topo = artifacts.modelTopology;
  if (topo === undefined || topo === null) throw new Error(`${where}: the artifacts have no modelTopology`);
  if (topo instanceof ArrayBuffer) throw new Error(`${where}: the topology is a GraphDef (a TF.js graph model, for tf.loadGraphModel); cnn-ts loads layers models`);
  if (artifacts.format !== undefined && artifacts.format !== 'layers-model') throw new Error(`${where}: format is '${artifacts.format}'; expected 'layers-model' (graph models are not supported)`);
  const strict = options.strict ?? true;
  const specs = artifacts.weightSpecs ?? [];
  // Check the bytes against the manifest before building anything.
  const bytes = artifacts.weightData !== undefined ? splitWeights(artifacts.weightData, specs, where) : null;
  if (!bytes && specs.length > 0) throw new Error(`${where}: the manifest lists ${specs.length} weights but there is no weight data`);
  // An inline core copies on upload, so weights can be views of the file bytes.
  const copy = ENGINE.info?.mode !== 'inline';
  // Weights are created from the file's values where the names match (one
  // upload each), as zeros elsewhere (assigned below), never drawn (TF.js'
  // fastWeightInit). The bytes were checked against the manifest above.
  const modelSpecs = specs.filter((s) => (s.group ?? 'model') !== 'optimizer');
  const optSpecs = specs.filter((s) => s.group === 'optimizer');
  const byName = new Map(modelSpecs.map((s) => [s.name, s]));
  const given = new Map<string, WeightsManifestEntry>();
  const usedSpecs = new Set<WeightsManifestEntry>();
  const source = (name: string, shape: number[]) => {
    const s = byName.get(name);
    if (!s || given.has(name) || usedSpecs.has(s) || s.shape.length !== shape.length || s.shape.some((d, i) => d !== shape[i])) return undefined;
    given.set(name, s);
    usedSpecs.add(s);
    return decodeWeight(bytes!.get(s)!, s, copy);
  };
  const build = () => modelFromTopology(topo as Record<string, unknown>, options.customObjects ?? {}, where);
  const model = bytes && strict ? withWeightSource(source, build) : build();
  try {
    const tc = artifacts.trainingConfig ?? ((topo as Record<string, unknown>).training_config as TrainingConfig | undefined);
    if (tc) {
      if (!tc.optimizer_config) throw new Error(`${where}: training_config has no optimizer_config`);
      const optimizer = optimizerFromConfig(tc.optimizer_config, where);
      const names = (v: unknown): v is Names => typeof v === 'string' || (Array.isArray(v) && v.every(names)) || (typeof v === 'object' && v !== null && Object.values(v).every(names));
      if (!names(tc.loss)) throw new Error(`${where}: training_config.loss ${JSON.stringify(tc.loss)} is not supported (expected a loss name, a list of them or a map from output names)`);
      const metrics = names(tc.metrics) ? mapNames(tc.metrics, toCamelCase) : [];
      const lossWeights = tc.loss_weights;
      model.compile({ optimizer, loss: tc.loss as CompileArgs['loss'], metrics: metrics as CompileArgs['metrics'], ...(lossWeights ? { lossWeights } : {}) });
    }
    if (bytes) {
      const match = matchWeights(model, modelSpecs, strict, where);
      const pairs: [Variable, () => Float32Array][] = [...match].filter(([v, s]) => given.get(v.name) !== s).map(([v, s]) => [v, () => decodeWeight(bytes.get(s)!, s, copy)]);
      const optPairs = model.optimizer && optSpecs.length > 0 ? optimizerState(model, match, optSpecs, bytes, where) : null;
      assignAll(pairs);
      if (optPairs) {
        assignAll(optPairs.pairs);
        model.optimizer!.iterations = optPairs.iterations;
      }
    }
    return model;
  } catch (e) {
    model.optimizer?.dispose();
    model.dispose();
    throw e;
  }
}

/** The optimizer's saved state, decoded and checked (slots created, values not yet assigned). */
function optimizerState(model: LayersModel, match: Map<Variable, WeightsManifestEntry>, specs: WeightsManifestEntry[], bytes: Map<WeightsManifestEntry, Uint8Array>, where: string): { pairs: [Variable, () => Float32Array][]; iterations: number } {
  const opt = model.optimizer!;
  const byName = new Map(specs.map((s) => [s.name, s]));
  const iter = byName.get('iter');
  if (!iter || iter.shape.length !== 0) throw new Error(`${where}: the optimizer weights have no scalar 'iter'`);
  const iterations = decodeWeight(bytes.get(iter)!, iter)[0];
  const wanted: [Variable, WeightsManifestEntry][] = [];
  const missing: string[] = [];
  for (const v of model.trainableWeights) {
    const s = match.get(v);
    if (!s) continue;
    opt.stateNames.forEach((slot) => {
      const e = byName.get(`${s.name}/${slot}`);
      if (!e) missing.push(`${s.name}/${slot}`);
      else if (e.shape.length !== v.shape.length || e.shape.some((d, i) => d !== v.shape[i])) throw new Error(`${where}: optimizer weight ${e.name} has shape ${shapeStr(e.shape)}, the variable has ${shapeStr(v.shape)}`);
      else wanted.push([v, e]);
    });
  }
  if (missing.length > 0) throw new Error(`${where}: the optimizer state lacks ${missing.length} weight(s) for ${opt.className}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  const pairs: [Variable, () => Float32Array][] = [];
  for (const [v, e] of wanted) {
    const slot = e.name.slice(e.name.lastIndexOf('/') + 1);
    pairs.push([opt.stateOf(v)[opt.stateNames.indexOf(slot)], () => decodeWeight(bytes.get(e)!, e)]);
  }
  return { pairs, iterations };
}

/** `tf.loadLayersModel(urlOrHandler, options)`. */
export async function loadLayersModel(pathOrHandler: string | IOHandler, options: LoadOptions & { customObjects?: Record<string, SerializableConstructor<Serializable>> } = {}): Promise<LayersModel> {
  const handler = typeof pathOrHandler === 'string' ? getLoadHandler(pathOrHandler, options) : pathOrHandler;
  if (!handler || typeof handler.load !== 'function') throw new Error('loadLayersModel: the handler has no load method');
  const loaded = await handler.load();
  if (!loaded.source && typeof pathOrHandler === 'string') loaded.source = pathOrHandler;
  // Keras-3-converted files (from any handler) get Keras 2 topology and weight names.
  return modelFromArtifacts(normalizeArtifacts(loaded, { source: loaded.source }), options);
}

/** `tf.models.modelFromJSON(modelAndWeightsConfig | topology)`: a model from its JSON, with fresh weights. */
export async function modelFromJSON(json: Record<string, unknown> | string, customObjects?: Record<string, SerializableConstructor<Serializable>>): Promise<LayersModel> {
  let j: Record<string, unknown>;
  try {
    j = typeof json === 'string' ? (JSON.parse(json) as Record<string, unknown>) : json;
  } catch (e) {
    throw new Error(`modelFromJSON: invalid JSON: ${(e as Error).message}`);
  }
  const topo = (j.modelTopology ?? j) as Record<string, unknown>;
  return modelFromTopology(topo, customObjects ?? {}, 'modelFromJSON');
}

modelIO.toJSON = (m) => modelTopology(m);
modelIO.save = saveModel;
