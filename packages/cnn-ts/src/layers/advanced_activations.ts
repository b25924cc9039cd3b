/**
 * Activation layers with parameters (tfjs-layers `advanced_activations`):
 * LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax (ReLU is relu.ts). Defaults as
 * tfjs-layers 4.22 (LeakyReLU alpha 0.3, Softmax axis 1, ThresholdedReLU theta 1).
 */
import { add, mul } from '../ops/binary.js';
import { softmax } from '../ops/nn.js';
import { logSumExp } from '../ops/reduction.js';
import { exp, elu, leakyRelu, neg, relu, step } from '../ops/unary.js';
import { sub } from '../ops/binary.js';
import type { Tensor, Variable } from '../tensor.js';
import { serializeInitializer, type InitializerIdentifier } from './initializers.js';
import { one } from './core.js';
import { Layer, fmtShapeN, type LayerArgs, type Shape } from './layer.js';


export interface LeakyReLULayerArgs extends LayerArgs {
  /** Slope for x < 0 (default 0.3, as tfjs-layers and Keras). */
  alpha?: number;
}

export class LeakyReLU extends Layer {
  static readonly className = 'LeakyReLU';
  readonly className = 'LeakyReLU';
  readonly alpha: number;
  constructor(args: LeakyReLULayerArgs = {}) {
    super(args);
    this.alpha = args.alpha ?? 0.3;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return leakyRelu(one(inputs, this.name), this.alpha);
  }
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface ELULayerArgs extends LayerArgs {
  /** Scale of the negative part (default 1). */
  alpha?: number;
}

export class ELU extends Layer {
  static readonly className = 'ELU';
  readonly className = 'ELU';
  readonly alpha: number;
  constructor(args: ELULayerArgs = {}) {
    super(args);
    this.alpha = args.alpha ?? 1;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return elu(one(inputs, this.name), this.alpha);
  }
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface ThresholdedReLULayerArgs extends LayerArgs {
  /** Threshold (default 1). */
  theta?: number;
}

/** `x` where `x > theta`, else 0. */
export class ThresholdedReLU extends Layer {
  static readonly className = 'ThresholdedReLU';
  readonly className = 'ThresholdedReLU';
  readonly theta: number;
  constructor(args: ThresholdedReLULayerArgs = {}) {
    super(args);
    this.theta = args.theta ?? 1;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    // step(x - theta) is the mask x > theta with a zero gradient, so the layer
    // stays differentiable (tfjs-layers' cast(greater(...)) mask is not).
    return mul(x, step(sub(x, this.theta)));
  }
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), theta: this.theta };
  }
}

export interface SoftmaxLayerArgs extends LayerArgs {
  /** Axis or axes to normalise over (default 1, as tfjs-layers). */
  axis?: number | number[];
}

export class Softmax extends Layer {
  static readonly className = 'Softmax';
  readonly className = 'Softmax';
  readonly axis: number | number[];
  constructor(args: SoftmaxLayerArgs = {}) {
    super(args);
    this.axis = args.axis ?? 1;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    const axes = Array.isArray(this.axis) ? this.axis : [this.axis];
    if (axes.length === 1 && (axes[0] === -1 || axes[0] === x.rank - 1)) return softmax(x, -1);
    return exp(sub(x, logSumExp(x, axes, true)));
  }
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface PReLULayerArgs extends LayerArgs {
  /** Initial slopes (default 'zeros'). */
  alphaInitializer?: InitializerIdentifier;
  /** Axes (1-based, batch excluded counts from 1) along which the slope is shared. */
  sharedAxes?: number | number[] | null;
}

/** `x` for x > 0, `alpha * x` otherwise, with a learned `alpha` per element (TF.js `tf.layers.prelu`). */
export class PReLU extends Layer {
  static readonly className = 'PReLU';
  readonly className = 'PReLU';
  readonly alphaInitializer: InitializerIdentifier;
  readonly sharedAxes: number[] | null;
  alpha: Variable | undefined;
  constructor(args: PReLULayerArgs = {}) {
    super(args);
    this.alphaInitializer = args.alphaInitializer ?? 'zeros';
    this.sharedAxes = args.sharedAxes == null ? null : Array.isArray(args.sharedAxes) ? args.sharedAxes : [args.sharedAxes];
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const shape = s.slice(1).map((d, i) => (this.sharedAxes?.includes(i + 1) ? 1 : d));
    if (shape.some((d) => d === null)) throw new Error(`${this.name}: the input shape must be known apart from the batch (or the unknown axes shared), got ${fmtShapeN(s)}`);
    this.alpha = this.addWeight('alpha', shape as number[], this.alphaInitializer);
    super.build(inputShape);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    // relu(x) + alpha * min(x, 0)
    return add(relu(x), mul(this.alpha!, neg(relu(neg(x)))));
  }
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alphaInitializer: serializeInitializer(this.alphaInitializer, this.name), alphaRegularizer: null, alphaConstraint: null, sharedAxes: this.sharedAxes };
  }
}
