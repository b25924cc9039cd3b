/**
 * The peer for benches/serverless.mjs: examples/serverless's handler, the
 * same service code (decoding, micro-batching, adapters), on TF.js 4.22
 * (tfjs-core + tfjs-layers + tfjs-backend-wasm, SIMD; TF.js's wasm backend
 * runs one thread in Node). TF.js has no file:// loader without tfjs-node,
 * so the saved files are read here and given to `tf.io.fromMemory`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Classifier, instance, type Engine, type EngineModel } from '../../examples/serverless/service.js';

async function load(): Promise<Classifier> {
  // Bundled (benches/serverless.mjs): the .wasm files sit in TFJS_WASM_DIR.
  const wasmDir = process.env.TFJS_WASM_DIR ?? dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  setWasmPaths(wasmDir + '/');
  await tfc.setBackend('wasm');
  await tfc.ready();
  const dir = resolve(process.env.MODEL_DIR ?? 'model');
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    trainingConfig?: object;
    weightsManifest: { paths: string[]; weights: tfc.io.WeightsManifestEntry[] }[];
  };
  const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
  const all = Buffer.concat(shards);
  const model = await tfl.loadLayersModel(
    tfc.io.fromMemory({
      modelTopology: json.modelTopology,
      trainingConfig: json.trainingConfig as tfc.io.TrainingConfig | undefined,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    }),
  );
  return new Classifier(tfc as unknown as Engine, model as unknown as EngineModel);
}

const fn = instance(load);
export const handler = fn.handler;
export default fn.nodeHandler;
export const classifier = fn.classifier;
