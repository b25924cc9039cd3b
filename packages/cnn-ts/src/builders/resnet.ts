/**
 * ResNets (He et al. 2015) as functional models.
 * - `resnet18`, `resnet34`: basic blocks as torchvision builds them (batch
 *   norm after every convolution, convolutions without bias, a 1x1 stride-2
 *   projection where the shape changes; torch's symmetric padding as
 *   explicit zero padding before stride-2 layers).
 * - `resnet50`, `resnet101`, `resnet152`: bottleneck blocks as Keras
 *   applications builds them (convolutions with bias, batch norm epsilon
 *   1.001e-5, the stride on the first 1x1 of a stage), with Keras's layer
 *   names (`conv2_block1_1_conv`, ...).
 */
import { layers } from '../layers/index.js';
import { input, type SymbolicTensor } from '../layers/layer.js';
import { LayersModel, model } from '../models/model.js';
import { checkClasses, checkInputShape, checkKeys } from './options.js';

export interface ResNetArgs {
  /** Default [224, 224, 3]; at least 32x32. */
  inputShape?: number[];
  /** Default 1000. */
  classes?: number;
}

const ALLOWED = ['inputShape', 'classes'] as const;
/** Keras applications' smallest ResNet input. */
const MIN_INPUT = 32;

type T = SymbolicTensor;
const sym = (t: T | T[]): T => (Array.isArray(t) ? t[0] : t);

// --- Basic blocks (torchvision) ---------------------------------------------

function convBn(x: T, filters: number, kernelSize: number, strides: number, name: string): T {
  // Torch pads (k-1)/2 on every side; TF's 'same' pads the odd pixel after
  // at stride 2, so stride-2 layers pad explicitly and convolve 'valid'.
  let y = x;
  let padding: 'same' | 'valid' = 'same';
  if (strides > 1 && kernelSize > 1) {
    y = layers.zeroPadding2d({ padding: (kernelSize - 1) / 2, name: `${name}_pad` }).apply(y) as T;
    padding = 'valid';
  }
  y = layers.conv2d({ filters, kernelSize, strides, padding, useBias: false, kernelInitializer: 'heNormal', name: `${name}_conv` }).apply(y) as T;
  return layers.batchNormalization({ epsilon: 1e-5, momentum: 0.9, name: `${name}_bn` }).apply(y) as T;
}

function basicBlock(x: T, filters: number, strides: number, name: string): T {
  const cin = x.shape[3];
  let shortcut = x;
  if (strides !== 1 || cin !== filters) shortcut = convBn(x, filters, 1, strides, `${name}_downsample`);
  let y = convBn(x, filters, 3, strides, `${name}_1`);
  y = layers.reLU({ name: `${name}_1_relu` }).apply(y) as T;
  y = convBn(y, filters, 3, 1, `${name}_2`);
  y = layers.add({ name: `${name}_add` }).apply([shortcut, y]) as T;
  return layers.reLU({ name: `${name}_out` }).apply(y) as T;
}

function basicResnet(b: string, blocks: number[], args: ResNetArgs): LayersModel {
  checkKeys(b, args, ALLOWED);
  const inputShape = checkInputShape(b, args.inputShape ?? [224, 224, 3], MIN_INPUT);
  const classes = checkClasses(b, args.classes ?? 1000);
  const img = input({ shape: inputShape, name: 'input' });
  let x = convBn(img, 64, 7, 2, 'conv1');
  x = layers.reLU({ name: 'conv1_relu' }).apply(x) as T;
  x = layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }).apply(x) as T;
  x = layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as T;
  blocks.forEach((n, stage) => {
    const filters = 64 * 2 ** stage;
    for (let i = 0; i < n; i++) x = basicBlock(x, filters, i === 0 && stage > 0 ? 2 : 1, `layer${stage + 1}_${i}`);
  });
  x = layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as T;
  const y = sym(layers.dense({ units: classes, activation: 'softmax', name: 'fc' }).apply(x));
  return model({ inputs: img, outputs: y, name: b });
}

/** ResNet-18: trainable 11,689,512 parameters at 224x224x3 and 1000 classes (torchvision's count). */
export function resnet18(args: ResNetArgs = {}): LayersModel {
  return basicResnet('resnet18', [2, 2, 2, 2], args);
}

/** ResNet-34: trainable 21,797,672 parameters at 224x224x3. */
export function resnet34(args: ResNetArgs = {}): LayersModel {
  return basicResnet('resnet34', [3, 4, 6, 3], args);
}

// --- Bottleneck blocks (Keras applications) ---------------------------------

function bn(x: T, name: string): T {
  return layers.batchNormalization({ epsilon: 1.001e-5, name }).apply(x) as T;
}

function bottleneck(x: T, filters: number, strides: number, convShortcut: boolean, name: string): T {
  let shortcut = x;
  if (convShortcut) {
    shortcut = layers.conv2d({ filters: 4 * filters, kernelSize: 1, strides, name: `${name}_0_conv` }).apply(x) as T;
    shortcut = bn(shortcut, `${name}_0_bn`);
  }
  let y = layers.conv2d({ filters, kernelSize: 1, strides, name: `${name}_1_conv` }).apply(x) as T;
  y = layers.activation({ activation: 'relu', name: `${name}_1_relu` }).apply(bn(y, `${name}_1_bn`)) as T;
  y = layers.conv2d({ filters, kernelSize: 3, padding: 'same', name: `${name}_2_conv` }).apply(y) as T;
  y = layers.activation({ activation: 'relu', name: `${name}_2_relu` }).apply(bn(y, `${name}_2_bn`)) as T;
  y = layers.conv2d({ filters: 4 * filters, kernelSize: 1, name: `${name}_3_conv` }).apply(y) as T;
  y = bn(y, `${name}_3_bn`);
  y = layers.add({ name: `${name}_add` }).apply([shortcut, y]) as T;
  return layers.activation({ activation: 'relu', name: `${name}_out` }).apply(y) as T;
}

function bottleneckResnet(b: string, blocks: number[], args: ResNetArgs): LayersModel {
  checkKeys(b, args, ALLOWED);
  const inputShape = checkInputShape(b, args.inputShape ?? [224, 224, 3], MIN_INPUT);
  const classes = checkClasses(b, args.classes ?? 1000);
  const img = input({ shape: inputShape, name: 'input' });
  let x = layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }).apply(img) as T;
  x = layers.conv2d({ filters: 64, kernelSize: 7, strides: 2, name: 'conv1_conv' }).apply(x) as T;
  x = layers.activation({ activation: 'relu', name: 'conv1_relu' }).apply(bn(x, 'conv1_bn')) as T;
  x = layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }).apply(x) as T;
  x = layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as T;
  blocks.forEach((n, stage) => {
    const filters = 64 * 2 ** stage;
    for (let i = 0; i < n; i++) x = bottleneck(x, filters, i === 0 && stage > 0 ? 2 : 1, i === 0, `conv${stage + 2}_block${i + 1}`);
  });
  x = layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as T;
  const y = sym(layers.dense({ units: classes, activation: 'softmax', name: 'predictions' }).apply(x));
  return model({ inputs: img, outputs: y, name: b });
}

/** ResNet-50 as Keras applications: 25,636,712 parameters at 224x224x3 and 1000 classes. */
export function resnet50(args: ResNetArgs = {}): LayersModel {
  return bottleneckResnet('resnet50', [3, 4, 6, 3], args);
}

/** ResNet-101: 44,707,176 parameters. */
export function resnet101(args: ResNetArgs = {}): LayersModel {
  return bottleneckResnet('resnet101', [3, 4, 23, 3], args);
}

/** ResNet-152: 60,419,944 parameters. */
export function resnet152(args: ResNetArgs = {}): LayersModel {
  return bottleneckResnet('resnet152', [3, 8, 36, 3], args);
}
