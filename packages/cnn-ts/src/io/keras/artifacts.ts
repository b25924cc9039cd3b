/**
 * A Keras file's bytes as TF.js `ModelArtifacts`: a Keras 3 `.keras` file (a
 * zip of config.json, metadata.json and model.weights.h5) or a legacy `.h5`
 * file (a `model_config` attribute and a `model_weights` group), Keras 3 or 2.
 */
import { convertModelConfig, type ConvertOptions } from './config.js';
import { KerasImportError, describe } from './errors.js';
import { isHdf5, openHdf5, type H5Group } from './hdf5.js';
import type { KerasModelConfig, ModelArtifacts } from './types.js';
import { kerasV3Weights, legacyH5Weights, packWeights, type NamedWeight } from './weights.js';
import { isZip, unzipEntries } from './zip.js';

/** Bytes of a Keras file: in memory, or a `Blob`/`File` (browsers). */
export type KerasFileInput = ArrayBuffer | ArrayBufferView | Blob;

export interface KerasArtifactsOptions extends ConvertOptions {}

const CONVERTED_BY = 'cnn-ts Keras import';

async function toBytes(input: KerasFileInput, source: string): Promise<Uint8Array> {
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (typeof Blob !== 'undefined' && input instanceof Blob) return new Uint8Array(await input.arrayBuffer());
  throw new KerasImportError(source, `expected the bytes of a .keras or .h5 file (ArrayBuffer, Uint8Array, Blob or File), got ${Object.prototype.toString.call(input)}`);
}

function parseJson(bytes: Uint8Array, source: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new KerasImportError(source, 'is not UTF-8 text');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new KerasImportError(source, `invalid JSON (${describe(e)})`, { cause: e });
  }
}

function hexHead(bytes: Uint8Array): string {
  return [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * The `ModelArtifacts` (modelTopology in Keras 2 style, weightSpecs in TF.js
 * names and order, weightData) of a `.keras` or `.h5` file, for
 * `tf.loadLayersModel(tf.io.fromMemory(artifacts))`. `opts.source` (or
 * `opts` itself as a string: the file name) names the file in errors; every error is a `KerasImportError`, and one error lists
 * every Keras layer class without an equivalent.
 */
export async function kerasArtifacts(input: KerasFileInput, options: KerasArtifactsOptions | string = {}): Promise<ModelArtifacts> {
  const opts: KerasArtifactsOptions = typeof options === 'string' ? { source: options } : options;
  const fileName = typeof File !== 'undefined' && input instanceof File ? input.name : undefined;
  const source = opts.source ?? fileName ?? 'Keras model file';
  const bytes = await toBytes(input, source);
  if (bytes.length === 0) throw new KerasImportError(source, 'is empty (0 bytes)');
  if (isZip(bytes)) return fromKerasZip(bytes, { ...opts, source });
  if (isHdf5(bytes)) return fromLegacyH5(bytes, { ...opts, source });
  const hint = bytes[0] === 0x7b
    ? ' It looks like JSON: a TF.js model.json loads with tf.loadLayersModel(\'file://.../model.json\').'
    : '';
  throw new KerasImportError(source, `is neither a Keras 3 .keras file (zip) nor an HDF5 .h5 file (it starts with ${hexHead(bytes)}).${hint}`);
}

async function fromKerasZip(bytes: Uint8Array, opts: KerasArtifactsOptions & { source: string }): Promise<ModelArtifacts> {
  const { source } = opts;
  const { entries, names } = await unzipEntries(bytes, ['config.json', 'metadata.json', 'model.weights.h5'], source);
  const config = entries['config.json'];
  if (!config) throw new KerasImportError(source, `has no config.json; its entries are ${names.length ? names.join(', ') : '(none)'}; not a Keras 3 .keras file`);
  const metadata = entries['metadata.json'] ? parseJson(entries['metadata.json'], `${source}/metadata.json`) : {};
  const kerasConfig = parseJson(config, `${source}/config.json`);
  const modelConfig = convertModelConfig(kerasConfig, { ...opts, source: `${source}/config.json` });
  const weightsBytes = entries['model.weights.h5'];
  if (!weightsBytes) {
    const npz = names.some((n) => n.endsWith('.npz')) ? ' (weights saved as .npz are not read)' : '';
    throw new KerasImportError(source, `has no model.weights.h5${npz}; its entries are ${names.join(', ')}`);
  }
  const wsource = `${source}/model.weights.h5`;
  const weights = kerasV3Weights(await openHdf5(weightsBytes, wsource), modelConfig, wsource);
  const version = typeof (metadata as { keras_version?: unknown }).keras_version === 'string' ? (metadata as { keras_version: string }).keras_version : '3';
  return artifacts(modelConfig, weights, version, 'tensorflow', source);
}

async function fromLegacyH5(bytes: Uint8Array, opts: KerasArtifactsOptions & { source: string }): Promise<ModelArtifacts> {
  const { source } = opts;
  const root = await openHdf5(bytes, source);
  const raw = root.attr('model_config');
  if (raw === undefined) {
    const hint = root.attr('layer_names') !== undefined || root.get('layers') !== undefined
      ? 'a weights-only file (model.save_weights) has no architecture; save the whole model with model.save()'
      : 'not a Keras model file';
    throw new KerasImportError(source, `has no model_config attribute: ${hint}`);
  }
  const text = raw instanceof Uint8Array ? new TextDecoder().decode(raw) : String(raw);
  const modelConfig = convertModelConfig(parseJson(new TextEncoder().encode(text), `${source} (model_config)`), { ...opts, source });
  const weights = legacyH5Weights(root, modelConfig, source);
  return artifacts(modelConfig, weights, String(attrString(root, 'keras_version') ?? '2'), String(attrString(root, 'backend') ?? 'tensorflow'), source);
}

function attrString(g: H5Group, name: string): string | undefined {
  const v = g.attr(name);
  if (v === undefined || v === null) return undefined;
  return v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v);
}

function artifacts(modelConfig: KerasModelConfig, weights: NamedWeight[], kerasVersion: string, backend: string, source: string): ModelArtifacts {
  const { weightSpecs, weightData } = packWeights(weights, source);
  return {
    modelTopology: { keras_version: kerasVersion, backend, model_config: modelConfig },
    weightSpecs,
    weightData,
    format: 'layers-model',
    generatedBy: `keras v${kerasVersion}`,
    convertedBy: CONVERTED_BY,
  };
}
