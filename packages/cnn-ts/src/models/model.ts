/**
 * LayersModel: a graph of layers from symbolic inputs to outputs (TF.js
 * `tf.model`), itself a layer, with Keras' compile / fit / evaluate /
 * predict (see training.ts) and summary (summary.ts).
 */
import type { Tensor } from '../tensor.js';
import { fmtShape } from '../util.js';
import { InputLayer, Layer, fmtShapeN, uniqueName, type CallArgs, type LayerArgs, type Shape, type SymbolicNode, SymbolicTensor } from '../layers/layer.js';
import type { Prediction } from './losses.js';
import { softmax } from '../ops/nn.js';
import { inferencePlan, releasePlan, type InferencePlan } from './inference.js';
import { Trainer, type CompileArgs, type EvaluateArgs, type FitArgs, type PredictArgs } from './training.js';
import { evaluateDataset, fitDataset, type EvaluateDatasetArgs, type FitDatasetArgs } from './training_dataset.js';
import type { TensorOrArrayOrMap } from './multi_io.js';
import type { Dataset, LazyIterator } from '../data/dataset.js';
import type { History } from './callbacks.js';
import { summaryLines } from './summary.js';
import type { Optimizer } from '../optimizers.js';
import type { IOHandler, SaveConfig, SaveResult } from '../io/types.js';

/**
 * Model I/O, installed by io/ when the library loads (io imports this
 * module, so a static import back would be a cycle).
 */
export const modelIO: {
  toJSON?: (m: LayersModel) => Record<string, unknown>;
  save?: (m: LayersModel, handlerOrURL: IOHandler | string, config?: SaveConfig) => Promise<SaveResult>;
} = {};

export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

/** Topologically sorted nodes between `inputs` and `outputs`. */
export function graphNodes(inputs: SymbolicTensor[], outputs: SymbolicTensor[]): SymbolicNode[] {
  const order: SymbolicNode[] = [];
  const seen = new Set<SymbolicNode>();
  const isInput = new Set(inputs);
  const visit = (t: SymbolicTensor, path: Set<SymbolicNode>) => {
    if (isInput.has(t)) return;
    const node = t.node;
    if (!node) throw new Error(`model: output depends on input ${t.sourceLayer.name}, which is not among the model's inputs`);
    if (seen.has(node)) return;
    if (path.has(node)) throw new Error(`model: the graph has a cycle through ${node.layer.name}`);
    path.add(node);
    for (const i of node.inputs) visit(i, path);
    path.delete(node);
    seen.add(node);
    order.push(node);
  };
  for (const o of outputs) visit(o, new Set());
  return order;
}

export class LayersModel extends Layer {
  readonly className: string = 'Functional';
  inputs: SymbolicTensor[] = [];
  outputs: SymbolicTensor[] = [];
  protected nodes: SymbolicNode[] = [];
  /** Set by callbacks (early stopping) to end `fit` after the current epoch. */
  stopTraining = false;
  private trainer: Trainer | undefined;

  constructor(args?: Partial<ModelArgs> & LayerArgs) {
    super({ name: args?.name ?? (new.target === LayersModel ? uniqueName('model') : undefined) });
    if (args?.inputs && args.outputs) this.setGraph(args.inputs, args.outputs);
  }

  protected setGraph(inputs: SymbolicTensor | SymbolicTensor[], outputs: SymbolicTensor | SymbolicTensor[]): void {
    this.inputs = Array.isArray(inputs) ? inputs : [inputs];
    this.outputs = Array.isArray(outputs) ? outputs : [outputs];
    for (const i of this.inputs) {
      if (!(i.sourceLayer instanceof InputLayer)) throw new Error(`model: inputs must come from tf.input(), got an output of ${i.sourceLayer.name}`);
    }
    this.nodes = graphNodes(this.inputs, this.outputs);
    this.built = true;
  }

  /** The graph's nodes (layer applications), in execution order. */
  get graph(): readonly SymbolicNode[] {
    return this.nodes;
  }

  /** The model's layers in topological order (input layers first). */
  get layers(): Layer[] {
    const out: Layer[] = this.inputs.map((i) => i.sourceLayer);
    for (const n of this.nodes) if (!out.includes(n.layer)) out.push(n.layer);
    return out;
  }

  /** The model's single input (an array if it has several), as TF.js `model.input`. */
  override get input(): SymbolicTensor | SymbolicTensor[] {
    return this.inputs.length === 1 ? this.inputs[0] : this.inputs;
  }

  /** The model's single output (an array if it has several), as TF.js `model.output`. */
  override get output(): SymbolicTensor | SymbolicTensor[] {
    return this.outputs.length === 1 ? this.outputs[0] : this.outputs;
  }

  /** The layer called `name`, or at `index` (TF.js: `getLayer(name)`, `getLayer(index)` or `getLayer(undefined, index)`). */
  getLayer(nameOrIndex?: string | number, index?: number): Layer {
    if (nameOrIndex === undefined && index !== undefined) nameOrIndex = index;
    if (nameOrIndex === undefined) throw new Error('getLayer: provide a layer name or an index');
    const ls = this.layers;
    const l = typeof nameOrIndex === 'number' ? ls[nameOrIndex] : ls.find((x) => x.name === nameOrIndex);
    if (!l) throw new Error(`getLayer: no layer ${typeof nameOrIndex === 'number' ? `at index ${nameOrIndex}` : `named '${nameOrIndex}'`}`);
    return l;
  }

  override get subLayers(): Layer[] {
    return this.layers;
  }

  get inputShape(): Shape {
    return this.inputs[0].shape;
  }

  get outputShape(): Shape {
    return this.outputs[0].shape;
  }

  override computeOutputShape(): Shape | Shape[] {
    return this.outputs.length === 1 ? this.outputs[0].shape : this.outputs.map((o) => o.shape);
  }

  /**
   * Runs the graph; with `logits`, the output softmax layer also returns its
   * pre-activation values; with `plan` (predict's, models/inference.ts), the
   * plan's fused groups replace their nodes.
   */
  run(inputs: Tensor[], kwargs: CallArgs, logits = false, plan: InferencePlan | null = null): { outputs: Tensor[]; logits?: Tensor; outputLogits?: (Tensor | undefined)[] } {
    if (inputs.length !== this.inputs.length) throw new Error(`${this.name}: expects ${this.inputs.length} input(s), got ${inputs.length}`);
    const values = new Map<SymbolicTensor, Tensor>();
    this.inputs.forEach((sym, i) => {
      const x = inputs[i];
      const want = sym.shape;
      const ok = x.shape.length === want.length && want.every((d, j) => d === null || d === x.shape[j]);
      if (!ok) {
        throw new Error(`Error when checking model input: expected ${sym.sourceLayer.name} to have shape ${fmtShapeN(want)}, but got array with shape ${fmtShape(x.shape)}`);
      }
      values.set(sym, x);
    });
    // Output nodes whose softmax the loss fuses with its cross-entropy.
    const heads = new Map<SymbolicNode, number>();
    if (logits) this.outputs.forEach((o, i) => o.node && !heads.has(o.node) && heads.set(o.node, i));
    const outputLogits: (Tensor | undefined)[] = this.outputs.map(() => undefined);
    for (const node of this.nodes) {
      if (plan?.skipped.has(node)) continue;
      const group = plan?.groups.get(node);
      if (group) {
        const y = group.run(...(group.inputs.map((s) => values.get(s)!) as [Tensor, Tensor?]));
        group.outputs.forEach((s) => values.set(s, y));
        continue;
      }
      const args = node.inputs.map((s) => values.get(s)!);
      const input = node.listInput ? args : args[0];
      const opts = { ...node.callArgs, training: kwargs.training ?? node.callArgs.training };
      let out: Tensor | Tensor[];
      const head = heads.get(node);
      // Keep the logits for the fused softmax cross-entropy, where the layer has a softmax head.
      const pre = head !== undefined ? node.layer.softmaxLogits(args[0]) : null;
      if (head !== undefined && pre) {
        outputLogits[head] = pre;
        out = softmax(pre);
      } else {
        out = node.layer.apply(input as Tensor, opts);
      }
      const outs = Array.isArray(out) ? out : [out];
      node.outputs.forEach((s, i) => values.set(s, outs[i]));
    }
    return { outputs: this.outputs.map((o) => values.get(o)!), logits: outputLogits[0], outputLogits };
  }

  /** Names of the input layers, in model order (keys of `fit` / `predict` input objects). */
  get inputNames(): string[] {
    return this.inputs.map((i) => i.sourceLayer.name);
  }

  /** Names of the output layers, in model order (keys of loss / metric / `y` objects). */
  get outputNames(): string[] {
    return this.outputs.map((o) => o.sourceLayer.name);
  }

  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor | Tensor[] {
    const r = this.run(Array.isArray(inputs) ? inputs : [inputs], kwargs);
    return r.outputs.length === 1 ? r.outputs[0] : r.outputs;
  }

  /** The forward pass as the losses need it: one prediction per output, with logits where possible. */
  forwardForLoss(xs: Tensor[], training: boolean): Prediction[] {
    const r = this.run(xs, { training }, true);
    return r.outputs.map((output, i) => ({ output, logits: r.outputLogits?.[i] }));
  }

  /** Configures training (Keras `compile`). */
  compile(args: CompileArgs): void {
    const next = new Trainer(this, args);
    this.trainer?.disposeOwned();
    this.trainer = next;
    this.compileArgs = args;
  }

  /** The arguments of the last `compile` (for the saved training config). */
  compileArgs: CompileArgs | undefined;

  /** The optimizer given to `compile` (TF.js `model.optimizer`). */
  get optimizer(): Optimizer | undefined {
    return this.trainer?.optimizer ?? undefined;
  }

  /**
   * The topology as tfjs-layers' `toJSON`: a JSON string, or with
   * `returnString` false the object (`{class_name, config, keras_version, backend}`).
   */
  toJSON(unused?: unknown, returnString = true): string | Record<string, unknown> {
    if (!modelIO.toJSON) throw new Error('toJSON: model I/O is not loaded (import cnn-ts, not a sub-module)');
    const t = modelIO.toJSON(this);
    return returnString ? JSON.stringify(t) : t;
  }

  /**
   * Saves the model (TF.js `model.save`): to a URL (`file://dir` in Node,
   * `http(s)://`, `indexeddb://`, `localstorage://`, `downloads://`) or an IOHandler.
   */
  save(handlerOrURL: IOHandler | string, config?: SaveConfig): Promise<SaveResult> {
    if (!modelIO.save) return Promise.reject(new Error('save: model I/O is not loaded (import cnn-ts, not a sub-module)'));
    return modelIO.save(this, handlerOrURL, config);
  }

  /** Frees the weights, and the optimizer's state if compile() made the optimizer from a name (as TF.js). */
  override dispose(): void {
    super.dispose();
    this.trainer?.disposeOwned();
    releasePlan(this);
  }

  /** Predict's graph rewrite at the current weights (null: run the layers as they are). */
  inferencePlan(): InferencePlan | null {
    return inferencePlan(this, this.nodes, this.outputs);
  }

  private compiled(what: string): Trainer {
    if (!this.trainer) throw new Error(`${what}: the model must be compiled first (model.compile({optimizer, loss, metrics}))`);
    return this.trainer;
  }

  /**
   * Trains on `x`, `y` (Keras `fit`); resolves to the History. For several
   * inputs / outputs pass arrays in model order or objects keyed by name.
   * @example await model.fit(x, y, { epochs: 5, batchSize: 64, validationSplit: 0.1 });
   */
  fit(x: TensorOrArrayOrMap, y: TensorOrArrayOrMap, args: FitArgs = {}): Promise<History> {
    return this.compiled('fit').fit(x, y, args);
  }

  /**
   * Trains on a dataset of `{xs, ys}` batches (TF.js `fitDataset`).
   * @example await model.fitDataset(ds.shuffle(1000).batch(32), { epochs: 5, validationData: valDs });
   */
  fitDataset<T>(dataset: Dataset<T>, args: FitDatasetArgs<T>): Promise<History> {
    return fitDataset(this.compiled('fitDataset'), this, dataset, args);
  }

  /** The loss and metrics over a dataset of `{xs, ys}` batches (TF.js `evaluateDataset`), as scalars. */
  evaluateDataset<T>(dataset: Dataset<T> | LazyIterator<T>, args: EvaluateDatasetArgs = {}): Promise<Tensor | Tensor[]> {
    return evaluateDataset(this.compiled('evaluateDataset'), this, dataset, args);
  }

  /** Loss (and per-output losses and metrics, as `metricsNames`) on `x`, `y`, as scalars. */
  evaluate(x: TensorOrArrayOrMap, y: TensorOrArrayOrMap, args: EvaluateArgs = {}): Tensor | Tensor[] {
    return this.compiled('evaluate').evaluate(x, y, args);
  }

  /** One optimisation step on exactly this batch (TF.js `trainOnBatch`): the loss, or [loss, ...metrics]. */
  trainOnBatch(x: TensorOrArrayOrMap, y: TensorOrArrayOrMap): Promise<number | number[]> {
    return this.compiled('trainOnBatch').trainOnBatch(x, y);
  }

  /** Names of what `evaluate` and `trainOnBatch` return and callbacks log (`loss`, `out_loss`, `acc`, ...). */
  get metricsNames(): string[] {
    return this.trainer?.metricsNames ?? [];
  }

  /** Outputs for `x`, in batches, inference mode: a tensor, or an array for several outputs. */
  predict(x: TensorOrArrayOrMap, args: PredictArgs = {}): Tensor | Tensor[] {
    return new Trainer(this, null).predict(x, args);
  }

  /** Outputs for exactly this batch (TF.js `predictOnBatch`). */
  predictOnBatch(x: TensorOrArrayOrMap): Tensor | Tensor[] {
    return new Trainer(this, null).predictOnBatch(x);
  }

  /** Keras-style table of layers, output shapes and parameter counts. */
  summary(lineLength?: number, positions?: number[], printFn: (line: string) => void = console.log): void {
    for (const l of summaryLines(this, lineLength, positions)) printFn(l);
  }
}

/** A functional model from symbolic inputs and outputs (TF.js `tf.model`). */
export function model(args: ModelArgs): LayersModel {
  return new LayersModel(args);
}
