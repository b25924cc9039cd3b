/**
 * One-dimensional convolution and pooling over `[batch, steps, channels]`
 * (tfjs-layers `conv1d`, `maxPooling1d`, `averagePooling1d`), run as the
 * 2-D kernels on a height-1 image, so they share their speed and gradients.
 */
import { add } from '../ops/binary.js';
import { avgPool, conv2d, maxPool } from '../ops/conv.js';
import { expandDims, reshape, squeeze } from '../ops/transform.js';
import type { Tensor, Variable } from '../tensor.js';
import { applyActivation, checkActivation, type ActivationName } from './activations.js';
import { serializeInitializer } from './initializers.js';
import { one, oneShape } from './core.js';
import type { InitializerIdentifier } from './initializers.js';
import { Layer, fmtShapeN, type LayerArgs, type Shape } from './layer.js';

type Padding1D = 'valid' | 'same';

function single(v: number | number[] | undefined, fallback: number, what: string, name: string): number {
  const x = v === undefined ? fallback : Array.isArray(v) ? (v.length === 1 ? v[0] : NaN) : v;
  if (!Number.isInteger(x) || x < 1) throw new Error(`${name}: ${what} must be a positive integer (or a list of one), got ${JSON.stringify(v)}`);
  return x;
}

function padding(p: string | undefined, name: string): Padding1D {
  const v = (p ?? 'valid').toLowerCase();
  if (v !== 'valid' && v !== 'same') throw new Error(`${name}: unknown padding '${p}'; expected 'valid' or 'same' ('causal' is not supported)`);
  return v;
}

function outLen(n: number | null, k: number, s: number, d: number, pad: Padding1D): number | null {
  if (n === null) return null;
  return pad === 'same' ? Math.ceil(n / s) : Math.floor((n - (k - 1) * d - 1) / s) + 1;
}

export interface Conv1DLayerArgs extends LayerArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: Padding1D;
  dilationRate?: number | number[];
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
}

export class Conv1D extends Layer {
  static readonly className = 'Conv1D';
  readonly className = 'Conv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding1D;
  readonly dilationRate: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerIdentifier;
  readonly biasInitializer: InitializerIdentifier;
  kernel: Variable | undefined;
  bias: Variable | undefined;
  constructor(args: Conv1DLayerArgs) {
    super(args);
    if (args.kernelSize === undefined || args.kernelSize === null) throw new Error(`${this.name}: required key 'kernelSize' not in config`);
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new Error(`${this.name}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    this.kernelSize = single(args.kernelSize, 1, 'kernelSize', this.name);
    this.strides = single(args.strides, 1, 'strides', this.name);
    this.dilationRate = single(args.dilationRate, 1, 'dilationRate', this.name);
    this.padding = padding(args.padding, this.name);
    this.activation = checkActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = oneShape(inputShape, this.name);
    if (s.length !== 3 || s[2] === null) throw new Error(`${this.name}: expects [batch, steps, channels] with known channels, got ${fmtShapeN(s)}`);
    this.kernel = this.addWeight('kernel', [this.kernelSize, s[2], this.filters], this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer);
    super.build(inputShape);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape, this.name);
    if (s.length !== 3) throw new Error(`${this.name}: expects [batch, steps, channels], got ${fmtShapeN(s)}`);
    return [s[0], outLen(s[1], this.kernelSize, this.strides, this.dilationRate, this.padding), this.filters];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    const k = this.kernel!;
    if (x.rank !== 3 || x.shape[2] !== k.shape[1]) throw new Error(`${this.name}: expects [batch, steps, ${k.shape[1]}], got [${x.shape.join(',')}]`);
    const y = squeeze(conv2d(expandDims(x, 1), reshape(k, [1, ...k.shape]), [1, this.strides], this.padding, 'NHWC', [1, this.dilationRate]), [1]);
    return applyActivation(this.activation, this.bias ? add(y, this.bias) : y);
  }
  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [this.kernelSize],
      strides: [this.strides],
      padding: this.padding,
      dilationRate: [this.dilationRate],
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer, this.name),
      biasInitializer: serializeInitializer(this.biasInitializer, this.name),
      kernelConstraint: null,
      biasConstraint: null,
    };
  }
}

export interface Pooling1DLayerArgs extends LayerArgs {
  /** Default 2. */
  poolSize?: number | [number];
  /** Default poolSize. */
  strides?: number | [number];
  padding?: Padding1D;
}

abstract class Pooling1D extends Layer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: Padding1D;
  protected abstract pool(x: Tensor): Tensor;
  constructor(args: Pooling1DLayerArgs = {}) {
    super(args);
    this.poolSize = single(args.poolSize, 2, 'poolSize', this.name);
    this.strides = single(args.strides, this.poolSize, 'strides', this.name);
    this.padding = padding(args.padding, this.name);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape, this.name);
    if (s.length !== 3) throw new Error(`${this.name}: expects [batch, steps, channels], got ${fmtShapeN(s)}`);
    return [s[0], outLen(s[1], this.poolSize, this.strides, 1, this.padding), s[2]];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    if (x.rank !== 3) throw new Error(`${this.name}: expects [batch, steps, channels], got [${x.shape.join(',')}]`);
    return squeeze(this.pool(expandDims(x, 1)), [1]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: [this.poolSize], strides: [this.strides], padding: this.padding };
  }
}

export class MaxPooling1D extends Pooling1D {
  static readonly className = 'MaxPooling1D';
  readonly className = 'MaxPooling1D';
  protected pool(x: Tensor): Tensor {
    return maxPool(x, [1, this.poolSize], [1, this.strides], this.padding);
  }
}

export class AveragePooling1D extends Pooling1D {
  static readonly className = 'AveragePooling1D';
  readonly className = 'AveragePooling1D';
  protected pool(x: Tensor): Tensor {
    return avgPool(x, [1, this.poolSize], [1, this.strides], this.padding);
  }
}
