/**
 * cnn-ts: train and run convolutional networks without a GPU, with the
 * API of TensorFlow.js (`@tensorflow/tfjs-core` ops, `@tensorflow/tfjs-layers`
 * layers and models) over a multithreaded SIMD WebAssembly core.
 *
 * @example
 * import * as tf from 'cnn-ts';
 * await tf.ready({ threads: 2 });
 * const y = tf.conv2d(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]), 1, 'same');
 * console.log(await y.array()); // [[[[4],[4],[2]], [[4],[4],[2]], [[2],[2],[1]]]]
 */
import './ops/chain.js';
import './buffer.js';
import { fusedConv2d } from './ops/conv.js';
import { setSeed } from './random.js';

export { Tensor, Variable } from './tensor.js';
import type { Tensor } from './tensor.js';
import type { Rank } from './types.js';
/**
 * TF.js's rank-named tensor types, so TF.js TypeScript annotations
 * (`const x: tf.Tensor4D = ...`) type-check unchanged. The rank is checked
 * at run time by the ops; in the type it gives `array()` its nesting.
 */
export type Scalar = Tensor<Rank.R0>;
export type Tensor1D = Tensor<Rank.R1>;
export type Tensor2D = Tensor<Rank.R2>;
export type Tensor3D = Tensor<Rank.R3>;
export type Tensor4D = Tensor<Rank.R4>;
export type Tensor5D = Tensor<Rank.R5>;
export type Tensor6D = Tensor<Rank.R6>;
export { Rank } from './types.js';
export type { DataType, DataTypeMap, NestedArray, ShapeMap, ArrayMap, TensorLike, TypedArray, PaddingType, ExplicitPadding, NamedTensor, NamedTensorMap } from './types.js';
export * as util from './tfutil.js';
export { TensorBuffer, buffer } from './buffer.js';
export { backend, getBackend, setBackend, nextFrame, type KernelBackend } from './backend.js';
export { topk } from './ops/topk.js';
export { unsortedSegmentSum } from './ops/transform.js';
import { resizeBilinear, resizeNearestNeighbor, cropAndResize, flipLeftRight, rgbToGrayscale } from './ops/image.js';
/** Image ops (TF.js `tf.image`). */
export const image = { resizeBilinear, resizeNearestNeighbor, cropAndResize, flipLeftRight, rgbToGrayscale };
import { fromPixels, fromPixelsAsync, toPixels } from './browser.js';
export type { PixelData, FromPixelsInput } from './browser.js';
/** Pixels to tensors and back (TF.js `tf.browser`). */
export const browser = { fromPixels, fromPixelsAsync, toPixels };
export type { BackendInfo, ReadyOptions } from './engine.js';
export { tidy, dispose, keep, memory, ready, flush, coreStats, type TensorContainer } from './globals.js';
import { ENGINE, type Engine } from './engine.js';
import { isNode } from 'cnn-worker';
export type { Engine };
// Node: start the core now (as tfjs-node has its backend at require time), so
// `dataSync()` works without `await tf.ready()` once the program has awaited
// anything. ESM imports on Node wait for it (dist/node-main.js).
if (isNode) ENGINE.autoStart();
/** The engine (TF.js `tf.engine()`): queue, scopes, tape, and `terminateCore()`. */
export function engine(): Engine {
  return ENGINE;
}
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads } from './gradients.js';

export {
  tensor, scalar, tensor1d, tensor2d, tensor3d, tensor4d, fill, zeros, ones, zerosLike, onesLike,
  randomNormal, randomUniform, truncatedNormal, oneHot, range, variable,
} from './ops/creation.js';
export {
  add, sub, mul, div, floorDiv, mod, maximum, minimum, pow, squaredDifference, atan2, divNoNan,
  equal, notEqual, greater, greaterEqual, less, lessEqual, logicalAnd, logicalOr, addN,
} from './ops/binary.js';
export {
  neg, abs, square, sqrt, rsqrt, exp, expm1, log, log1p, sigmoid, tanh, softplus, relu, relu6, elu, selu,
  leakyRelu, gelu, erf, reciprocal, sin, cos, clipByValue, step, sign, floor, round, logicalNot, isNaN,
} from './ops/unary.js';
export { sum, mean, max, min, prod, logSumExp, argMax, argMin, any, all } from './ops/reduction.js';
export { reshape, expandDims, squeeze, transpose, slice, pad, concat, stack, unstack, split, broadcastTo, tile, reverse, gather } from './ops/transform.js';
export { cast } from './ops/cast.js';
export { matMul, outerProduct, dot } from './ops/matmul.js';
export { conv2d, conv2dTranspose, maxPool, avgPool, type Pad, type FusedConv2dArgs } from './ops/conv.js';
export { softmax, logSoftmax, moments, batchNorm, dropout } from './ops/nn.js';
export { depthwiseConv2d, separableConv2d } from './ops/depthwise.js';
export * as losses from './ops/losses.js';

// A namespace (values and the Layer type), as tfjs-layers' `tf.layers`.
export * as layers from './layers/exports.js';
export { input, SymbolicTensor } from './layers/layer.js';
export { LayersModel, model } from './models/model.js';
export { Sequential, sequential } from './models/sequential.js';
export type { CompileArgs, FitArgs, EvaluateArgs, PredictArgs } from './models/training.js';
// tfjs-layers' names of the same argument types.
export type { CompileArgs as ModelCompileArgs, FitArgs as ModelFitArgs, EvaluateArgs as ModelEvaluateArgs } from './models/training.js';
/** tfjs-layers' `LayerVariable`: a layer's weights are Variables here, with its `read()` / `write()`. */
export type { Variable as LayerVariable } from './tensor.js';
export type { Shape } from './layers/layer.js';
export { metrics } from './models/loss_functions.js';
export { History, EarlyStopping, Callback, callbacks, type CallbackHooks, type Logs } from './models/callbacks.js';
export { train, Optimizer, AdamOptimizer, SGDOptimizer, MomentumOptimizer, RMSPropOptimizer } from './optimizers.js';
export { initializers } from './layers/initializers.js';
export { regularizers } from './layers/regularizers.js';
export { constraints } from './layers/constraints.js';
export * as builders from './builders.js';
export { ResidualBlock } from './builders.js';
export * as data from './data/index.js';
export * as serialization from './serialization.js';
export * as io from './io/index.js';
export { loadLayersModel } from './io/model_io.js';
import { modelFromJSON } from './io/model_io.js';
/** `tf.models` (tfjs-layers): building models from JSON. */
export const models = { modelFromJSON };

/** Fused kernels (TF.js `tf.fused`). */
export const fused = { conv2d: fusedConv2d };

/** Seeding (Keras' `tf.random.set_seed`): `tf.random.setSeed(2021)`. */
export const random = { setSeed };
