/**
 * The onnxruntime-node peer for benches/serverless.mjs: examples/serverless's
 * handler, the same service code (decoding, micro-batching, adapters), on
 * ONNX Runtime's native CPU engine, running `model.onnx`: the ONNX twin of
 * the same saved model, made by benches/serverless/make_onnx.py (same
 * weights; the bench checks that its answers match cnn-ts's).
 *
 * onnxruntime-node is not a dependency of this repository (290 MB with its
 * binaries for every platform, and an install script that downloads more):
 * the bench runs this contender only where it is installed.
 */
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Classifier, instance, type Engine, type EngineModel, type EngineTensor } from '../../examples/serverless/service.js';

/** A pending input: `predict` runs the session, `data()` waits for it. */
class OrtInput implements EngineTensor {
  constructor(readonly t: ort.Tensor) {}
  data(): Promise<ArrayLike<number>> {
    return Promise.resolve(this.t.data as Float32Array);
  }
  dispose(): void {
    this.t.dispose();
  }
}

class OrtOutput implements EngineTensor {
  private out: ort.Tensor | undefined;
  constructor(private readonly run: Promise<ort.InferenceSession.OnnxValueMapType>) {}
  async data(): Promise<ArrayLike<number>> {
    this.out = (await this.run).output as ort.Tensor;
    return this.out.data as Float32Array;
  }
  dispose(): void {
    this.out?.dispose();
  }
}

async function load(): Promise<Classifier> {
  const dir = resolve(process.env.MODEL_DIR ?? 'model');
  const threads = process.env.ORT_THREADS ? Number(process.env.ORT_THREADS) : 0;
  const session = await ort.InferenceSession.create(`${dir}/model.onnx`, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const meta = session.inputMetadata[0] as { isTensor: boolean; shape?: readonly (number | string)[] };
  const shape = (meta.shape ?? []).map((d) => (typeof d === 'number' ? d : null));
  const engine: Engine = { tensor4d: (values, s) => new OrtInput(new ort.Tensor('float32', values, s)) };
  const model: EngineModel = {
    inputs: [{ shape }],
    predict: (x) => new OrtOutput(session.run({ [session.inputNames[0]]: (x as OrtInput).t })),
  };
  return new Classifier(engine, model);
}

const fn = instance(load);
export const handler = fn.handler;
export default fn.nodeHandler;
export const classifier = fn.classifier;
