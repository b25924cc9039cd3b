/** The ReLU layer with an optional cap (Keras / TF.js `ReLU`). */
import { clipByValue, relu, relu6 } from '../ops/unary.js';
import type { Tensor } from '../tensor.js';
import { Layer, type LayerArgs, type Shape } from './layer.js';
import { one, oneShape } from './core.js';

export interface ReLULayerArgs extends LayerArgs {
  /** Upper bound of the output (none when omitted); 6 gives ReLU6 (MobileNetV2). */
  maxValue?: number;
}

/**
 * `min(max(x, 0), maxValue)` (Keras `ReLU`); the gradient is 1 inside
 * `(0, maxValue)` and 0 outside.
 * @example tf.layers.reLU({maxValue: 6})
 */
export class ReLU extends Layer {
  static readonly className = 'ReLU';
  readonly className = 'ReLU';
  readonly maxValue: number | undefined;

  constructor(args: ReLULayerArgs = {}) {
    super(args);
    const m = args.maxValue ?? undefined;
    if (m !== undefined && !(typeof m === 'number' && m >= 0)) throw new Error(`${this.name}: maxValue must be a non-negative number, got ${String(m)}`);
    this.maxValue = m;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return oneShape(inputShape, this.name);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    if (this.maxValue === undefined) return relu(x);
    if (this.maxValue === 6) return relu6(x);
    return clipByValue(x, 0, this.maxValue);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), ...(this.maxValue === undefined ? {} : { maxValue: this.maxValue }) };
  }
}
