/** Sequential: a linear stack of layers (TF.js `tf.sequential`, Keras `Sequential`). */
import type { Tensor } from '../tensor.js';
import { fmtShape } from '../util.js';
import { input, InputLayer, Layer, type CallArgs, type Shape, SymbolicTensor } from '../layers/layer.js';
import { LayersModel } from './model.js';
import type { InferencePlan } from './inference.js';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

export class Sequential extends LayersModel {
  override readonly className = 'Sequential';
  private stack: Layer[] = [];
  private inputLayer: InputLayer | undefined;

  constructor(args: SequentialArgs = {}) {
    super({ name: args.name });
    for (const l of args.layers ?? []) this.add(l);
  }

  /** Appends a layer; the first needs `inputShape` (or the model builds on first use). */
  add(layer: Layer): void {
    if (layer instanceof InputLayer) {
      if (this.inputLayer || this.stack.length > 0) throw new Error(`${this.name}: an InputLayer can only be the first layer`);
      this.inputLayer = layer;
      this.rebuild();
      return;
    }
    if (this.stack.includes(layer)) throw new Error(`${this.name}: layer ${layer.name} was already added`);
    const hadInput = this.inputLayer;
    const wasBuilt = layer.built;
    if (!this.inputLayer && this.stack.length === 0 && layer.batchInputShape) {
      this.inputLayer = new InputLayer({ batchShape: layer.batchInputShape, name: `${layer.name}_input` });
    }
    this.stack.push(layer);
    try {
      if (this.inputLayer) this.extend(layer);
    } catch (e) {
      // A failed add changes nothing: no layer kept, no weights made.
      this.stack.pop();
      this.inputLayer = hadInput;
      if (!wasBuilt) layer.unbuild();
      throw e;
    }
  }

  /** Removes the last layer. */
  pop(): void {
    if (this.stack.length === 0) throw new Error(`${this.name}: there are no layers to pop`);
    this.stack.pop();
    this.rebuild();
  }

  /** The layers (without the input layer, as Keras). */
  override get layers(): Layer[] {
    return [...this.stack];
  }

  override get subLayers(): Layer[] {
    return this.layers;
  }

  private extend(layer: Layer): void {
    const prev = this.outputs[0] ?? this.inputLayer!.output;
    const out = layer.apply(prev);
    if (!(out instanceof SymbolicTensor)) throw new Error(`${this.name}: layer ${layer.name} has several outputs; Sequential layers must have one`);
    this.setGraph(this.inputLayer!.output, out);
  }

  private rebuild(): void {
    // The layers are re-applied below: forget their previous applications.
    for (const l of this.stack) l.inboundNodes.length = 0;
    this.outputs = [];
    this.inputs = [];
    this.nodes = [];
    this.built = false;
    if (!this.inputLayer) return;
    if (this.stack.length === 0) {
      this.inputs = [this.inputLayer.output];
      this.outputs = [this.inputLayer.output];
      return;
    }
    for (const l of this.stack) this.extend(l);
  }

  /** Builds a model whose first layer had no input shape, from a concrete input shape. */
  override build(inputShape: Shape | Shape[]): void {
    if (this.inputLayer) return;
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.inputLayer = input({ batchShape: [null, ...s.slice(1)] }).sourceLayer as InputLayer;
    this.rebuild();
  }

  override run(inputs: Tensor[], kwargs: CallArgs, logits = false, plan: InferencePlan | null = null): { outputs: Tensor[]; logits?: Tensor } {
    if (!this.inputLayer) {
      if (inputs.length !== 1) throw new Error(`${this.name}: expects one input, got ${inputs.length}`);
      this.build([...inputs[0].shape]);
    }
    if (this.stack.length === 0) throw new Error(`${this.name}: the model has no layers`);
    return super.run(inputs, kwargs, logits, plan);
  }

  override summary(lineLength?: number, positions?: number[], printFn?: (line: string) => void): void {
    if (!this.inputLayer) throw new Error(`${this.name}: this model has not yet been built. Give the first layer an inputShape, or call the model on data first.`);
    super.summary(lineLength, positions, printFn);
  }

  override toString(): string {
    return `Sequential(${this.name}: ${this.stack.map((l) => l.name).join(' -> ')}${this.inputLayer ? `, input ${fmtShape(this.inputLayer.output.shape.map((d) => d ?? -1))}` : ''})`;
  }
}

/** A Sequential model (TF.js `tf.sequential`). */
export function sequential(args?: SequentialArgs): Sequential {
  return new Sequential(args);
}
