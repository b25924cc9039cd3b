/**
 * MobileNetV2 (Sandler et al. 2018) as Keras applications builds it, alpha
 * 1.0: inverted residual blocks (1x1 expansion, 3x3 depthwise, 1x1 linear
 * projection, identity shortcut when shapes match), batch norm (momentum
 * 0.999, epsilon 1e-3) and ReLU6 after every convolution but the
 * projections; Keras's layer names (`block_3_depthwise`, ...).
 */
import { layers } from '../layers/index.js';
import { input, type SymbolicTensor } from '../layers/layer.js';
import { LayersModel, model } from '../models/model.js';
import { checkClasses, checkInputShape, checkKeys } from './options.js';

export interface MobileNetV2Args {
  /** Default [224, 224, 3]; at least 32x32. */
  inputShape?: number[];
  /** Default 1000. */
  classes?: number;
}

type T = SymbolicTensor;

function bn(x: T, name: string): T {
  return layers.batchNormalization({ epsilon: 1e-3, momentum: 0.999, name }).apply(x) as T;
}
function relu6(x: T, name: string): T {
  return layers.reLU({ maxValue: 6, name }).apply(x) as T;
}

/** Keras applications' padding before a stride-2 3x3 depthwise: the odd pixel after for even sizes. */
function correctPad(x: T): [[number, number], [number, number]] {
  const adj = (d: number | null) => (d !== null && d % 2 === 0 ? 1 : 0);
  return [[1 - adj(x.shape[1]), 1], [1 - adj(x.shape[2]), 1]];
}

function invertedResidual(x: T, expansion: number, stride: number, filters: number, id: number): T {
  const cin = x.shape[3] as number;
  const prefix = id === 0 ? 'expanded_conv_' : `block_${id}_`;
  let y = x;
  if (id !== 0) {
    y = layers.conv2d({ filters: expansion * cin, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}expand` }).apply(y) as T;
    y = relu6(bn(y, `${prefix}expand_BN`), `${prefix}expand_relu`);
  }
  if (stride === 2) y = layers.zeroPadding2d({ padding: correctPad(y), name: `${prefix}pad` }).apply(y) as T;
  y = layers.depthwiseConv2d({ kernelSize: 3, strides: stride, useBias: false, padding: stride === 1 ? 'same' : 'valid', name: `${prefix}depthwise` }).apply(y) as T;
  y = relu6(bn(y, `${prefix}depthwise_BN`), `${prefix}depthwise_relu`);
  y = layers.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}project` }).apply(y) as T;
  y = bn(y, `${prefix}project_BN`);
  if (cin === filters && stride === 1) return layers.add({ name: `${prefix}add` }).apply([x, y]) as T;
  return y;
}

/** [filters, stride, expansion] of blocks 0..16. */
const BLOCKS: [number, number, number][] = [
  [16, 1, 1], [24, 2, 6], [24, 1, 6], [32, 2, 6], [32, 1, 6], [32, 1, 6], [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
  [96, 1, 6], [96, 1, 6], [96, 1, 6], [160, 2, 6], [160, 1, 6], [160, 1, 6], [320, 1, 6],
];

/**
 * MobileNetV2: 3,538,984 parameters (3,504,872 trainable) at 224x224x3 and 1000 classes.
 * @example tf.builders.mobilenetV2({inputShape: [96, 96, 3], classes: 10})
 */
export function mobilenetV2(args: MobileNetV2Args = {}): LayersModel {
  const b = 'mobilenetV2';
  checkKeys(b, args, ['inputShape', 'classes']);
  const inputShape = checkInputShape(b, args.inputShape ?? [224, 224, 3], 32);
  const classes = checkClasses(b, args.classes ?? 1000);
  const img = input({ shape: inputShape, name: 'input' });
  let x = layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'Conv1' }).apply(img) as T;
  x = relu6(bn(x, 'bn_Conv1'), 'Conv1_relu');
  BLOCKS.forEach(([filters, stride, expansion], id) => {
    x = invertedResidual(x, expansion, stride, filters, id);
  });
  x = layers.conv2d({ filters: 1280, kernelSize: 1, useBias: false, name: 'Conv_1' }).apply(x) as T;
  x = relu6(bn(x, 'Conv_1_bn'), 'out_relu');
  x = layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as T;
  const y = layers.dense({ units: classes, activation: 'softmax', name: 'predictions' }).apply(x) as T;
  return model({ inputs: img, outputs: y, name: 'mobilenetv2_1.00_224' });
}
