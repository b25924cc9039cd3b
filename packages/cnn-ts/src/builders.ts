/**
 * Builders for the architecture set (the models the library promises to build): the seed's CIFAR CNN and
 * small ResNet with its subclassed `ResidualBlock` here; LeNet-5, AlexNet,
 * VGG16/19, ResNet-18..152, U-Net and MobileNetV2 in builders/. Each takes
 * `{inputShape, classes, ...}` with the reference's defaults and fails at
 * the builder on unknown options, classes < 1 or too small an input.
 */
export { lenet5, alexnet, vgg16, vgg19, type LeNet5Args, type AlexNetArgs, type VggArgs } from './builders/classic.js';
export { resnet18, resnet34, resnet50, resnet101, resnet152, type ResNetArgs } from './builders/resnet.js';
export { unet, type UNetArgs } from './builders/unet.js';
export { mobilenetV2, type MobileNetV2Args } from './builders/mobilenet.js';
export { LocalResponseNormalization, type LocalResponseNormalizationArgs } from './builders/lrn.js';
import { layers } from './layers/index.js';
import { Layer, classNameOf, type CallArgs, type LayerArgs, type Shape } from './layers/layer.js';
import { registerClass } from './serialization.js';
import type { Conv2D } from './layers/conv.js';
import type { Add, Activation } from './layers/index.js';
import { Sequential, sequential } from './models/sequential.js';
import type { Tensor } from './tensor.js';

/**
 * The seed's CNN: Conv16-3x3-same-relu, Conv32, MaxPool2, Conv64 stride 2,
 * Conv64 stride 2, MaxPool2, Flatten, Dense128-relu, Dense-softmax.
 */
export function cifarCnn(inputShape: number[] = [32, 32, 3], numClasses = 10): Sequential {
  const m = sequential();
  m.add(layers.conv2d({ filters: 16, kernelSize: [3, 3], padding: 'same', activation: 'relu', inputShape }));
  m.add(layers.conv2d({ filters: 32, kernelSize: [3, 3], padding: 'same', activation: 'relu' }));
  m.add(layers.maxPool2d({ poolSize: [2, 2], padding: 'valid' }));
  m.add(layers.conv2d({ filters: 64, kernelSize: [3, 3], strides: [2, 2], padding: 'same', activation: 'relu' }));
  m.add(layers.conv2d({ filters: 64, kernelSize: [3, 3], strides: [2, 2], padding: 'same', activation: 'relu' }));
  m.add(layers.maxPool2d({ poolSize: [2, 2], padding: 'valid' }));
  m.add(layers.flatten());
  m.add(layers.dense({ units: 128, activation: 'relu' }));
  m.add(layers.dense({ units: numClasses, activation: 'softmax' }));
  return m;
}

export interface ResidualBlockArgs extends LayerArgs {
  numKernels: number;
  kernelSize: number | [number, number];
}

/**
 * The seed's residual block, written as a user would: a subclass of
 * `layers.Layer` with sub-layers and its own `call()`. Two 3x3 same convs
 * with ReLU, plus the identity shortcut, then ReLU.
 */
export class ResidualBlock extends Layer {
  static readonly className = 'ResidualBlock';
  readonly className: string = classNameOf(this);
  readonly numKernels: number;
  readonly kernelSize: number | [number, number];
  readonly conv1: Conv2D;
  readonly conv2: Conv2D;
  readonly relu: Activation;
  readonly add: Add;
  constructor(args: ResidualBlockArgs) {
    super(args);
    this.numKernels = args.numKernels;
    this.kernelSize = args.kernelSize;
    this.conv1 = layers.conv2d({ filters: args.numKernels, kernelSize: args.kernelSize, padding: 'same', activation: 'relu' });
    this.conv2 = layers.conv2d({ filters: args.numKernels, kernelSize: args.kernelSize, padding: 'same', activation: 'relu' });
    this.relu = layers.activation({ activation: 'relu' });
    this.add = layers.add();
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    let x = this.conv1.apply(input, kwargs);
    x = this.conv2.apply(x, kwargs);
    x = this.add.apply([x, input], kwargs) as Tensor;
    return this.relu.apply(x, kwargs);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), numKernels: this.numKernels, kernelSize: Array.isArray(this.kernelSize) ? [...this.kernelSize] : this.kernelSize };
  }
}
registerClass(ResidualBlock);

/** The seed's small ResNet: Conv64, MaxPool2, three residual blocks, GAP, Dense softmax. */
export function smallResnet(inputShape: number[] = [32, 32, 3], numClasses = 10): Sequential {
  const m = sequential();
  m.add(layers.conv2d({ filters: 64, kernelSize: [3, 3], padding: 'same', activation: 'relu', inputShape }));
  m.add(layers.maxPool2d({ poolSize: 2 }));
  m.add(new ResidualBlock({ numKernels: 64, kernelSize: [3, 3] }));
  m.add(new ResidualBlock({ numKernels: 64, kernelSize: [3, 3] }));
  m.add(new ResidualBlock({ numKernels: 64, kernelSize: [3, 3] }));
  m.add(layers.globalAveragePooling2d());
  m.add(layers.dense({ units: numClasses, activation: 'softmax' }));
  return m;
}
