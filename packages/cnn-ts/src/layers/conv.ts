/** Conv2D and ZeroPadding2D layers (NHWC). */
import { fusedConv2d, conv2dTranspose } from '../ops/conv.js';
import { pad as padOp } from '../ops/transform.js';
import { add } from '../ops/binary.js';
import type { Tensor, Variable } from '../tensor.js';
import { applyActivation } from './activations.js';
import { Layer, classNameOf, isChannelsFirst, type DataFormat, type LayerArgs, type Shape } from './layer.js';
import { Conv, type ConvLayerArgs } from './conv_base.js';
import { one, oneShape } from './core.js';
import { reshape } from '../ops/transform.js';

export type Conv2DArgs = ConvLayerArgs;

/** 2-D convolution layer (Keras `Conv2D`); ReLU and bias fuse into the kernel. */
export class Conv2D extends Conv {
  static readonly className: string = 'Conv2D';
  readonly className: string = 'Conv2D';
  kernel: Variable | undefined;
  bias: Variable | undefined;

  constructor(args: Conv2DArgs) {
    super(args);
  }

  override build(inputShape: Shape | Shape[]): void {
    this.kernel = this.addWeight('kernel', this.kernelShape(this.nhwc(inputShape)[3]), this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit);
    super.build(inputShape);
  }

  /** HWIO: `[kh, kw, cin, filters]`. */
  protected kernelShape(cin: number): number[] {
    return [...this.kernelSize, cin, this.filters];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w] = this.nhwc(inputShape);
    return [n, ...this.convOutHW(h, w), this.filters];
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
}

export type Conv2DTransposeArgs = ConvLayerArgs;

/**
 * Transposed convolution (Keras `Conv2DTranspose`); kernel `[kh, kw,
 * filters, cin]`. Dilation is refused (as in TF.js): the core's transposed
 * convolution is the undilated conv2d input gradient.
 */
export class Conv2DTranspose extends Conv2D {
  static override readonly className: string = 'Conv2DTranspose';
  override readonly className: string = 'Conv2DTranspose';
  constructor(args: Conv2DTransposeArgs) {
    super(args);
    if (this.dilationRate[0] !== 1 || this.dilationRate[1] !== 1) throw new Error(`${this.name}: dilationRate ${JSON.stringify(this.dilationRate)} is not supported by Conv2DTranspose; expected 1`);
  }
  /** `[kh, kw, filters, cin]`: the forward convolution's filter seen from its output. */
  protected override kernelShape(cin: number): number[] {
    return [...this.kernelSize, this.filters, cin];
  }
  private outDim(v: number | null, k: number, s: number): number | null {
    if (v === null) return null;
    return this.padding === 'same' ? v * s : v * s + Math.max(k - s, 0);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w] = this.nhwc(inputShape);
    return [n, this.outDim(h, this.kernelSize[0], this.strides[0]), this.outDim(w, this.kernelSize[1], this.strides[1]), this.filters];
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
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
  /** 'channelsLast' (NHWC, default) or 'channelsFirst' (NCHW). */
  dataFormat?: DataFormat;
}

/** Pads height and width with zeros (Keras `ZeroPadding2D`). */
export class ZeroPadding2D extends Layer {
  static readonly className = 'ZeroPadding2D';
  readonly className: string = classNameOf(this);
  readonly pads: [[number, number], [number, number]];
  constructor(args: ZeroPadding2DArgs = {}) {
    super(args);
    this.channelsFirst = isChannelsFirst(args.dataFormat, this.name);
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
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: [[...this.pads[0]], [...this.pads[1]]], dataFormat: this.channelsFirst ? 'channelsFirst' : 'channelsLast' };
  }
}
