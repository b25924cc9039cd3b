/** Max / average pooling and global pooling layers (NHWC). */
import { avgPool, globalPool, maxPool, outSize, pair, parsePad } from '../ops/conv.js';
import { reshape } from '../ops/transform.js';
import type { Tensor } from '../tensor.js';
import { Layer, classNameOf, fmtShapeN, isChannelsFirst, type DataFormat, type LayerArgs, type Shape } from './layer.js';
import { one, oneShape } from './core.js';

export interface Pooling2DArgs extends LayerArgs {
  /** Window size (default 2). */
  poolSize?: number | [number, number];
  /** Default: `poolSize`. */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same'. */
  padding?: 'valid' | 'same';
  /** 'channelsLast' (NHWC, default) or 'channelsFirst' (NCHW). */
  dataFormat?: DataFormat;
}

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  constructor(args: Pooling2DArgs) {
    super(args);
    this.channelsFirst = isChannelsFirst(args.dataFormat, this.name);
    this.poolSize = pair(args.poolSize ?? 2, this.name, 'poolSize');
    this.strides = args.strides === undefined || args.strides === null ? this.poolSize : pair(args.strides, this.name, 'strides');
    const p = (args.padding ?? 'valid').toLowerCase();
    if (p !== 'valid' && p !== 'same') throw new Error(`${this.name}: unknown padding '${args.padding}'; expected 'valid' or 'same'`);
    this.padding = p;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape, this.name);
    if (s.length !== 4) throw new Error(`Input 0 of layer ${this.name} is incompatible with the layer: expected ndim=4, found ndim=${s.length} (${fmtShapeN(s)})`);
    const p = parsePad(this.padding, this.name);
    const dim = (v: number | null, k: number, st: number, axis: string) => (v === null ? null : outSize(v, k, st, 1, p, 0, 0, this.name, axis));
    return [s[0], dim(s[1], this.poolSize[0], this.strides[0], 'height'), dim(s[2], this.poolSize[1], this.strides[1], 'width'), s[3]];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding, dataFormat: this.channelsFirst ? 'channelsFirst' : 'channelsLast' };
  }
}

export class MaxPooling2D extends Pooling2D {
  static readonly className = 'MaxPooling2D';
  readonly className: string = classNameOf(this);
  call(inputs: Tensor | Tensor[]): Tensor {
    return maxPool(one(inputs, this.name), this.poolSize, this.strides, this.padding);
  }
}

export class AveragePooling2D extends Pooling2D {
  static readonly className = 'AveragePooling2D';
  readonly className: string = classNameOf(this);
  call(inputs: Tensor | Tensor[]): Tensor {
    return avgPool(one(inputs, this.name), this.poolSize, this.strides, this.padding);
  }
}

export interface GlobalPooling2DArgs extends LayerArgs {
  /** Keep the spatial axes as size 1 (default false). */
  keepDims?: boolean;
  /** 'channelsLast' (NHWC, default) or 'channelsFirst' (NCHW). */
  dataFormat?: DataFormat;
}

abstract class GlobalPooling2D extends Layer {
  readonly keepDims: boolean;
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args);
    this.channelsFirst = isChannelsFirst(args.dataFormat, this.name);
    this.keepDims = args.keepDims ?? false;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape, this.name);
    if (s.length !== 4) throw new Error(`Input 0 of layer ${this.name} is incompatible with the layer: expected ndim=4, found ndim=${s.length}`);
    return this.keepDims ? [s[0], 1, 1, s[3]] : [s[0], s[3]];
  }
  protected finish(y: Tensor): Tensor {
    return this.keepDims ? reshape(y, [y.shape[0], 1, 1, y.shape[1]]) : y;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dataFormat: this.channelsFirst ? 'channelsFirst' : 'channelsLast', keepDims: this.keepDims };
  }
}

export class GlobalAveragePooling2D extends GlobalPooling2D {
  static readonly className = 'GlobalAveragePooling2D';
  readonly className: string = classNameOf(this);
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.finish(globalPool(one(inputs, this.name), 'avg'));
  }
}

export class GlobalMaxPooling2D extends GlobalPooling2D {
  static readonly className = 'GlobalMaxPooling2D';
  readonly className: string = classNameOf(this);
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.finish(globalPool(one(inputs, this.name), 'max'));
  }
}
