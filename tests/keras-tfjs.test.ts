// The Keras import proved against @tensorflow/tfjs-layers 4.22: every
// committed Keras file (.keras, Keras 3 legacy .h5, Keras 2 .h5, and the TF.js
// files tensorflowjs's converter wrote from Keras 3, which tfjs-layers itself
// cannot load) becomes artifacts that tfjs-layers loads, with Keras's
// predictions to 1e-4 relative and Keras's countParams.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kerasArtifacts, kerasFileHandler, normalizeArtifacts, normalizeTopology, normalizeWeightsManifest, type ModelArtifacts } from '../packages/cnn-ts/src/io/keras/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { FILES, FIXTURES, MODELS, compare, fixtureBytes, reference, writeForKeras, type ModelName, type SavedArtifacts } from './keras-fixtures.js';

/** tfjs-layers can rebuild every class registered in tfjs-core's serialization map. */
const tfjsKnows = (className: string): boolean => className in tfc.serialization.SerializationMap.getMap().classNameMap;

beforeAll(async () => {
  await tfc.setBackend('cpu');
});

async function predictWithTfjs(artifacts: ModelArtifacts | tfc.io.ModelArtifacts, name: ModelName, output: 'output' | 'output_k2' = 'output') {
  const ref = reference(name);
  const model = await tfl.loadLayersModel(tfc.io.fromMemory(artifacts as tfc.io.ModelArtifacts));
  const y = model.predict(tfc.tensor(ref.input, ref.input_shape)) as tfc.Tensor;
  expect(y.shape).toEqual(ref.output_shape);
  const result = { ...compare(y.dataSync(), ref[output] ?? ref.output), params: model.countParams(), want: ref.count_params };
  tfc.dispose([y]);
  model.dispose();
  return result;
}

/** A converted TF.js directory (model.json + one shard) as in-memory artifacts, as tfjs-core's file loader would give them. */
function tfjsDirArtifacts(name: ModelName): tfc.io.ModelArtifacts {
  const dir = join(FIXTURES, `${name}.tfjs`);
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const manifest = modelJson.weightsManifest as tfc.io.WeightsManifestConfig;
  const parts = manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const bytes = Buffer.concat(parts);
  return {
    modelTopology: modelJson.modelTopology,
    weightSpecs: manifest.flatMap((g) => g.weights),
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
  };
}

describe('Keras files -> artifacts -> tfjs-layers 4.22, against Keras', () => {
  for (const name of MODELS) {
    for (const { suffix, what } of FILES) {
      it(`${name}${suffix} (${what})`, async () => {
        const artifacts = await kerasArtifacts(fixtureBytes(`${name}${suffix}`), { source: `${name}${suffix}`, isSupported: tfjsKnows });
        const r = await predictWithTfjs(artifacts, name, suffix === '.k2.h5' ? 'output_k2' : 'output');
        expect(r.ok, `worst relative error ${r.worst}`).toBe(true);
        expect(r.params).toBe(r.want);
      });
    }
    it(`${name}.tfjs (tensorflowjs_converter from Keras 3), normalized`, async () => {
      const raw = tfjsDirArtifacts(name);
      const r = await predictWithTfjs(normalizeArtifacts(raw, { isSupported: tfjsKnows }), name);
      expect(r.ok, `worst relative error ${r.worst}`).toBe(true);
      expect(r.params).toBe(r.want);
    });
  }

  it('tfjs-layers alone cannot load the Keras-3-converted files (tfjs #8328), so the test above can fail', async () => {
    await expect(tfl.loadLayersModel(tfc.io.fromMemory(tfjsDirArtifacts('resnet_bn')))).rejects.toThrow(/batchInputShape|inputShape/);
  });

  it('the file handler reads a .keras file from disk the same way', async () => {
    const artifacts = await kerasFileHandler(`file://${join(FIXTURES, 'unet.keras')}`, { isSupported: tfjsKnows }).load();
    const r = await predictWithTfjs(artifacts, 'unet');
    expect(r.ok).toBe(true);
  });

  it('normalizeWeightsManifest renames the converter\'s Sequential and nested-model weight names to layer/weight', () => {
    for (const name of ['seq_cnn', 'nested'] as const) {
      const modelJson = JSON.parse(readFileSync(join(FIXTURES, `${name}.tfjs`, 'model.json'), 'utf8'));
      const fixed = normalizeWeightsManifest(modelJson.weightsManifest, modelJson.modelTopology) as tfc.io.WeightsManifestConfig;
      const names = fixed.flatMap((g) => g.weights.map((w) => w.name));
      for (const n of names) expect(n.split('/')).toHaveLength(2);
      expect(fixed[0]!.paths).toEqual(modelJson.weightsManifest[0].paths);
    }
  });

  it('models loaded from Keras files save from tfjs-layers in the layout the Python check-tfjs reads', async () => {
    // KERAS_ROUNDTRIP_DIR=/some/dir keeps the directories for
    //   python tests/fixtures/keras/make_keras_fixtures.py check-tfjs /some/dir/*
    const keep = process.env.KERAS_ROUNDTRIP_DIR;
    const root = keep ?? mkdtempSync(join(tmpdir(), 'keras-rt-'));
    try {
      for (const name of MODELS) {
        const ref = reference(name);
        const model = await tfl.loadLayersModel(tfc.io.fromMemory(await kerasArtifacts(fixtureBytes(`${name}.keras`), { isSupported: tfjsKnows }) as tfc.io.ModelArtifacts));
        const x = tfc.tensor(ref.input, ref.input_shape);
        const y = model.predict(x) as tfc.Tensor;
        let saved: SavedArtifacts | undefined;
        await model.save(tfc.io.withSaveHandler(async (a) => {
          saved = a as SavedArtifacts;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }));
        writeForKeras(join(root, `tfjs-layers-${name}`), saved!, { shape: ref.input_shape, data: ref.input }, { shape: y.shape, data: y.dataSync() });
        tfc.dispose([x, y]);
        model.dispose();
      }
    } finally {
      if (!keep) rmSync(root, { recursive: true, force: true });
    }
  });

  it('a model saved by tfjs-layers (Keras 2 style) passes through normalizeTopology and normalizeArtifacts unchanged', async () => {
    const m = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [4] })] });
    let saved: tfc.io.ModelArtifacts | undefined;
    await m.save(tfc.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    m.dispose();
    expect(normalizeTopology(saved!.modelTopology)).toBe(saved!.modelTopology);
    expect(normalizeArtifacts(saved!)).toBe(saved);
  });
});
