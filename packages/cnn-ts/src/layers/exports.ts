/**
 * `tf.layers` as a module namespace, as tfjs-layers exports it: the factories
 * (values) and `Layer`, which is also a type here (`let l: tf.layers.Layer`,
 * `class MyLayer extends tf.layers.Layer`), plus `input` as tfjs-layers' namespace has it.
 * Generated from the keys of `layers` (layers/index.ts); keep the two in step.
 */
import { layers } from './index.js';
import type { Layer as BaseLayer } from './layer.js';

/** Base class of all layers: extend it with your own `call()` (and a `static className`). */
export const Layer = layers.Layer;
export type Layer = BaseLayer;
export { input } from './layer.js';

export const inputLayer = layers.inputLayer;
export const conv2d = layers.conv2d;
export const conv2dTranspose = layers.conv2dTranspose;
export const dense = layers.dense;
export const flatten = layers.flatten;
export const activation = layers.activation;
export const dropout = layers.dropout;
export const reshape = layers.reshape;
export const maxPooling2d = layers.maxPooling2d;
export const maxPool2d = layers.maxPool2d;
export const averagePooling2d = layers.averagePooling2d;
export const avgPool2d = layers.avgPool2d;
export const globalAveragePooling2d = layers.globalAveragePooling2d;
export const globalAvgPool2d = layers.globalAvgPool2d;
export const globalMaxPooling2d = layers.globalMaxPooling2d;
export const globalMaxPool2d = layers.globalMaxPool2d;
export const add = layers.add;
export const concatenate = layers.concatenate;
export const batchNormalization = layers.batchNormalization;
export const zeroPadding2d = layers.zeroPadding2d;
export const depthwiseConv2d = layers.depthwiseConv2d;
export const separableConv2d = layers.separableConv2d;
export const upSampling2d = layers.upSampling2d;
export const cropping2D = layers.cropping2D;
export const cropping2d = layers.cropping2d;
export const reLU = layers.reLU;
export const leakyReLU = layers.leakyReLU;
export const prelu = layers.prelu;
export const elu = layers.elu;
export const softmax = layers.softmax;
export const thresholdedReLU = layers.thresholdedReLU;
export const multiply = layers.multiply;
export const average = layers.average;
export const maximum = layers.maximum;
export const minimum = layers.minimum;
export const subtract = layers.subtract;
export const dot = layers.dot;
export const embedding = layers.embedding;
export const permute = layers.permute;
export const repeatVector = layers.repeatVector;
export const gaussianNoise = layers.gaussianNoise;
export const gaussianDropout = layers.gaussianDropout;
export const globalAveragePooling1d = layers.globalAveragePooling1d;
export const globalMaxPooling1d = layers.globalMaxPooling1d;
export const globalAvgPool1d = layers.globalAvgPool1d;
export const globalMaxPool1d = layers.globalMaxPool1d;
export const layerNormalization = layers.layerNormalization;
export const conv1d = layers.conv1d;
export const spatialDropout1d = layers.spatialDropout1d;
export const alphaDropout = layers.alphaDropout;
export const maxPooling1d = layers.maxPooling1d;
export const maxPool1d = layers.maxPool1d;
export const averagePooling1d = layers.averagePooling1d;
export const avgPool1d = layers.avgPool1d;
