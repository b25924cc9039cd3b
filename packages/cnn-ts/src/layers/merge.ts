/** Add and Concatenate layers. */
import { add } from '../ops/binary.js';
import { concat } from '../ops/transform.js';
import type { Tensor } from '../tensor.js';
import { Layer, classNameOf, fmtShapeN, type LayerArgs, type Shape } from './layer.js';
import { broadcastNull } from './merge_extra.js';

function shapes(s: Shape | Shape[], name: string): Shape[] {
  if (!(s.length > 0 && Array.isArray(s[0]))) throw new Error(`${name}: expects a list of inputs`);
  const list = s as Shape[];
  if (list.length < 2) throw new Error(`${name}: expects at least 2 inputs, got ${list.length}`);
  return list;
}

/** Element-wise sum of same-shaped inputs (Keras `Add`). */
export class Add extends Layer {
  static readonly className = 'Add';
  readonly className: string = classNameOf(this);
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const list = shapes(inputShape, this.name);
    // tfjs-layers' merge layers broadcast their inputs' shapes.
    return list.slice(1).reduce((acc, s) => broadcastNull(acc, s, this.name), list[0]);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    if (!Array.isArray(inputs) || inputs.length < 2) throw new Error(`${this.name}: expects a list of at least 2 tensors`);
    this.computeOutputShape(inputs.map((t) => [...t.shape]));
    return inputs.slice(1).reduce((acc, t) => add(acc, t), inputs[0]);
  }
}

export interface ConcatenateArgs extends LayerArgs {
  /** Default -1 (channels). */
  axis?: number;
}

/** Joins inputs along an axis (Keras `Concatenate`). */
export class Concatenate extends Layer {
  static readonly className = 'Concatenate';
  readonly className: string = classNameOf(this);
  readonly axis: number;
  constructor(args: ConcatenateArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const list = shapes(inputShape, this.name);
    const rank = list[0].length;
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    const out = [...list[0]];
    for (const s of list.slice(1)) {
      if (s.length !== rank || s.some((d, i) => i !== a && d !== null && out[i] !== null && d !== out[i])) {
        throw new Error(`${this.name}: inputs must match except on the concat axis ${a}, got ${list.map(fmtShapeN).join(', ')}`);
      }
      out[a] = out[a] === null || s[a] === null ? null : (out[a] as number) + (s[a] as number);
    }
    return out;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    if (!Array.isArray(inputs)) throw new Error(`${this.name}: expects a list of tensors`);
    return concat(inputs, this.axis);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}
