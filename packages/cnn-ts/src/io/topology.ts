/**
 * Model topology in the TF.js layers / Keras 2 JSON format: `model.toJSON`,
 * `tf.models.modelFromJSON`, Sequential and functional graphs with
 * `inbound_nodes` as `[[['layer', nodeIndex, tensorIndex, {}], ...]]`.
 */
import { InputLayer, Layer, SymbolicTensor, type CallArgs, type SymbolicNode } from '../layers/layer.js';
import { LayersModel } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { deserializeObject, getRegisteredClass, type ConfigDict, type SerializableConstructor, type Serializable } from '../serialization.js';
import { normalizeTopology } from './normalize.js';

/** The version string tfjs-layers writes as `keras_version` (we write ours). */
export const KERAS_VERSION = 'cnn-ts 0.1.0';
export const BACKEND = 'cnn-ts';
export const GENERATED_BY = 'cnn-ts 0.1.0 (TF.js layers format)';

/** Keras' `to_snake_case` (as tfjs-layers converts config keys and string values). */
export function toSnakeCase(name: string): string {
  const s = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return s[0] !== '_' ? s : 'private' + s;
}

/** snake_case -> camelCase (tfjs-layers' `toCamelCase`). */
export function toCamelCase(id: string): string {
  if (id.length <= 1 || !id.includes('_')) return id;
  return id.replace(/[_]+(\w|$)/g, (_, c: string) => c.toUpperCase());
}

/** Layer and tensor names in node lists are not case-converted. */
function isNameInList(key: string | undefined, index: number, value: unknown): boolean {
  return (key === 'inboundNodes' || key === 'outputLayers' || key === 'inputLayers' || key === 'inbound_nodes' || key === 'output_layers' || key === 'input_layers') && index === 0 && typeof value === 'string';
}

/**
 * camelCase config -> the JSON's snake_case (keys, and string values other
 * than names), as tfjs-layers' `convertTsToPythonic`.
 */
export function convertTsToPythonic(v: unknown, key?: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return toSnakeCase(v);
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((e, i) => (isNameInList(key, i, e) ? e : convertTsToPythonic(e, key)));
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    out[toSnakeCase(k)] = (k === 'name' || k === 'className') && typeof val === 'string' ? val : convertTsToPythonic(val, k);
  }
  return out;
}

/** The JSON's snake_case -> camelCase config (tfjs-layers' `convertPythonicToTs`). */
export function convertPythonicToTs(v: unknown, key?: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return toCamelCase(v);
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((e, i) => (isNameInList(key, i, e) ? e : convertPythonicToTs(e, key)));
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'name' && typeof val === 'string') out[k] = val;
    else {
      const ck = toCamelCase(k);
      out[ck] = convertPythonicToTs(val, ck);
    }
  }
  return out;
}

// ---------------------------------------------------------------- writing

interface LayerJSON {
  className: string;
  config: Record<string, unknown>;
  name?: string;
  inboundNodes?: unknown[];
}

/** `{className, config}` of a layer (nested models give their graph). */
export function serializeLayer(l: Layer): LayerJSON {
  if (l instanceof LayersModel) return { className: modelClassName(l), config: modelConfig(l) };
  return { className: l.className, config: l.getConfig() };
}

function modelClassName(m: LayersModel): string {
  return m instanceof Sequential ? 'Sequential' : 'Model';
}

/**
 * Index of `node` among the applications of its layer in `nodes` (Keras' node
 * index). A model used as a layer has its own graph as node 0 in Keras and
 * TF.js, so its applications count from 1.
 */
function nodeIndexOf(node: SymbolicNode | null, nodes: readonly SymbolicNode[]): number {
  if (!node) return 0;
  return nodes.filter((n) => n.layer === node.layer).indexOf(node) + (node.layer instanceof LayersModel ? 1 : 0);
}

function kwargsOf(c: CallArgs): Record<string, unknown> {
  return c.training === undefined ? {} : { training: c.training };
}

/** A model's config (camelCase), as tfjs-layers' `Container.getConfig` / `Sequential.getConfig`. */
export function modelConfig(m: LayersModel): Record<string, unknown> {
  if (m instanceof Sequential) {
    const layers = m.layers.map(serializeLayer);
    const inShape = m.inputs[0]?.shape;
    if (layers.length > 0 && inShape && layers[0].config.batchInputShape === undefined) layers[0].config = { ...layers[0].config, batchInputShape: [...inShape], dtype: 'float32' };
    return { name: m.name, layers };
  }
  const nodes = m.graph;
  const layers: LayerJSON[] = m.layers.map((l) => {
    const own = nodes.filter((n) => n.layer === l);
    const inbound = own.map((n) => n.inputs.map((t) => [t.sourceLayer.name, nodeIndexOf(t.node, nodes), t.outputIndex, kwargsOf(n.callArgs)]));
    const s = serializeLayer(l);
    return { name: l.name, className: s.className, config: s.config, inboundNodes: inbound };
  });
  const ref = (t: SymbolicTensor) => [t.sourceLayer.name, nodeIndexOf(t.node, nodes), t.outputIndex];
  return { name: m.name, layers, inputLayers: m.inputs.map(ref), outputLayers: m.outputs.map(ref) };
}

/** The topology object as tfjs-layers' `model.toJSON(null, false)` returns it (snake_case). */
export function modelTopology(m: LayersModel): Record<string, unknown> {
  return {
    class_name: modelClassName(m),
    config: convertTsToPythonic(modelConfig(m)),
    keras_version: KERAS_VERSION,
    backend: BACKEND,
  };
}

// ---------------------------------------------------------------- reading

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

/** Keys the JSON may carry with these values although our layers take no such argument. */
const HARMLESS: Record<string, unknown[]> = {
  groups: [1],
  dilationRate: [1, [1, 1]],
  dataFormat: ['channelsLast'],
  ragged: [false],
  sparse: [false],
  synchronized: [false],
  autocast: [true],
  renorm: [false],
  fused: [true],
};
const BASE_KEYS = new Set(['name', 'trainable', 'batchInputShape', 'inputShape', 'batchSize', 'dtype']);

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Builds context: the layers made so far (disposed if the load fails). */
interface BuildContext {
  created: Layer[];
  customObjects: Record<string, SerializableConstructor<Serializable>>;
}

function withoutNulls(c: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

/** Rebuilds one layer from `{className, config}` (camelCase), checking that no argument is dropped. */
function buildLayer(j: LayerJSON, ctx: BuildContext): Layer {
  if (typeof j?.className !== 'string') throw new Error(`model JSON: a layer entry has no class_name: ${JSON.stringify(j).slice(0, 200)}`);
  const config = withoutNulls((j.config ?? {}) as Record<string, unknown>);
  if (MODEL_CLASSES.has(j.className)) return buildModel(j.className, config, ctx);
  const layer = deserializeObject<Layer>({ className: j.className, config: config as ConfigDict }, 'layer', ctx.customObjects);
  if (!(layer instanceof Layer)) throw new Error(`model JSON: class ${j.className} is registered but is not a Layer`);
  ctx.created.push(layer);
  const known = new Set(Object.keys(layer.getConfig()));
  const dropped = Object.entries(config).filter(([k, v]) => !BASE_KEYS.has(k) && !known.has(k) && !(HARMLESS[k] ?? []).some((h) => sameJSON(h, v)));
  if (dropped.length > 0) {
    throw new Error(`layer ${layer.name} (${j.className}): ${dropped.map(([k, v]) => `${toSnakeCase(k)}=${JSON.stringify(v)}`).join(', ')} ${dropped.length === 1 ? 'is' : 'are'} not supported here (the layer's getConfig has no such argument)`);
  }
  return layer;
}

/** The class names in a topology that the registry does not know (all of them, for one error). */
function unknownClasses(j: LayerJSON, ctx: BuildContext, out: Set<string>): Set<string> {
  if (MODEL_CLASSES.has(j.className)) {
    const c = j.config as Record<string, unknown>;
    const layers = (Array.isArray(c) ? c : (c?.layers as LayerJSON[] | undefined)) ?? [];
    for (const l of layers) unknownClasses(l, ctx, out);
  } else if (!ctx.customObjects[j.className] && !getRegisteredClass(j.className)) out.add(j.className);
  return out;
}

function buildModel(className: string, config: Record<string, unknown>, ctx: BuildContext): LayersModel {
  if (className === 'Sequential') {
    const list = (Array.isArray(config) ? config : config.layers) as LayerJSON[] | undefined;
    if (!Array.isArray(list)) throw new Error('model JSON: a Sequential config needs a layers list');
    const m = new Sequential({ name: typeof config.name === 'string' ? config.name : undefined });
    ctx.created.push(m);
    for (const lj of list) m.add(buildLayer(lj, ctx));
    return m;
  }
  return buildFunctional(config, ctx);
}

type NodeRef = [string, number, number, Record<string, unknown>?];

function refList(v: unknown, what: string): NodeRef[] {
  if (!Array.isArray(v)) throw new Error(`model JSON: ${what} must be a list, got ${JSON.stringify(v)}`);
  // Keras 3 writes a single input as a flat ['name', 0, 0].
  if (typeof v[0] === 'string') return [v as NodeRef];
  return v as NodeRef[];
}

function buildFunctional(config: Record<string, unknown>, ctx: BuildContext): LayersModel {
  const entries = config.layers as LayerJSON[] | undefined;
  if (!Array.isArray(entries)) throw new Error('model JSON: a functional model config needs a layers list');
  const byName = new Map<string, Layer>();
  const pending: { layer: Layer; nodes: unknown[][] }[] = [];
  for (const e of entries) {
    const layer = buildLayer({ className: e.className, config: e.config }, ctx);
    const name = e.name ?? layer.name;
    if (byName.has(name)) throw new Error(`model JSON: two layers are named '${name}'`);
    byName.set(name, layer);
    pending.push({ layer, nodes: ((e.inboundNodes ?? []) as unknown[][]).slice() });
  }
  // Outputs per layer, per node: made as their inputs become available.
  const outputs = new Map<Layer, SymbolicTensor[][]>();
  for (const l of byName.values()) {
    if (l instanceof InputLayer) outputs.set(l, [[l.output]]);
    // A nested model's node 0 is its own graph (Keras, TF.js); its applications here are nodes 1, 2, ...
    else if (l instanceof LayersModel) outputs.set(l, [l.outputs]);
  }
  const lookup = (r: NodeRef): SymbolicTensor | undefined => {
    const l = byName.get(r[0]);
    if (!l) throw new Error(`model JSON: a node refers to layer '${r[0]}', which is not in the model`);
    return outputs.get(l)?.[r[1] ?? 0]?.[r[2] ?? 0];
  };
  let progress = true;
  while (progress) {
    progress = false;
    for (const p of pending) {
      while (p.nodes.length > 0) {
        const refs = refList(p.nodes[0], `inbound_nodes of ${p.layer.name}`);
        const ins = refs.map(lookup);
        if (ins.some((t) => !t)) break;
        const kw = (refs[0][3] ?? {}) as Record<string, unknown>;
        const callArgs: CallArgs = typeof kw.training === 'boolean' ? { training: kw.training } : {};
        const out = refs.length === 1 ? p.layer.apply(ins[0]!, callArgs) : p.layer.apply(ins as SymbolicTensor[], callArgs);
        const list = outputs.get(p.layer) ?? [];
        list.push(Array.isArray(out) ? out : [out]);
        outputs.set(p.layer, list);
        p.nodes.shift();
        progress = true;
      }
    }
  }
  const stuck = pending.filter((p) => p.nodes.length > 0).map((p) => p.layer.name);
  if (stuck.length > 0) throw new Error(`model JSON: the inbound nodes of ${stuck.join(', ')} refer to tensors that are never produced (a cycle or a missing layer)`);
  const resolve = (r: NodeRef, what: string) => {
    const t = lookup(r);
    if (!t) throw new Error(`model JSON: ${what} ${JSON.stringify(r)} is not produced by the graph`);
    return t;
  };
  const inputs = refList(config.inputLayers, 'input_layers').map((r) => resolve(r, 'input'));
  const outs = refList(config.outputLayers, 'output_layers').map((r) => resolve(r, 'output'));
  const m = new LayersModel({ inputs, outputs: outs, name: typeof config.name === 'string' ? config.name : undefined });
  ctx.created.push(m);
  return m;
}

/**
 * A model from its topology JSON (the `modelTopology` of a model.json,
 * with or without `model_config`); Keras 3 topologies pass through
 * `normalizeTopology` first. A failure disposes every layer it made.
 */
export function modelFromTopology(topology: Record<string, unknown>, customObjects: Record<string, SerializableConstructor<Serializable>> = {}, where = 'model JSON'): LayersModel {
  if (topology === null || typeof topology !== 'object' || Array.isArray(topology)) throw new Error(`${where}: modelTopology must be a JSON object, got ${topology === null ? 'null' : typeof topology}`);
  let t = normalizeTopology(topology);
  if (t.model_config !== undefined && t.model_config !== null) t = t.model_config as Record<string, unknown>;
  const className = t.class_name;
  if (typeof className !== 'string') throw new Error(`${where}: the topology has no class_name (expected Sequential, Model or Functional)`);
  if (!MODEL_CLASSES.has(className)) throw new Error(`${where}: the topology's class_name is '${className}'; expected Sequential, Model or Functional`);
  const config = convertPythonicToTs(t.config) as Record<string, unknown>;
  const ctx: BuildContext = { created: [], customObjects };
  const unknown = unknownClasses({ className, config }, ctx, new Set());
  if (unknown.size > 0) {
    const names = [...unknown];
    throw new Error(`${where}: unknown layer class${names.length > 1 ? 'es' : ''} ${names.join(', ')}. Custom layers need a static className and tf.serialization.registerClass(${names[0]}) before loading`);
  }
  try {
    return buildModel(className, config, ctx);
  } catch (e) {
    for (const l of ctx.created) l.dispose();
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(msg.startsWith(where) ? msg : `${where}: ${msg}`, { cause: e });
  }
}
