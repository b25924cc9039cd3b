/**
 * The convolution layers' shared base, after TF.js's `BaseConv -> Conv`
 * chain (tfjs-layers/src/layers/convolutional.ts): one place checks the
 * arguments every convolution takes, computes output sizes and writes the
 * common part of `getConfig()`. `Conv2D`, `Conv2DTranspose` (conv.ts),
 * `DepthwiseConv2D` and `SeparableConv2D` (conv_depthwise.ts) build on it.
 */
import { outSize, pair, parsePad } from '../ops/conv.js';
import { checkActivation, type ActivationName } from './activations.js';
import { serializeInitializer, type InitializerIdentifier } from './initializers.js';
import { Layer, fmtShapeN, type LayerArgs, type Shape } from './layer.js';
import { oneShape } from './core.js';

export interface BaseConvLayerArgs extends LayerArgs {
  /** Kernel height and width (a number for square kernels). */
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same'. */
  padding?: 'valid' | 'same';
  /** Only 'channelsLast' (NHWC). */
  dataFormat?: 'channelsLast';
  /** Default 1. Strides and dilation cannot both be > 1 (as in TF). */
  dilationRate?: number | [number, number];
  /** Activation applied to the output (default 'linear'). */
  activation?: ActivationName;
  /** Add a bias per output channel (default true). */
  useBias?: boolean;
  /** Default 'zeros'. */
  biasInitializer?: InitializerIdentifier;
}

export interface ConvLayerArgs extends BaseConvLayerArgs {
  /** Number of output channels. */
  filters: number;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerIdentifier;
}

function checkPadding(p: string | undefined, where: string): 'valid' | 'same' {
  const v = (p ?? 'valid').toLowerCase();
  if (v !== 'valid' && v !== 'same') throw new Error(`${where}: unknown padding '${p}'; expected 'valid' or 'same'`);
  return v;
}

/** Arguments and geometry common to every 2-D convolution layer. */
export abstract class BaseConv extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  protected readonly biasInit: InitializerIdentifier;

  constructor(args: BaseConvLayerArgs) {
    super(args);
    if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast') throw new Error(`${this.name}: only dataFormat 'channelsLast' (NHWC) is supported, got '${String(args.dataFormat)}'`);
    // tfjs-layers' message for a missing kernelSize.
    if (args.kernelSize === undefined || args.kernelSize === null) throw new Error(`${this.name}: required key 'kernelSize' not in config`);
    this.kernelSize = pair(args.kernelSize, this.name, 'kernelSize');
    this.strides = pair(args.strides ?? 1, this.name, 'strides');
    this.padding = checkPadding(args.padding, this.name);
    this.dilationRate = pair(args.dilationRate ?? 1, this.name, 'dilationRate');
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw new Error(`${this.name}: strides ${JSON.stringify(this.strides)} and dilationRate ${JSON.stringify(this.dilationRate)} cannot both be > 1`);
    }
    this.activation = checkActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
    this.biasInit = args.biasInitializer ?? 'zeros';
  }

  /** The input shape as NHWC with known channels; throws naming the layer. */
  protected nhwc(inputShape: Shape | Shape[]): [number | null, number | null, number | null, number] {
    const s = oneShape(inputShape, this.name);
    if (s.length !== 4) throw new Error(`Input 0 of layer ${this.name} is incompatible with the layer: expected ndim=4 (NHWC), found ndim=${s.length} (shape ${fmtShapeN(s)})`);
    const c = s[3];
    if (c === null) throw new Error(`${this.name}: the channel dimension of the input must be known, got ${fmtShapeN(s)}`);
    return [s[0], s[1], s[2], c];
  }

  /** Output height and width of the forward convolution (TensorFlow's rule). */
  protected convOutHW(h: number | null, w: number | null): [number | null, number | null] {
    const p = parsePad(this.padding, this.name);
    const dim = (v: number | null, i: 0 | 1, axis: string) => (v === null ? null : outSize(v, this.kernelSize[i], this.strides[i], this.dilationRate[i], p, 0, 0, this.name, axis));
    return [dim(h, 0, 'height'), dim(w, 1, 'width')];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dataFormat: 'channelsLast',
      dilationRate: [...this.dilationRate],
      activation: this.activation,
      useBias: this.useBias,
      biasInitializer: serializeInitializer(this.biasInit, this.name),
    };
  }
}

/** A convolution with `filters` output channels and a `kernel`. */
export abstract class Conv extends BaseConv {
  readonly filters: number;
  protected readonly kernelInit: InitializerIdentifier;

  constructor(args: ConvLayerArgs) {
    super(args);
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new Error(`${this.name}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    this.kernelInit = args.kernelInitializer ?? 'glorotUniform';
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, kernelInitializer: serializeInitializer(this.kernelInit, this.name) };
  }
}
