// benches/serverless/make_onnx.py turns a saved cnn-ts model into the ONNX
// model the serverless bench runs on onnxruntime-node ("the same weights").
// Its layout conversions (NHWC -> NCHW kernels, TF's SAME padding, Flatten
// order, average pooling over the cells inside the image) are checked here
// without Python: tests/fixtures/onnx-export holds a small model saved by
// cnn-ts (every layer kind the script converts, odd sizes, a partial pooling
// window), its model.onnx, and the outputs of onnx's own reference evaluator
// on three inputs (expected.json), all written by the script's --check.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from 'cnn-ts';

const dir = fileURLToPath(new URL('./fixtures/onnx-export/', import.meta.url));

describe('make_onnx.py', () => {
  it('the ONNX file (onnx reference evaluator) and cnn-ts agree on the same weights', async () => {
    const ref = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as { inputShape: number[]; input: number[]; outputShape: number[]; output: number[] };
    const model = await tf.loadLayersModel(`file://${dir}model.json`);
    expect(model.inputs[0].shape.slice(1)).toEqual(ref.inputShape.slice(1));
    const y = model.predict(tf.tensor(Float32Array.from(ref.input), ref.inputShape)) as tf.Tensor;
    expect(y.shape).toEqual(ref.outputShape);
    const got = await y.data();
    const diff = Math.max(...Array.from(got, (v, i) => Math.abs(v - ref.output[i])));
    expect(diff).toBeLessThan(1e-5);
    // Not a degenerate model: the three inputs get different answers.
    const spread = Math.max(...ref.output) - Math.min(...ref.output);
    expect(spread).toBeGreaterThan(0.05);
    expect(Math.abs(ref.output[0] - ref.output[3])).toBeGreaterThan(1e-3);
  });
});
