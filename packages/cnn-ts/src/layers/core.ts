/** Dense, Flatten, Activation, Dropout, Reshape. */
import { Tensor, type Variable } from '../tensor.js';
import { matMul } from '../ops/matmul.js';
import { reshape } from '../ops/transform.js';
import { biasAdd, dropout } from '../ops/nn.js';
import { sizeFromShape, fmtShape } from '../util.js';
import { applyActivation, checkActivation, type ActivationName } from './activations.js';
import { serializeInitializer, type InitializerIdentifier } from './initializers.js';
import { Layer, classNameOf, fmtShapeN, isChannelsFirst, type CallArgs, type DataFormat, type LayerArgs, type Shape } from './layer.js';

function one(inputs: Tensor | Tensor[], name: string): Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) throw new Error(`${name}: expects one input, got ${inputs.length}`);
    return inputs[0];
  }
  return inputs;
}

function oneShape(s: Shape | Shape[], name: string): Shape {
  if (s.length > 0 && Array.isArray(s[0])) {
    if (s.length !== 1) throw new Error(`${name}: expects one input, got ${s.length}`);
    return s[0] as Shape;
  }
  return s as Shape;
}

export interface DenseArgs extends LayerArgs {
  /** Output size. */
  units: number;
  /** Activation name (default 'linear'). */
  activation?: ActivationName;
  /** Add a bias (default true). */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerIdentifier;
  /** Default 'zeros'. */
  biasInitializer?: InitializerIdentifier;
}

/** `activation(x · kernel + bias)` on the last axis (Keras `Dense`). */
export class Dense extends Layer {
  static readonly className = 'Dense';
  readonly className: string = classNameOf(this);
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  kernel: Variable | undefined;
  bias: Variable | undefined;
  private readonly kernelInit: InitializerIdentifier;
  private readonly biasInit: InitializerIdentifier;

  constructor(args: DenseArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units < 1) throw new Error(`${this.name}: units must be a positive integer, got ${args.units}`);
    this.units = args.units;
    this.activation = checkActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
    this.kernelInit = args.kernelInitializer ?? 'glorotUniform';
    this.biasInit = args.biasInitializer ?? 'zeros';
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = oneShape(inputShape, this.name);
    const inDim = s[s.length - 1];
    if (inDim === null || inDim === undefined) throw new Error(`${this.name}: the last dimension of the input must be known, got ${fmtShapeN(s)}`);
    this.kernel = this.addWeight('kernel', [inDim, this.units], this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInit);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape, this.name);
    // Applied again (a shared layer, or to a second symbolic input): the width must match the kernel, as tfjs-layers' input spec.
    const inDim = s[s.length - 1];
    if (this.kernel && inDim !== null && inDim !== this.kernel.shape[0]) {
      throw new Error(`Input 0 of layer ${this.name} is incompatible with the layer: expected axis -1 of input shape to have value ${this.kernel.shape[0]} but got shape ${fmtShapeN(s)}`);
    }
    return [...s.slice(0, -1), this.units];
  }

  /** The pre-activation output (logits), used for fused softmax losses. */
  linear(x: Tensor): Tensor {
    const k = this.kernel!;
    if (x.shape[x.rank - 1] !== k.shape[0]) {
      throw new Error(`Input 0 of layer ${this.name} is incompatible with the layer: expected axis -1 of input shape to have value ${k.shape[0]} but got shape ${fmtShape(x.shape)}`);
    }
    const x2 = x.rank === 2 ? x : reshape(x, [-1, k.shape[0]]);
    let y = matMul(x2, k);
    if (this.bias) y = biasAdd(y, this.bias);
    return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), this.units]);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return applyActivation(this.activation, this.linear(one(inputs, this.name)));
  }

  override softmaxLogits(x: Tensor): Tensor | null {
    return this.activation === 'softmax' ? this.linear(x) : null;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInit, this.name),
      biasInitializer: serializeInitializer(this.biasInit, this.name),
    };
  }
}

/** Flattens all axes but the batch axis, row-major over NHWC (Keras `Flatten`). */
export interface FlattenLayerArgs extends LayerArgs {
  /** 'channelsFirst': flatten in channels-last order all the same (as tfjs-layers, so a following Dense sees NHWC order). */
  dataFormat?: DataFormat;
}

export class Flatten extends Layer {
  static readonly className = 'Flatten';
  readonly className: string = classNameOf(this);
  constructor(args: FlattenLayerArgs = {}) {
    super(args);
    this.channelsFirst = isChannelsFirst(args.dataFormat, this.name);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), ...(this.channelsFirst ? { dataFormat: 'channelsFirst' } : {}) };
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape, this.name);
    // tfjs-layers: Flatten's input spec is minNDim 3.
    if (s.length < 3) throw new Error(`Input 0 is incompatible with layer ${this.name}: expected min_ndim=3, found ndim=${s.length}.`);
    const rest = s.slice(1);
    if (rest.some((d) => d === null)) throw new Error(`${this.name}: the input shape ${fmtShapeN(s)} must be fully known except the batch axis`);
    return [s[0], sizeFromShape(rest as number[])];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    if (x.rank < 3) throw new Error(`Input 0 is incompatible with layer ${this.name}: expected min_ndim=3, found ndim=${x.rank}.`);
    return reshape(x, [x.shape[0], -1]);
  }
}

export interface ActivationArgs extends LayerArgs {
  activation: ActivationName;
}

/** Applies an activation (Keras `Activation`). */
export class Activation extends Layer {
  static readonly className = 'Activation';
  readonly className: string = classNameOf(this);
  readonly activation: ActivationName;
  constructor(args: ActivationArgs) {
    super(args);
    this.activation = checkActivation(args.activation, this.name);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return oneShape(inputShape, this.name);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return applyActivation(this.activation, one(inputs, this.name));
  }

  /** An Activation('softmax') head's input is the logits itself. */
  override softmaxLogits(x: Tensor): Tensor | null {
    return this.activation === 'softmax' ? x : null;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}

export interface DropoutArgs extends LayerArgs {
  /** Fraction of the inputs to drop, in [0, 1). */
  rate: number;
  noiseShape?: number[];
  seed?: number;
}

/** Drops a fraction of the inputs in training only (Keras `Dropout`). */
export class Dropout extends Layer {
  static readonly className = 'Dropout';
  readonly className: string = classNameOf(this);
  readonly rate: number;
  constructor(private readonly args: DropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`${this.name}: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return oneShape(inputShape, this.name);
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = one(inputs, this.name);
    return kwargs.training && this.rate > 0 ? dropout(x, this.rate, this.args.noiseShape, this.args.seed) : x;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.args.noiseShape ? [...this.args.noiseShape] : null, seed: this.args.seed ?? null };
  }
}

export interface ReshapeArgs extends LayerArgs {
  /** Target shape without the batch axis (one entry may be -1). */
  targetShape: number[];
}

export class Reshape extends Layer {
  static readonly className = 'Reshape';
  readonly className: string = classNameOf(this);
  readonly targetShape: number[];
  constructor(args: ReshapeArgs) {
    super(args);
    this.targetShape = args.targetShape;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape, this.name);
    const total = sizeFromShape(s.slice(1) as number[]);
    const known = sizeFromShape(this.targetShape.filter((d) => d !== -1));
    return [s[0], ...this.targetShape.map((d) => (d === -1 ? total / known : d))];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    return reshape(x, [x.shape[0], ...this.targetShape]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }
}

export { one, oneShape };
