/** `tf.layers`: layer factories with TF.js names, and the Layer base class for subclassing. */
import { Activation, Dense, Dropout, Flatten, Reshape, type ActivationArgs, type DenseArgs, type DropoutArgs, type ReshapeArgs } from './core.js';
import { Conv2D, Conv2DTranspose, ZeroPadding2D, type Conv2DArgs, type Conv2DTransposeArgs, type ZeroPadding2DArgs } from './conv.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, type GlobalPooling2DArgs, type Pooling2DArgs } from './pooling.js';
import { Add, Concatenate, type ConcatenateArgs } from './merge.js';
import { BatchNormalization, type BatchNormalizationArgs } from './normalization.js';
import { InputLayer, Layer, type LayerArgs } from './layer.js';
import { registerClass, type SerializableConstructor } from '../serialization.js';
import { DepthwiseConv2D, SeparableConv2D, type DepthwiseConv2DLayerArgs, type SeparableConv2DLayerArgs } from './conv_depthwise.js';
import { Cropping2D, UpSampling2D, type Cropping2DLayerArgs, type UpSampling2DLayerArgs } from './upsampling.js';
import { ReLU, type ReLULayerArgs } from './relu.js';

export const layers = {
  /** Base class of all layers: extend it with your own `call()`. */
  Layer,
  inputLayer: (a: { shape?: number[]; batchShape?: (number | null)[]; name?: string }) => new InputLayer(a),
  conv2d: (a: Conv2DArgs) => new Conv2D(a),
  conv2dTranspose: (a: Conv2DTransposeArgs) => new Conv2DTranspose(a),
  dense: (a: DenseArgs) => new Dense(a),
  flatten: (a: LayerArgs = {}) => new Flatten(a),
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
};

// The registry (tf.serialization) knows every built-in layer by its Keras class name.
for (const cls of [Activation, Add, AveragePooling2D, BatchNormalization, Concatenate, Conv2D, Conv2DTranspose, Cropping2D, Dense, DepthwiseConv2D, Dropout, Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D, InputLayer, MaxPooling2D, ReLU, Reshape, SeparableConv2D, UpSampling2D, ZeroPadding2D]) {
  registerClass(cls as unknown as SerializableConstructor<Layer>);
}

export { Activation, Add, AveragePooling2D, BatchNormalization, Concatenate, Conv2D, Conv2DTranspose, Dense, Dropout, Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D, InputLayer, Layer, MaxPooling2D, Reshape, ZeroPadding2D };
export type { ActivationArgs, BatchNormalizationArgs, ConcatenateArgs, Conv2DArgs, Conv2DTransposeArgs, DenseArgs, DropoutArgs, GlobalPooling2DArgs, LayerArgs, Pooling2DArgs, ReshapeArgs, ZeroPadding2DArgs };
export type { CallArgs, Shape, SymbolicTensor } from './layer.js';
export { Cropping2D, DepthwiseConv2D, ReLU, SeparableConv2D, UpSampling2D };
export type { Cropping2DLayerArgs, DepthwiseConv2DLayerArgs, ReLULayerArgs, SeparableConv2DLayerArgs, UpSampling2DLayerArgs };
