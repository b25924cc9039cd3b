/**
 * DepthwiseConv2D and SeparableConv2D (Keras / TF.js names, NHWC). Both
 * train: their depthwise part runs the core's depthwise kernels with input
 * and filter gradients (tfjs-backend-wasm has no depthwise backprop).
 */
import { fusedConv2d } from '../ops/conv.js';
import { depthwiseCore, depthwiseGeometry } from '../ops/depthwise.js';
import type { Tensor, Variable } from '../tensor.js';
import { applyActivation } from './activations.js';
import { serializeInitializer, type InitializerIdentifier } from './initializers.js';
import type { Shape } from './layer.js';
import { BaseConv, Conv, type BaseConvLayerArgs, type ConvLayerArgs } from './conv_base.js';
import { one } from './core.js';
import type { ConstraintIdentifier } from './constraints.js';
import type { RegularizerIdentifier } from './regularizers.js';

function checkMultiplier(m: number | undefined, where: string): number {
  const v = m ?? 1;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: depthMultiplier must be a positive integer, got ${m}`);
  return v;
}

export interface DepthwiseConv2DLayerArgs extends BaseConvLayerArgs {
  /** Output channels per input channel (default 1). */
  depthMultiplier?: number;
  /** Default 'glorotUniform'. */
  depthwiseInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier | null;
  /** Projection of the depthwise kernel after each training step. */
  depthwiseConstraint?: ConstraintIdentifier | null;
}

/**
 * Depthwise 2-D convolution (Keras `DepthwiseConv2D`): each input channel
 * convolved with its own `depthMultiplier` filters. Weights
 * `depthwise_kernel [kh, kw, cin, depthMultiplier]` and `bias [cin * depthMultiplier]`.
 * @example tf.layers.depthwiseConv2d({kernelSize: 3, padding: 'same', useBias: false})
 */
export class DepthwiseConv2D extends BaseConv {
  static readonly className = 'DepthwiseConv2D';
  readonly className = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  depthwiseKernel: Variable | undefined;
  bias: Variable | undefined;
  private readonly depthwiseInit: InitializerIdentifier;

  constructor(args: DepthwiseConv2DLayerArgs) {
    super(args);
    this.depthMultiplier = checkMultiplier(args.depthMultiplier, this.name);
    this.depthwiseInit = args.depthwiseInitializer ?? 'glorotUniform';
  }

  override build(inputShape: Shape | Shape[]): void {
    const cin = this.nhwc(inputShape)[3];
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [...this.kernelSize, cin, this.depthMultiplier], this.depthwiseInit);
    if (this.useBias) this.bias = this.addWeight('bias', [cin * this.depthMultiplier], this.biasInit);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w, c] = this.nhwc(inputShape);
    return [n, ...this.convOutHW(h, w), c * this.depthMultiplier];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    if (x.rank !== 4) throw new Error(`Input 0 of layer ${this.name} is incompatible with the layer: expected ndim=4 (NHWC), found ndim=${x.rank}`);
    const f = this.depthwiseKernel!;
    const g = depthwiseGeometry(this.name, x.shape, f.shape, this.strides, this.padding, this.dilationRate);
    return applyActivation(this.activation, depthwiseCore(this.name, x, f, this.bias ?? null, g));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), depthMultiplier: this.depthMultiplier, depthwiseInitializer: serializeInitializer(this.depthwiseInit, this.name) };
  }
}

export interface SeparableConv2DLayerArgs extends ConvLayerArgs {
  /** Depthwise output channels per input channel (default 1). */
  depthMultiplier?: number;
  /** Default 'glorotUniform'. */
  depthwiseInitializer?: InitializerIdentifier;
  /** Default 'glorotUniform'. */
  pointwiseInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier | null;
  pointwiseRegularizer?: RegularizerIdentifier | null;
  depthwiseConstraint?: ConstraintIdentifier | null;
  pointwiseConstraint?: ConstraintIdentifier | null;
}

/**
 * Depthwise convolution then a 1x1 convolution to `filters` channels (Keras
 * `SeparableConv2D`). Weights `depthwise_kernel [kh, kw, cin, m]`,
 * `pointwise_kernel [1, 1, cin * m, filters]`, `bias [filters]`; the
 * pointwise step fuses bias and ReLU into its GEMM.
 */
export class SeparableConv2D extends Conv {
  static readonly className = 'SeparableConv2D';
  readonly className = 'SeparableConv2D';
  readonly depthMultiplier: number;
  depthwiseKernel: Variable | undefined;
  pointwiseKernel: Variable | undefined;
  bias: Variable | undefined;
  private readonly depthwiseInit: InitializerIdentifier;
  private readonly pointwiseInit: InitializerIdentifier;

  constructor(args: SeparableConv2DLayerArgs) {
    super(args);
    this.depthMultiplier = checkMultiplier(args.depthMultiplier, this.name);
    this.depthwiseInit = args.depthwiseInitializer ?? 'glorotUniform';
    this.pointwiseInit = args.pointwiseInitializer ?? 'glorotUniform';
  }

  override build(inputShape: Shape | Shape[]): void {
    const cin = this.nhwc(inputShape)[3];
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [...this.kernelSize, cin, this.depthMultiplier], this.depthwiseInit);
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, cin * this.depthMultiplier, this.filters], this.pointwiseInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w] = this.nhwc(inputShape);
    return [n, ...this.convOutHW(h, w), this.filters];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    if (x.rank !== 4) throw new Error(`Input 0 of layer ${this.name} is incompatible with the layer: expected ndim=4 (NHWC), found ndim=${x.rank}`);
    const f = this.depthwiseKernel!;
    const d = depthwiseCore(this.name, x, f, null, depthwiseGeometry(this.name, x.shape, f.shape, this.strides, this.padding, this.dilationRate));
    const relu = this.activation === 'relu';
    const y = fusedConv2d({ x: d, filter: this.pointwiseKernel!, strides: 1, pad: 'valid', bias: this.bias, activation: relu ? 'relu' : 'linear' });
    return relu ? y : applyActivation(this.activation, y);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), depthMultiplier: this.depthMultiplier, depthwiseInitializer: serializeInitializer(this.depthwiseInit, this.name), pointwiseInitializer: serializeInitializer(this.pointwiseInit, this.name) };
  }
}
