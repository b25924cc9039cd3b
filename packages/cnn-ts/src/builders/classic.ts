/** LeNet-5, AlexNet, VGG16 and VGG19 as Sequential models. */
import { layers } from '../layers/index.js';
import type { ActivationName } from '../layers/activations.js';
import { Sequential, sequential } from '../models/sequential.js';
import { LocalResponseNormalization } from './lrn.js';
import { checkClasses, checkInputShape, checkKeys } from './options.js';

export interface LeNet5Args {
  /** Default [32, 32, 1]; at least 16x16. */
  inputShape?: number[];
  /** Default 10. */
  classes?: number;
  /** Hidden activation (default 'tanh', as LeCun et al. 1998; 'relu' trains faster). */
  activation?: ActivationName;
}

/**
 * LeNet-5 (LeCun et al. 1998): conv 6@5x5, average pooling, conv 16@5x5,
 * average pooling, dense 120, 84, classes (softmax). 61,706 parameters at
 * 32x32x1 and 10 classes.
 * @example tf.builders.lenet5().summary()
 */
export function lenet5(args: LeNet5Args = {}): Sequential {
  const b = 'lenet5';
  checkKeys(b, args, ['inputShape', 'classes', 'activation']);
  const inputShape = checkInputShape(b, args.inputShape ?? [32, 32, 1], 16);
  const classes = checkClasses(b, args.classes ?? 10);
  const activation = args.activation ?? 'tanh';
  const m = sequential({ name: 'lenet5' });
  m.add(layers.conv2d({ filters: 6, kernelSize: 5, activation, inputShape }));
  m.add(layers.averagePooling2d({ poolSize: 2 }));
  m.add(layers.conv2d({ filters: 16, kernelSize: 5, activation }));
  m.add(layers.averagePooling2d({ poolSize: 2 }));
  m.add(layers.flatten());
  m.add(layers.dense({ units: 120, activation }));
  m.add(layers.dense({ units: 84, activation }));
  m.add(layers.dense({ units: classes, activation: 'softmax' }));
  return m;
}

export interface AlexNetArgs {
  /** Default [227, 227, 3]; at least 67x67. */
  inputShape?: number[];
  /** Default 1000. */
  classes?: number;
  /** Local response normalisation after the first two convolutions (default false). */
  lrn?: boolean;
  /** Dropout rate before each hidden dense layer's successor (default 0.5). */
  dropout?: number;
}

/**
 * AlexNet (Krizhevsky et al. 2012), single tower: conv 96@11x11/4, max pool
 * 3/2, conv 256@5x5, max pool, conv 384, 384, 256 @3x3, max pool, dense
 * 4096, 4096, classes, dropout 0.5. 62,378,344 parameters at 227x227x3.
 */
export function alexnet(args: AlexNetArgs = {}): Sequential {
  const b = 'alexnet';
  checkKeys(b, args, ['inputShape', 'classes', 'lrn', 'dropout']);
  const inputShape = checkInputShape(b, args.inputShape ?? [227, 227, 3], 67);
  const classes = checkClasses(b, args.classes ?? 1000);
  const rate = args.dropout ?? 0.5;
  if (!(rate >= 0 && rate < 1)) throw new Error(`${b}: dropout must be in [0, 1), got ${rate}`);
  const m = sequential({ name: 'alexnet' });
  m.add(layers.conv2d({ filters: 96, kernelSize: 11, strides: 4, activation: 'relu', inputShape }));
  if (args.lrn) m.add(new LocalResponseNormalization({}));
  m.add(layers.maxPooling2d({ poolSize: 3, strides: 2 }));
  m.add(layers.conv2d({ filters: 256, kernelSize: 5, padding: 'same', activation: 'relu' }));
  if (args.lrn) m.add(new LocalResponseNormalization({}));
  m.add(layers.maxPooling2d({ poolSize: 3, strides: 2 }));
  m.add(layers.conv2d({ filters: 384, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(layers.conv2d({ filters: 384, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(layers.conv2d({ filters: 256, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(layers.maxPooling2d({ poolSize: 3, strides: 2 }));
  m.add(layers.flatten());
  m.add(layers.dense({ units: 4096, activation: 'relu' }));
  m.add(layers.dropout({ rate }));
  m.add(layers.dense({ units: 4096, activation: 'relu' }));
  m.add(layers.dropout({ rate }));
  m.add(layers.dense({ units: classes, activation: 'softmax' }));
  return m;
}

export interface VggArgs {
  /** Default [224, 224, 3]; at least 32x32 (five 2x2 poolings). */
  inputShape?: number[];
  /** Default 1000. */
  classes?: number;
}

function vgg(b: string, convsPerBlock: number[], a: VggArgs | number[] | undefined, legacyClasses: number | undefined): Sequential {
  // vgg16(inputShape, numClasses): the seed's positional form, kept.
  const args: VggArgs = Array.isArray(a) ? { inputShape: a, ...(legacyClasses === undefined ? {} : { classes: legacyClasses }) } : (a ?? {});
  checkKeys(b, args, ['inputShape', 'classes']);
  const inputShape = checkInputShape(b, args.inputShape ?? [224, 224, 3], 32);
  const classes = checkClasses(b, args.classes ?? 1000);
  const m = sequential({ name: b });
  const widths = [64, 128, 256, 512, 512];
  let first = true;
  convsPerBlock.forEach((convs, i) => {
    for (let j = 0; j < convs; j++) {
      m.add(layers.conv2d({ filters: widths[i], kernelSize: 3, padding: 'same', activation: 'relu', name: `block${i + 1}_conv${j + 1}`, ...(first ? { inputShape } : {}) }));
      first = false;
    }
    m.add(layers.maxPooling2d({ poolSize: 2, name: `block${i + 1}_pool` }));
  });
  m.add(layers.flatten({ name: 'flatten' }));
  m.add(layers.dense({ units: 4096, activation: 'relu', name: 'fc1' }));
  m.add(layers.dense({ units: 4096, activation: 'relu', name: 'fc2' }));
  m.add(layers.dense({ units: classes, activation: 'softmax', name: 'predictions' }));
  return m;
}

/** VGG16 (Simonyan & Zisserman 2014) as Keras applications: 138,357,544 parameters at 224x224x3. */
export function vgg16(args?: VggArgs | number[], numClasses?: number): Sequential {
  return vgg('vgg16', [2, 2, 3, 3, 3], args, numClasses);
}

/** VGG19: 143,667,240 parameters at 224x224x3. */
export function vgg19(args?: VggArgs | number[], numClasses?: number): Sequential {
  return vgg('vgg19', [2, 2, 4, 4, 4], args, numClasses);
}
