/** `tf.layers`: layer factories with TF.js names, and the Layer base class for subclassing. */
import { Activation, Dense, Dropout, Flatten, Reshape, type ActivationArgs, type DenseArgs, type DropoutArgs, type FlattenLayerArgs, type ReshapeArgs } from './core.js';
import { Conv2D, Conv2DTranspose, ZeroPadding2D, type Conv2DArgs, type Conv2DTransposeArgs, type ZeroPadding2DArgs } from './conv.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, type GlobalPooling2DArgs, type Pooling2DArgs } from './pooling.js';
import { Add, Concatenate, type ConcatenateArgs } from './merge.js';
import { BatchNormalization, type BatchNormalizationArgs } from './normalization.js';
import { InputLayer, Layer, type CustomLayerBase, type LayerArgs } from './layer.js';
import { registerClass, type SerializableConstructor } from '../serialization.js';
import { DepthwiseConv2D, SeparableConv2D, type DepthwiseConv2DLayerArgs, type SeparableConv2DLayerArgs } from './conv_depthwise.js';
import { Cropping2D, UpSampling2D, type Cropping2DLayerArgs, type UpSampling2DLayerArgs } from './upsampling.js';
import { ReLU, type ReLULayerArgs } from './relu.js';
import { ELU, LeakyReLU, PReLU, Softmax, ThresholdedReLU, type ELULayerArgs, type LeakyReLULayerArgs, type PReLULayerArgs, type SoftmaxLayerArgs, type ThresholdedReLULayerArgs } from './advanced_activations.js';
import { Average, Dot, Maximum, Minimum, Multiply, Subtract, type DotLayerArgs } from './merge_extra.js';
import { AveragePooling1D, Conv1D, MaxPooling1D, type Conv1DLayerArgs, type Pooling1DLayerArgs } from './conv1d.js';
import { AlphaDropout, SpatialDropout1D, type AlphaDropoutArgs, type SpatialDropout1DArgs } from './misc_extra.js';
import { Embedding, GaussianDropout, GaussianNoise, GlobalAveragePooling1D, GlobalMaxPooling1D, LayerNormalization, Permute, RepeatVector, type EmbeddingLayerArgs, type GaussianDropoutArgs, type GaussianNoiseArgs, type LayerNormalizationArgs, type PermuteLayerArgs, type RepeatVectorLayerArgs } from './misc_extra.js';

export const layers = {
  /** Base class of all layers: extend it with your own `call()` (and a `static className`). */
  Layer: Layer as unknown as typeof CustomLayerBase,
  inputLayer: (a: { shape?: number[]; batchShape?: (number | null)[]; name?: string }) => new InputLayer(a),
  conv2d: (a: Conv2DArgs) => new Conv2D(a),
  conv2dTranspose: (a: Conv2DTransposeArgs) => new Conv2DTranspose(a),
  dense: (a: DenseArgs) => new Dense(a),
  flatten: (a: FlattenLayerArgs = {}) => new Flatten(a),
  activation: (a: ActivationArgs) => new Activation(a),
  dropout: (a: DropoutArgs) => new Dropout(a),
  reshape: (a: ReshapeArgs) => new Reshape(a),
  maxPooling2d: (a: Pooling2DArgs = {}) => new MaxPooling2D(a),
  maxPool2d: (a: Pooling2DArgs = {}) => new MaxPooling2D(a),
  averagePooling2d: (a: Pooling2DArgs = {}) => new AveragePooling2D(a),
  avgPool2d: (a: Pooling2DArgs = {}) => new AveragePooling2D(a),
  globalAveragePooling2d: (a: GlobalPooling2DArgs = {}) => new GlobalAveragePooling2D(a),
  globalAvgPool2d: (a: GlobalPooling2DArgs = {}) => new GlobalAveragePooling2D(a),
  globalMaxPooling2d: (a: GlobalPooling2DArgs = {}) => new GlobalMaxPooling2D(a),
  globalMaxPool2d: (a: GlobalPooling2DArgs = {}) => new GlobalMaxPooling2D(a),
  add: (a: LayerArgs = {}) => new Add(a),
  concatenate: (a: ConcatenateArgs = {}) => new Concatenate(a),
  batchNormalization: (a: BatchNormalizationArgs = {}) => new BatchNormalization(a),
  zeroPadding2d: (a: ZeroPadding2DArgs = {}) => new ZeroPadding2D(a),
  depthwiseConv2d: (a: DepthwiseConv2DLayerArgs) => new DepthwiseConv2D(a),
  separableConv2d: (a: SeparableConv2DLayerArgs) => new SeparableConv2D(a),
  upSampling2d: (a: UpSampling2DLayerArgs = {}) => new UpSampling2D(a),
  cropping2D: (a: Cropping2DLayerArgs) => new Cropping2D(a),
  cropping2d: (a: Cropping2DLayerArgs) => new Cropping2D(a),
  reLU: (a: ReLULayerArgs = {}) => new ReLU(a),
  // tfjs-layers advanced activations, merges and others (drop-in additions).
  leakyReLU: (a: LeakyReLULayerArgs = {}) => new LeakyReLU(a),
  prelu: (a: PReLULayerArgs = {}) => new PReLU(a),
  elu: (a: ELULayerArgs = {}) => new ELU(a),
  softmax: (a: SoftmaxLayerArgs = {}) => new Softmax(a),
  thresholdedReLU: (a: ThresholdedReLULayerArgs = {}) => new ThresholdedReLU(a),
  multiply: (a: LayerArgs = {}) => new Multiply(a),
  average: (a: LayerArgs = {}) => new Average(a),
  maximum: (a: LayerArgs = {}) => new Maximum(a),
  minimum: (a: LayerArgs = {}) => new Minimum(a),
  subtract: (a: LayerArgs = {}) => new Subtract(a),
  dot: (a: DotLayerArgs) => new Dot(a),
  embedding: (a: EmbeddingLayerArgs) => new Embedding(a),
  permute: (a: PermuteLayerArgs) => new Permute(a),
  repeatVector: (a: RepeatVectorLayerArgs) => new RepeatVector(a),
  gaussianNoise: (a: GaussianNoiseArgs) => new GaussianNoise(a),
  gaussianDropout: (a: GaussianDropoutArgs) => new GaussianDropout(a),
  globalAveragePooling1d: (a: LayerArgs = {}) => new GlobalAveragePooling1D(a),
  globalMaxPooling1d: (a: LayerArgs = {}) => new GlobalMaxPooling1D(a),
  globalAvgPool1d: (a: LayerArgs = {}) => new GlobalAveragePooling1D(a),
  globalMaxPool1d: (a: LayerArgs = {}) => new GlobalMaxPooling1D(a),
  layerNormalization: (a: LayerNormalizationArgs = {}) => new LayerNormalization(a),
  conv1d: (a: Conv1DLayerArgs) => new Conv1D(a),
  spatialDropout1d: (a: SpatialDropout1DArgs) => new SpatialDropout1D(a),
  alphaDropout: (a: AlphaDropoutArgs) => new AlphaDropout(a),
  maxPooling1d: (a: Pooling1DLayerArgs = {}) => new MaxPooling1D(a),
  maxPool1d: (a: Pooling1DLayerArgs = {}) => new MaxPooling1D(a),
  averagePooling1d: (a: Pooling1DLayerArgs = {}) => new AveragePooling1D(a),
  avgPool1d: (a: Pooling1DLayerArgs = {}) => new AveragePooling1D(a),
};
export { AveragePooling1D, Conv1D, MaxPooling1D, AlphaDropout, SpatialDropout1D };
export { ELU, LeakyReLU, PReLU, Softmax, ThresholdedReLU, Average, Dot, Maximum, Minimum, Multiply, Subtract, Embedding, GaussianDropout, GaussianNoise, GlobalAveragePooling1D, GlobalMaxPooling1D, LayerNormalization, Permute, RepeatVector };

// The registry (tf.serialization) knows every built-in layer by its Keras class name.
for (const cls of [
  Activation, Add, AveragePooling2D, BatchNormalization, Concatenate, Conv2D, Conv2DTranspose, Cropping2D, Dense, DepthwiseConv2D, Dropout, Flatten,
  GlobalAveragePooling2D, GlobalMaxPooling2D, InputLayer, MaxPooling2D, ReLU, Reshape, SeparableConv2D, UpSampling2D, ZeroPadding2D,
  ELU, LeakyReLU, PReLU, Softmax, ThresholdedReLU, Average, Dot, Maximum, Minimum, Multiply, Subtract, Embedding, GaussianDropout, GaussianNoise,
  GlobalAveragePooling1D, GlobalMaxPooling1D, LayerNormalization, Permute, RepeatVector, AveragePooling1D, Conv1D, MaxPooling1D, AlphaDropout, SpatialDropout1D,
]) {
  registerClass(cls as unknown as SerializableConstructor<Layer>);
}

export { Activation, Add, AveragePooling2D, BatchNormalization, Concatenate, Conv2D, Conv2DTranspose, Dense, Dropout, Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D, InputLayer, Layer, MaxPooling2D, Reshape, ZeroPadding2D };
export type { ActivationArgs, BatchNormalizationArgs, ConcatenateArgs, Conv2DArgs, Conv2DTransposeArgs, DenseArgs, DropoutArgs, GlobalPooling2DArgs, LayerArgs, Pooling2DArgs, ReshapeArgs, ZeroPadding2DArgs };
export type { CallArgs, Shape, SymbolicTensor } from './layer.js';
export { Cropping2D, DepthwiseConv2D, ReLU, SeparableConv2D, UpSampling2D };
export type { Cropping2DLayerArgs, DepthwiseConv2DLayerArgs, ReLULayerArgs, SeparableConv2DLayerArgs, UpSampling2DLayerArgs };
