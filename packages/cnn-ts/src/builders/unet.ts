/**
 * U-Net (Ronneberger et al. 2015) with 'same' padding, so the output has the
 * input's size: per level two 3x3 convolutions + ReLU, 2x2 max pooling down,
 * 2x2 stride-2 transposed convolutions up, skip concatenation, 1x1 head.
 */
import { layers } from '../layers/index.js';
import { input, type SymbolicTensor } from '../layers/layer.js';
import { LayersModel, model } from '../models/model.js';
import { checkClasses, checkInputShape, checkKeys, checkPositive } from './options.js';

export interface UNetArgs {
  /** Default [256, 256, 3]; height and width multiples of 2^depth. */
  inputShape?: number[];
  /** Output channels (default 1: one sigmoid mask; > 1: softmax over classes). */
  classes?: number;
  /** Filters of the first level, doubled per level (default 64). */
  baseFilters?: number;
  /** Number of poolings (default 4: 64-128-256-512-1024). */
  depth?: number;
}

type T = SymbolicTensor;

function twoConvs(x: T, filters: number, name: string): T {
  let y = layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal', name: `${name}_conv1` }).apply(x) as T;
  y = layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal', name: `${name}_conv2` }).apply(y) as T;
  return y;
}

/**
 * U-Net: 31,031,745 parameters at the defaults (256x256x3, 1 class, base 64).
 * @example tf.builders.unet({inputShape: [64, 64, 1], baseFilters: 16})
 */
export function unet(args: UNetArgs = {}): LayersModel {
  const b = 'unet';
  checkKeys(b, args, ['inputShape', 'classes', 'baseFilters', 'depth']);
  const depth = checkPositive(b, 'depth', args.depth ?? 4);
  const inputShape = checkInputShape(b, args.inputShape ?? [256, 256, 3], 2 ** depth, 2 ** depth);
  const classes = checkClasses(b, args.classes ?? 1);
  const base = checkPositive(b, 'baseFilters', args.baseFilters ?? 64);
  const img = input({ shape: inputShape, name: 'input' });
  const skips: T[] = [];
  let x: T = img;
  for (let i = 0; i < depth; i++) {
    x = twoConvs(x, base * 2 ** i, `down${i + 1}`);
    skips.push(x);
    x = layers.maxPooling2d({ poolSize: 2, name: `down${i + 1}_pool` }).apply(x) as T;
  }
  x = twoConvs(x, base * 2 ** depth, 'bottleneck');
  for (let i = depth - 1; i >= 0; i--) {
    const f = base * 2 ** i;
    x = layers.conv2dTranspose({ filters: f, kernelSize: 2, strides: 2, padding: 'same', name: `up${i + 1}_upconv` }).apply(x) as T;
    x = layers.concatenate({ name: `up${i + 1}_concat` }).apply([skips[i], x]) as T;
    x = twoConvs(x, f, `up${i + 1}`);
  }
  const y = layers.conv2d({ filters: classes, kernelSize: 1, activation: classes === 1 ? 'sigmoid' : 'softmax', name: 'mask' }).apply(x) as T;
  return model({ inputs: img, outputs: y, name: b });
}
