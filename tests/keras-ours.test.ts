// The committed Keras files through THIS library's loader: tf.loadLayersModel
// on file:// .keras/.h5 paths, converted TF.js directories, fromMemory and
// browserFiles, against Keras's predictions (1e-4 relative) and countParams;
// then model.save here and the directories the Python check-tfjs reads.
//
// A model whose layers this library does not have fails with the one error
// that lists every missing Keras class (e.g. "UpSampling2D ('up_s')" for the
// U-Net until upSampling2d lands).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kerasArtifacts } from '../packages/cnn-ts/src/io/keras/index.js';
import { FILES, FIXTURES, MODELS, compare, fixtureBytes, reference, writeForKeras, type ModelName, type SavedArtifacts } from './keras-fixtures.js';

const api = tf;
type Model = tf.LayersModel;

async function check(model: Model, name: ModelName, output: 'output' | 'output_k2' = 'output') {
  const ref = reference(name);
  const x = tf.tensor(ref.input, ref.input_shape);
  const y = model.predict(x);
  expect(y.shape).toEqual(ref.output_shape);
  const r = compare(await y.data(), ref[output] ?? ref.output);
  tf.dispose([x, y]);
  expect(r.ok, `${name}: worst relative error ${r.worst}`).toBe(true);
  expect(model.countParams()).toBe(ref.count_params);
}

describe('Keras files -> cnn-ts tf.loadLayersModel, against Keras', () => {
  beforeAll(async () => {
    await tf.ready({ threads: 2 });
  });

  for (const name of MODELS) {
    for (const { suffix, what } of FILES) {
      it(`file:// ${name}${suffix} (${what})`, async () => {
        const model: Model = await api.loadLayersModel(`file://${join(FIXTURES, `${name}${suffix}`)}`);
        await check(model, name, suffix === '.k2.h5' ? 'output_k2' : 'output');
        model.dispose();
      });
    }
    it(`file:// ${name}.tfjs/model.json (converted from Keras 3)`, async () => {
      const model: Model = await api.loadLayersModel(`file://${join(FIXTURES, `${name}.tfjs`, 'model.json')}`);
      await check(model, name);
      model.dispose();
    });
  }

  it('tf.io.fromMemory(kerasArtifacts(bytes)) and tf.io.browserFiles([file])', async () => {
    const bytes = fixtureBytes('misc.keras');
    // This file's kerasArtifacts is the source module, whose class registry is not the built
    // library's: ask the library which classes it has.
    const isSupported = (c: string) => api.serialization.getRegisteredClass(c) !== undefined;
    const a: Model = await api.loadLayersModel(api.io.fromMemory(await kerasArtifacts(bytes, { isSupported })));
    await check(a, 'misc');
    a.dispose();
    const b: Model = await api.loadLayersModel(api.io.browserFiles([new File([bytes], 'misc.keras')]));
    await check(b, 'misc');
    b.dispose();
  });

  it('a failed load names the file and leaves no tensors behind; the library stays usable', async () => {
    const before = tf.memory().numTensors;
    const truncated = fixtureBytes('seq_cnn.h5').subarray(0, 5000);
    await expect(api.loadLayersModel(api.io.browserFiles([new File([truncated], 'cut.h5')]))).rejects.toThrow(/cut\.h5: is truncated/);
    await expect(api.loadLayersModel(`file://${FIXTURES}`)).rejects.toThrow(/is a directory/);
    expect(tf.memory().numTensors).toBe(before);
    const model: Model = await api.loadLayersModel(`file://${join(FIXTURES, 'misc.keras')}`);
    await check(model, 'misc');
    model.dispose();
  });

  it('models loaded from Keras files save here in the layout the Python check-tfjs reads (the way back to Keras)', async () => {
    // KERAS_ROUNDTRIP_DIR=/some/dir keeps the directories for
    //   python tests/fixtures/keras/make_keras_fixtures.py check-tfjs /some/dir/*
    const keep = process.env.KERAS_ROUNDTRIP_DIR;
    const root = keep ?? mkdtempSync(join(tmpdir(), 'keras-ours-'));
    try {
      const failed: string[] = [];
      for (const name of MODELS) {
        const ref = reference(name);
        let model: Model;
        try {
          model = await api.loadLayersModel(`file://${join(FIXTURES, `${name}.keras`)}`);
        } catch (e) {
          failed.push(`${name}: ${(e as Error).message}`); // reported by the load tests above
          continue;
        }
        const x = tf.tensor(ref.input, ref.input_shape);
        const y = model.predict(x);
        let saved: SavedArtifacts | undefined;
        await model.save(api.io.withSaveHandler(async (a: SavedArtifacts) => {
          saved = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }));
        writeForKeras(join(root, `cnn-ts-${name}`), saved!, { shape: ref.input_shape, data: ref.input }, { shape: y.shape, data: await y.data() });
        expect(compare(await y.data(), ref.output).ok).toBe(true);
        tf.dispose([x, y]);
        model.dispose();
      }
      expect(failed, 'models that did not load').toEqual([]);
    } finally {
      if (!keep) rmSync(root, { recursive: true, force: true });
    }
  });
});
