/**
 * A serverless image classifier on cnn-ts: the model saved by `npm run train`
 * is loaded once per instance (at cold start, while the platform initialises
 * the function) and every request is classified with it.
 *
 *   export handler         AWS Lambda (API Gateway / function URL events)
 *   export default         Vercel's Node runtime, or any node:http server
 *
 * Requests: a PNG or JPEG body (`content-type: image/png|image/jpeg`), or JSON
 * `{"image": "<base64 PNG/JPEG>"}`, `{"pixels": [[...28 rows of 28 values in 0..1]]}`
 * or `{"instances": [...]}` for several. `?invert=1` (or `"invert": true`) for a
 * dark object on a light background. Answers `{"predictions": [{class, label,
 * probability, probabilities}]}`; a bad input is a 400 with `{"error": ...}`.
 *
 * Environment: MODEL_DIR (default `model`, relative to the working directory:
 * the repository root after `npm run train`, the zip's root when deployed),
 * CNN_THREADS (default: all cores). Build the deployable zip with
 * `node examples/serverless/build.mjs`; see docs/serverless.md.
 */
import { resolve } from 'node:path';
// service.js first: its PNG decoder is evaluated before cnn-ts starts the core (service.ts says why).
import { Classifier, instance, type Engine, type EngineModel } from './service.js';
// Named imports, not the namespace: esbuild then leaves out what the
// handler does not use (47 kB of the bundle, 54 kB of its code cache:
// 4-5 ms less of a cold start, paired over 60 alternated starts).
import { engine, io, loadLayersModel, ready, tensor4d, type LayersModel } from 'cnn-ts';

async function load(): Promise<Classifier> {
  const threads = process.env.CNN_THREADS ? Number(process.env.CNN_THREADS) : undefined;
  const dir = resolve(process.env.MODEL_DIR ?? 'model');
  const artifacts = io.fileSystem(`file://${dir}/model.json`).load!();
  artifacts.catch(() => undefined);
  // The model is built while the core that importing cnn-ts started loads
  // (its wasm compiles on V8's threads): ops queue until it runs. The first
  // requests run on one thread while the pool's threads start.
  const epoch = engine().epoch;
  const started = ready({ threads, waitForThreads: false });
  started.catch(() => undefined);
  let model = await fromArtifacts(await artifacts);
  await started;
  // Other options than that core's (CNN_THREADS not the number of cores)
  // restart it, and the tensors made before are lost: build it again.
  if (engine().epoch !== epoch) model = await fromArtifacts(await artifacts);
  const eng: Engine = { tensor4d: (values, shape) => tensor4d(values, shape) };
  return new Classifier(eng, model as unknown as EngineModel);
}

/**
 * Serving needs no optimizer: without the training config the model is not
 * compiled, and the optimizer's saved state (two thirds of the weights file
 * after Adam) is never uploaded.
 */
function fromArtifacts(artifacts: io.ModelArtifacts): Promise<LayersModel> {
  const { trainingConfig: _config, modelTopology, ...rest } = artifacts;
  const { training_config: _inTopology, ...topology } = modelTopology as Record<string, unknown>;
  return loadLayersModel(io.fromMemory({ ...rest, modelTopology: topology }));
}

// Started when the instance starts (the platform's init phase).
const fn = instance(load);
export const handler = fn.handler;
export default fn.nodeHandler;
/** For tests and the benchmark. */
export const classifier = fn.classifier;
/** For the deployed entry (examples/serverless/entry.mjs): its code cache, and the import() a script lacks. */
export { hasRelaxedSimd, setModuleImporter } from 'cnn-worker';
