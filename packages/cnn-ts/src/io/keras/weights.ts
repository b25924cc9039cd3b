/**
 * Weights of a Keras file as TF.js names and order.
 *
 * Keras 3 `model.weights.h5` (inside a `.keras` file) keeps each layer's
 * variables as `layers/<key>/vars/0..n-1`, where the key is the layer's
 * class in snake case numbered in order (`conv2d`, `conv2d_1`) and the
 * `vars` group's `name` attribute holds the layer name; a nested model's
 * layers are under `layers/<key>/layers/...`. The variables are in creation
 * order, which per class gives the TF.js names (kernel, bias; gamma, beta,
 * moving_mean, moving_variance ...).
 *
 * A legacy `.h5` keeps `model_weights/<layer>/<weight_name>`, the names in
 * the layer group's `weight_names` attribute: `conv/kernel:0` (Keras 2),
 * `model/conv/kernel` (Keras 3 Sequential), `inner/kernel:0` (nested).
 *
 * TF.js names a weight `<layer>/<weight>` and lists all trainable weights
 * first, then the non-trainable ones, each in layer order.
 */
import { KerasImportError } from './errors.js';
import type { H5Group } from './hdf5.js';
import type { KerasModelConfig, WeightsManifestEntry } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const CONTAINERS = new Set(['Sequential', 'Functional', 'Model']);
const NON_TRAINABLE = new Set(['moving_mean', 'moving_variance']);

export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
  trainable: boolean;
}

/** The TF.js names of a layer's variables in Keras's creation order; undefined for an unknown class. */
export function variableNames(className: string, config: Obj): string[] | undefined {
  const bias = config.use_bias === false ? [] : ['bias'];
  switch (className) {
    case 'Dense': case 'EinsumDense':
    case 'Conv1D': case 'Conv2D': case 'Conv3D':
    case 'Conv1DTranspose': case 'Conv2DTranspose': case 'Conv3DTranspose':
      return ['kernel', ...bias];
    case 'DepthwiseConv1D': case 'DepthwiseConv2D':
      return ['depthwise_kernel', ...bias];
    case 'SeparableConv1D': case 'SeparableConv2D':
      return ['depthwise_kernel', 'pointwise_kernel', ...bias];
    case 'BatchNormalization':
      return [...(config.scale === false ? [] : ['gamma']), ...(config.center === false ? [] : ['beta']), 'moving_mean', 'moving_variance'];
    case 'LayerNormalization':
      return [...(config.scale === false ? [] : ['gamma']), ...(config.center === false ? [] : ['beta'])];
    case 'Embedding':
      return ['embeddings'];
    case 'PReLU':
      return ['alpha'];
    default:
      return undefined;
  }
}

/** Keras 3's `naming.to_snake_case`. */
export function kerasSnakeCase(name: string): string {
  return name.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Layers of a converted (Keras-2-style) model config, as Keras 3's saving walks them. */
function savedLayers(model: { class_name: string; config: unknown }): Obj[] {
  const cfg = isObj(model.config) ? model.config : {};
  const layers = (Array.isArray(cfg.layers) ? cfg.layers : []).filter(isObj);
  // Sequential.layers leaves out its InputLayer; Functional.layers keeps them.
  return model.class_name === 'Sequential' ? layers.filter((l) => l.class_name !== 'InputLayer') : layers;
}

/** The keys Keras 3 gives the layers of a container in the weights file, in order. */
export function kerasV3LayerKeys(classNames: readonly string[]): string[] {
  const used = new Map<string, number>();
  return classNames.map((cls) => {
    const base = kerasSnakeCase(cls);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return n === undefined ? base : `${base}_${n + 1}`;
  });
}

const layerName = (l: Obj): string => String((isObj(l.config) ? l.config.name : undefined) ?? l.name ?? '');

/** Weights of a Keras 3 `model.weights.h5` for a converted model config. */
export function kerasV3Weights(root: H5Group, model: KerasModelConfig, source: string): NamedWeight[] {
  const out: NamedWeight[] = [];
  walkV3(root, model, true, source, out);
  return out;
}

function walkV3(group: H5Group, model: { class_name: string; config: unknown }, trainable: boolean, source: string, out: NamedWeight[]): void {
  const layers = savedLayers(model);
  if (layers.length === 0) return;
  const layersGroup = group.group('layers');
  const byName = new Map<string, string>();
  for (const key of layersGroup.keys) {
    const vars = layersGroup.get(`${key}/vars`);
    const name = vars?.kind === 'group' ? vars.attr('name') : undefined;
    if (typeof name === 'string') byName.set(name, key);
  }
  const fallback = kerasV3LayerKeys(layers.map((l) => String(l.class_name)));
  layers.forEach((layer, i) => {
    const name = layerName(layer);
    const cls = String(layer.class_name);
    const cfg = isObj(layer.config) ? layer.config : {};
    const key = byName.get(name) ?? fallback[i]!;
    const g = layersGroup.get(key);
    const layerTrainable = trainable && cfg.trainable !== false;
    if (CONTAINERS.has(cls)) {
      if (g?.kind !== 'group') throw new KerasImportError(source, `no weights group ${layersGroup.path}/${key} for the nested model '${name}'`);
      walkV3(g, { class_name: cls, config: cfg }, layerTrainable, source, out);
      return;
    }
    const vars = g?.kind === 'group' ? g.get('vars') : undefined;
    const count = vars?.kind === 'group' ? vars.keys.length : 0;
    const names = variableNames(cls, cfg) ?? (count === 0 ? [] : undefined);
    if (names === undefined) {
      throw new KerasImportError(source, `layer '${name}' (${cls}) has ${count} variables in ${layersGroup.path}/${key}/vars, and their TF.js names are not known for this class`);
    }
    if (count !== names.length) {
      throw new KerasImportError(source, `layer '${name}' (${cls}): ${count} variables in ${layersGroup.path}/${key}/vars, expected ${names.length} (${names.join(', ') || 'none'})`);
    }
    names.forEach((w, j) => {
      const ds = (vars as H5Group).dataset(String(j));
      out.push({ name: `${name}/${w}`, shape: ds.shape, data: ds.read(), trainable: layerTrainable && !NON_TRAINABLE.has(w) });
    });
  });
}

/** Every layer of a converted config by name, with whether its weights train (nested models included). */
function layerTrainability(model: { class_name: string; config: unknown }, trainable: boolean, out = new Map<string, boolean>()): Map<string, boolean> {
  for (const layer of savedLayers(model)) {
    const cfg = isObj(layer.config) ? layer.config : {};
    const t = trainable && cfg.trainable !== false;
    if (CONTAINERS.has(String(layer.class_name))) layerTrainability({ class_name: String(layer.class_name), config: cfg }, t, out);
    else out.set(layerName(layer), t);
  }
  return out;
}

/** A legacy weight name as TF.js's `<layer>/<weight>`. */
export function legacyWeightName(layer: string, weightName: string): string {
  const parts = weightName.replace(/:\d+$/, '').split('/');
  return parts.length >= 2 ? `${parts[parts.length - 2]}/${parts[parts.length - 1]}` : `${layer}/${parts[0]}`;
}

function stringList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const arr = Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<unknown>) : [v];
  return arr.map((x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x)));
}

/** Weights of a legacy Keras `.h5` (`model_weights` group, or the root of a weights-only file). */
export function legacyH5Weights(root: H5Group, model: KerasModelConfig, source: string): NamedWeight[] {
  const mw = root.get('model_weights');
  const weightsRoot = mw?.kind === 'group' ? mw : root;
  const layerNames = stringList(weightsRoot.attr('layer_names'));
  if (layerNames.length === 0 && weightsRoot.keys.length > 0) {
    throw new KerasImportError(source, `${weightsRoot.path} has no layer_names attribute; not a Keras HDF5 weights group`);
  }
  const trainability = layerTrainability(model, true);
  const out: NamedWeight[] = [];
  for (const layer of layerNames) {
    const g = weightsRoot.group(layer);
    for (const wn of stringList(g.attr('weight_names'))) {
      const ds = g.dataset(wn);
      const name = legacyWeightName(layer, wn);
      const short = name.slice(name.lastIndexOf('/') + 1);
      const owner = name.slice(0, name.lastIndexOf('/'));
      const t = (trainability.get(owner) ?? trainability.get(layer) ?? true) && !NON_TRAINABLE.has(short);
      out.push({ name, shape: ds.shape, data: ds.read(), trainable: t });
    }
  }
  return out;
}

/** TF.js order (trainable, then non-trainable; stable) as manifest entries and one buffer. */
export function packWeights(weights: readonly NamedWeight[], source: string): { weightSpecs: WeightsManifestEntry[]; weightData: ArrayBuffer } {
  const ordered = [...weights.filter((w) => w.trainable), ...weights.filter((w) => !w.trainable)];
  const seen = new Set<string>();
  let bytes = 0;
  for (const w of ordered) {
    if (seen.has(w.name)) throw new KerasImportError(source, `two weights are both named ${w.name}`);
    seen.add(w.name);
    bytes += w.data.byteLength;
  }
  const weightData = new ArrayBuffer(bytes);
  const view = new Uint8Array(weightData);
  let offset = 0;
  const weightSpecs = ordered.map((w) => {
    view.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), offset);
    offset += w.data.byteLength;
    return { name: w.name, shape: w.shape, dtype: w.data instanceof Float32Array ? 'float32' as const : 'int32' as const };
  });
  return { weightSpecs, weightData };
}
