/** Conv2D and ZeroPadding2D layers (NHWC). */
import { fusedConv2d, conv2dTranspose, outSize, pair, parsePad } from '../ops/conv.js';
import { pad as padOp } from '../ops/transform.js';
import { add } from '../ops/binary.js';
import type { Tensor, Variable } from '../tensor.js';
import { applyActivation, checkActivation, type ActivationName } from './activations.js';
import type { Initializer, InitializerName } from './initializers.js';
import { Layer, fmtShapeN, type LayerArgs, type Shape } from './layer.js';
import { one, oneShape } from './core.js';
import { reshape } from '../ops/transform.js';

export interface Conv2DArgs extends LayerArgs {
  /** Number of output channels. */
  filters: number;
  /** Kernel height and width (a number for square kernels). */
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same'. */
  padding?: 'valid' | 'same';
  /** Only 'channelsLast' (NHWC). */
  dataFormat?: 'channelsLast';
  /** Default 1. */
  dilationRate?: number | [number, number];
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
}

function checkPadding(p: string | undefined, where: string): 'valid' | 'same' {
  const v = (p ?? 'valid').toLowerCase();
  if (v !== 'valid' && v !== 'same') throw new Error(`${where}: unknown padding '${p}'; expected 'valid' or 'same'`);
  return v;
}

/** 2-D convolution layer (Keras `Conv2D`); ReLU and bias fuse into the kernel. */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  kernel: Variable | undefined;
  bias: Variable | undefined;
  private readonly kernelInit: InitializerName | Initializer;
  private readonly biasInit: InitializerName | Initializer;

  constructor(args: Conv2DArgs) {
    super(args);
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new Error(`${this.name}: filters must be a positive integer, got ${args.filters}`);
    if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast') throw new Error(`${this.name}: only dataFormat 'channelsLast' (NHWC) is supported`);
    this.filters = args.filters;
    // tfjs-layers' message for a missing kernelSize.
    if (args.kernelSize === undefined || args.kernelSize === null) throw new Error(`${this.name}: required key 'kernelSize' not in config`);
    this.kernelSize = pair(args.kernelSize, this.name, 'kernelSize');
    this.strides = pair(args.strides ?? 1, this.name, 'strides');
    this.padding = checkPadding(args.padding, this.name);
    this.dilationRate = pair(args.dilationRate ?? 1, this.name, 'dilationRate');
    this.activation = checkActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
    this.kernelInit = args.kernelInitializer ?? 'glorotUniform';
    this.biasInit = args.biasInitializer ?? 'zeros';
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = oneShape(inputShape, this.name);
    if (s.length !== 4) throw new Error(`Input 0 of layer ${this.name} is incompatible with the layer: expected ndim=4 (NHWC), found ndim=${s.length} (shape ${fmtShapeN(s)})`);
    const cin = s[3];
    if (cin === null) throw new Error(`${this.name}: the channel dimension of the input must be known, got ${fmtShapeN(s)}`);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, cin, this.filters], this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape, this.name);
    if (s.length !== 4) throw new Error(`Input 0 of layer ${this.name} is incompatible with the layer: expected ndim=4, found ndim=${s.length}`);
    const p = parsePad(this.padding, this.name);
    const dim = (v: number | null, k: number, st: number, d: number, axis: string) => (v === null ? null : outSize(v, k, st, d, p, 0, 0, this.name, axis));
    return [s[0], dim(s[1], this.kernelSize[0], this.strides[0], this.dilationRate[0], 'height'), dim(s[2], this.kernelSize[1], this.strides[1], this.dilationRate[1], 'width'), this.filters];
  }

  /** Convolution + bias (+ ReLU when `fuseRelu`), one kernel. */
  private conv(x: Tensor, fuseRelu: boolean): Tensor {
    return fusedConv2d({ x, filter: this.kernel!, strides: this.strides, pad: this.padding, dilations: this.dilationRate, bias: this.bias, activation: fuseRelu ? 'relu' : 'linear' });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    if (x.rank !== 4) throw new Error(`Input 0 of layer ${this.name} is incompatible with the layer: expected ndim=4 (NHWC), found ndim=${x.rank}`);
    if (this.activation === 'relu') return this.conv(x, true);
    return applyActivation(this.activation, this.conv(x, false));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, dilationRate: this.dilationRate, activation: this.activation, useBias: this.useBias };
  }
}

export interface Conv2DTransposeArgs extends Conv2DArgs {}

/** Transposed convolution (Keras `Conv2DTranspose`); kernel `[kh, kw, filters, cin]`. */
export class Conv2DTranspose extends Layer {
  readonly className = 'Conv2DTranspose';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly activation: ActivationName;
  readonly useBias: boolean;
  kernel: Variable | undefined;
  bias: Variable | undefined;
  constructor(private readonly args: Conv2DTransposeArgs) {
    super(args);
    this.filters = args.filters;
    if (args.kernelSize === undefined || args.kernelSize === null) throw new Error(`${this.name}: required key 'kernelSize' not in config`);
    this.kernelSize = pair(args.kernelSize, this.name, 'kernelSize');
    this.strides = pair(args.strides ?? 1, this.name, 'strides');
    this.padding = checkPadding(args.padding, this.name);
    this.activation = checkActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = oneShape(inputShape, this.name);
    const cin = s[3];
    if (s.length !== 4 || cin === null) throw new Error(`${this.name}: expected a 4-D NHWC input with known channels, got ${fmtShapeN(s)}`);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, this.filters, cin], this.args.kernelInitializer ?? 'glorotUniform');
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.args.biasInitializer ?? 'zeros');
    super.build(inputShape);
  }
  private outDim(v: number | null, k: number, s: number): number | null {
    if (v === null) return null;
    return this.padding === 'same' ? v * s : v * s + Math.max(k - s, 0);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape, this.name);
    return [s[0], this.outDim(s[1], this.kernelSize[0], this.strides[0]), this.outDim(s[2], this.kernelSize[1], this.strides[1]), this.filters];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    const out = [x.shape[0], this.outDim(x.shape[1], this.kernelSize[0], this.strides[0])!, this.outDim(x.shape[2], this.kernelSize[1], this.strides[1])!, this.filters];
    let y = conv2dTranspose(x, this.kernel!, out, this.strides, this.padding);
    if (this.bias) y = add(y, reshape(this.bias, [1, 1, 1, this.filters]));
    return applyActivation(this.activation, y);
  }
}

export interface ZeroPadding2DArgs extends LayerArgs {
  /** Symmetric amount, `[rows, cols]`, or `[[top, bottom], [left, right]]` (default 1). */
  padding?: number | [number, number] | [[number, number], [number, number]];
}

/** Pads height and width with zeros (Keras `ZeroPadding2D`). */
export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  readonly pads: [[number, number], [number, number]];
  constructor(args: ZeroPadding2DArgs = {}) {
    super(args);
    const p = args.padding ?? 1;
    this.pads = typeof p === 'number' ? [[p, p], [p, p]] : typeof p[0] === 'number' ? [[p[0], p[0]], [p[1] as number, p[1] as number]] : (p as [[number, number], [number, number]]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape, this.name);
    const [[t, b], [l, r]] = this.pads;
    return [s[0], s[1] === null ? null : s[1] + t + b, s[2] === null ? null : s[2] + l + r, s[3]];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    return padOp(x, [[0, 0], this.pads[0], this.pads[1], [0, 0]]);
  }
}
