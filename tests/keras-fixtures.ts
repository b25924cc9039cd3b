/**
 * The committed Keras reference files (tests/fixtures/keras, written by
 * make_keras_fixtures.py) and the comparison every Keras test uses.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'keras');

export const MODELS = ['seq_cnn', 'resnet_bn', 'unet', 'misc', 'nested'] as const;
export type ModelName = (typeof MODELS)[number];

/** The file formats each model is committed in: Keras 3 native, Keras 3 legacy HDF5, Keras 2 HDF5. */
export const FILES = [
  { suffix: '.keras', what: 'Keras 3 .keras' },
  { suffix: '.h5', what: 'Keras 3 legacy .h5' },
  { suffix: '.k2.h5', what: 'Keras 2 (tf-keras) .h5' },
] as const;

export interface Reference {
  name: string;
  versions: Record<string, string>;
  count_params: number;
  input_shape: number[];
  input: number[];
  output_shape: number[];
  output: number[];
  output_k2?: number[];
  layers: string[];
}

export function reference(name: ModelName): Reference {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Reference;
}

export function fixtureBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, file)));
}

/** Largest relative error, and whether every value is within `rtol` relative (plus a 1e-6 floor for values near 0). */
export function compare(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-4): { ok: boolean; worst: number } {
  if (got.length !== want.length) return { ok: false, worst: Infinity };
  let ok = true;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (!(d <= rtol * Math.abs(want[i]!) + 1e-6)) ok = false;
    worst = Math.max(worst, d / Math.max(Math.abs(want[i]!), 1e-6));
  }
  return { ok, worst };
}

/** Artifacts as a saved model usually gives them to a save handler (tfjs-core and cnn-ts alike). */
export interface SavedArtifacts {
  modelTopology?: unknown;
  weightSpecs?: unknown[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/**
 * Writes a saved model as a TF.js layers directory (model.json + one shard)
 * plus expected.json (an input and the prediction for it), the layout that
 * `make_keras_fixtures.py check-tfjs DIR` loads into Keras.
 */
export function writeForKeras(dir: string, a: SavedArtifacts, input: { shape: number[]; data: ArrayLike<number> }, output: { shape: number[]; data: ArrayLike<number> }): void {
  mkdirSync(dir, { recursive: true });
  const parts = a.weightData === undefined ? [] : Array.isArray(a.weightData) ? a.weightData : [a.weightData];
  const bytes = Buffer.concat(parts.map((p) => new Uint8Array(p)));
  writeFileSync(join(dir, 'group1-shard1of1.bin'), bytes);
  writeFileSync(join(dir, 'model.json'), JSON.stringify({
    format: a.format ?? 'layers-model', generatedBy: a.generatedBy, convertedBy: a.convertedBy ?? null,
    modelTopology: a.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs ?? [] }],
  }));
  writeFileSync(join(dir, 'expected.json'), JSON.stringify({
    input_shape: input.shape, input: Array.from(input.data), output_shape: output.shape, output: Array.from(output.data),
  }));
}
