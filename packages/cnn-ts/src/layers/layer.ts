/**
 * The layer base class (TF.js `tf.layers.Layer`): weights, lazy `build`,
 * `call`, output-shape inference, and symbolic application for functional
 * models. Subclass it with your own `call()` and sub-layers (assigned as
 * properties); their weights are tracked like Keras tracks attributes.
 */
import { ENGINE } from '../engine.js';
import { fromValues, variable, zeros } from '../ops/creation.js';
import { tidy } from '../globals.js';
import { Tensor, Variable } from '../tensor.js';
import type { DataType } from '../types.js';
import { fmtShape } from '../util.js';
import { getInitializer, type InitializerIdentifier } from './initializers.js';
import { Serializable, type ConfigDict, type SerializableConstructor } from '../serialization.js';
import { recordActivity, registerWeight, regularizersFromArgs, type LayerRegularizers, type RegularizerIdentifier } from './regularizers.js';

/** A shape whose first (batch) dimension may be unknown. */
export type Shape = (number | null)[];

/** Arguments every layer takes (TF.js `LayerArgs`). */
export interface LayerArgs {
  /** Unique name (default: the class name in snake_case, numbered). */
  name?: string;
  /** Whether the layer's weights are updated by training (default true). */
  trainable?: boolean;
  /** Input shape without the batch axis; makes this the model's first layer. */
  inputShape?: number[];
  /** Input shape with the batch axis (null for any batch size). */
  batchInputShape?: Shape;
  /** Batch size used with `inputShape`. */
  batchSize?: number;
  dtype?: DataType;
  /** Penalty on the layer's output, added to the training loss (`tf.regularizers.l2()`). */
  activityRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the weight named `kernel` (Dense, Conv2D, ...). */
  kernelRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the weight named `bias`. */
  biasRegularizer?: RegularizerIdentifier | null;
}

/** Options passed to `call`. */
export interface CallArgs {
  /** Training mode (dropout active, batch norm uses batch statistics). */
  training?: boolean;
}

/** One application of a layer to symbolic inputs: a node of a model's graph. */
export interface SymbolicNode {
  layer: Layer;
  inputs: SymbolicTensor[];
  /** Whether the layer was given a list (even of one). */
  listInput: boolean;
  outputs: SymbolicTensor[];
  callArgs: CallArgs;
}

/** Output of a layer applied to symbolic inputs (functional models). */
export class SymbolicTensor {
  /** The application that produced it (null for model inputs). */
  node: SymbolicNode | null = null;
  constructor(
    readonly shape: Shape,
    readonly dtype: DataType,
    /** Layer that produced this tensor (an InputLayer for model inputs). */
    readonly sourceLayer: Layer,
    /** Index among the node's outputs. */
    readonly outputIndex: number,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
}

const nameCounts = new Map<string, number>();

/** Gives the values of a weight `layer/name` of `shape` being created, or undefined. */
export type WeightSource = (name: string, shape: number[]) => Float32Array | undefined;
let weightSource: WeightSource | null = null;
/**
 * Runs `f` with weights taken from `source` where it has them and zeros
 * elsewhere, instead of drawn by their initialisers (TF.js' fastWeightInit):
 * for loads, which then upload each weight once.
 */
export function withWeightSource<T>(source: WeightSource, f: () => T): T {
  const prev = weightSource;
  weightSource = source;
  try {
    return f();
  } finally {
    weightSource = prev;
  }
}

/** Keras-style unique names: `conv2d`, `conv2d_1`, ... */
export function uniqueName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** `Conv2D` -> `conv2d`, `MaxPooling2D` -> `max_pooling2d` (Keras' `to_snake_case`). */
export function snakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export type LayerInput = Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[];

/**
 * The registered class name of `layer`'s class (its `static className`), for
 * instance `className` fields: `readonly className: string = classNameOf(this)`.
 */
export function classNameOf(layer: object): string {
  const ctor = layer.constructor as { className?: unknown; name: string };
  return typeof ctor.className === 'string' && ctor.className.length > 0 ? ctor.className : ctor.name;
}

export abstract class Layer extends Serializable {
  /** Keras class name (`Conv2D`), used for names, summaries and configs; the class's `static className`. */
  abstract readonly className: string;
  readonly name: string;
  built = false;
  /** Set from `inputShape` / `batchInputShape`: this layer can start a model. */
  readonly batchInputShape: Shape | undefined;
  readonly dtype: DataType;
  private readonly ownWeights: Variable[] = [];
  /** Weights created non-trainable (batch-norm moving statistics): freezing never flips them back. */
  private readonly fixedWeights = new Set<Variable>();
  /** The layer's regularizers (null: none). */
  protected readonly regularizers: LayerRegularizers | null;
  private trainableFlag = true;
  /** Input shape this layer was built with. */
  protected builtInputShape: Shape | Shape[] | undefined;

  constructor(args: LayerArgs = {}) {
    super();
    const stat = (new.target as unknown as { className?: unknown }).className;
    const base = typeof stat === 'string' && stat ? stat : new.target.name.replace(/Layer$/, '');
    this.name = args.name ?? uniqueName(snakeCase(base || 'layer'));
    // A class with only `static className` (TF.js style, or plain JS) gets the
    // instance name from it; a subclass field of the same name overrides this.
    if (typeof stat === 'string' && stat) Object.defineProperty(this, 'className', { value: stat, writable: true, configurable: true, enumerable: true });
    // No weights or sub-layers exist yet: set the flag, not the propagating setter.
    this.trainableFlag = args.trainable ?? true;
    this.dtype = args.dtype ?? 'float32';
    // kernelRegularizer / biasRegularizer / activityRegularizer (by weight name, as Keras names weights).
    this.regularizers = regularizersFromArgs(args, this.name);
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
  }

  /**
   * Whether training updates the layer's weights. Setting it (also on a
   * model) sets the `trainable` flag of the layer's variables and of its
   * sub-layers', as TF.js does, so `tf.variableGrads` and optimizers leave
   * frozen weights alone.
   */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    this.trainableFlag = value;
    for (const w of this.ownWeights) if (!this.fixedWeights.has(w)) w.trainable = value;
    for (const s of this.subLayers) s.trainable = value;
  }

  /** The layer's applications to symbolic tensors, in order (TF.js `inboundNodes`). */
  readonly inboundNodes: SymbolicNode[] = [];

  /** The symbolic input of the layer's only application (TF.js `layer.input`). */
  get input(): SymbolicTensor | SymbolicTensor[] {
    const n = this.onlyNode('input');
    return n.listInput ? n.inputs : n.inputs[0];
  }

  /** The symbolic output of the layer's only application (TF.js `layer.output`). */
  get output(): SymbolicTensor | SymbolicTensor[] {
    const n = this.onlyNode('output');
    return n.outputs.length === 1 ? n.outputs[0] : n.outputs;
  }

  private onlyNode(what: string): SymbolicNode {
    if (this.inboundNodes.length === 0) throw new Error(`Layer ${this.name} is not connected, no ${what} to return.`);
    if (this.inboundNodes.length > 1) throw new Error(`Layer ${this.name} has multiple inbound nodes, hence the notion of "layer ${what}" is ill-defined. Use \`getNodeAt(nodeIndex)\` instead.`);
    return this.inboundNodes[0];
  }

  /**
   * TF.js custom layers call `this.invokeCallHook(inputs, kwargs)` at the
   * start of `call()`: it runs the hook set with `setCallHook` (none by default).
   */
  protected invokeCallHook(inputs: Tensor | Tensor[], kwargs: CallArgs): void {
    this.callHook?.(inputs, kwargs);
  }

  private callHook: ((inputs: Tensor | Tensor[], kwargs: CallArgs) => void) | undefined;

  /** Sets a function run by {@link invokeCallHook} (TF.js `setCallHook`). */
  setCallHook(hook: (inputs: Tensor | Tensor[], kwargs: CallArgs) => void): void {
    this.callHook = hook;
  }

  clearCallHook(): void {
    this.callHook = undefined;
  }

  /** Creates the weights for `inputShape`; called once, before the first `call`. */
  build(inputShape: Shape | Shape[]): void {
    this.builtInputShape = inputShape;
    this.built = true;
  }

  /** The layer's computation on concrete tensors. */
  abstract call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor | Tensor[];

  /**
   * Output shape for `inputShape`. The default runs `call` once on zeros
   * with batch 1 and reads the result's shape (so custom layers need not
   * override it); built-in layers compute it directly.
   */
  /**
   * For a layer whose output is `softmax(z)`: `z` from its input, so that a
   * training loss can fuse the softmax with its cross-entropy (asked for by
   * the model's `forwardForLoss`). Null (the default) when the layer has no
   * softmax head.
   */
  softmaxLogits(_input: Tensor): Tensor | null {
    return null;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const multi = isShapeList(inputShape);
    const shapes: Shape[] = multi ? (inputShape as Shape[]) : [inputShape as Shape];
    const prevTape = ENGINE.tape;
    ENGINE.tape = null;
    try {
      return tidy(() => {
        const xs = shapes.map((s) => zeros(s.map((d) => d ?? 1)));
        const y = this.call(multi ? xs : xs[0], { training: false });
        const out = (Array.isArray(y) ? y : [y]).map((t, i) => t.shape.map((d, j) => (j === 0 && shapes[Math.min(i, shapes.length - 1)][0] === null ? null : d)));
        return Array.isArray(y) ? out : out[0];
      }) as Shape | Shape[];
    } finally {
      ENGINE.tape = prevTape;
    }
  }

  /**
   * Applies the layer: to concrete tensors (computes now), or to symbolic
   * tensors (records a graph node for `tf.model`).
   */
  apply(inputs: SymbolicTensor, kwargs?: CallArgs): SymbolicTensor;
  apply(inputs: SymbolicTensor[], kwargs?: CallArgs): SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor, kwargs?: CallArgs): Tensor;
  apply(inputs: Tensor[], kwargs?: CallArgs): Tensor | Tensor[];
  apply(inputs: LayerInput, kwargs: CallArgs = {}): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length > 0 && list.every((t) => t instanceof SymbolicTensor)) {
      const sym = list as SymbolicTensor[];
      const inShape = Array.isArray(inputs) ? sym.map((s) => s.shape) : sym[0].shape;
      this.ensureBuilt(inShape);
      // Sub-layers of a custom layer are built by running it once (Keras
      // builds them while tracing call()); that also gives the output shape.
      const out = this.subLayers.some((l) => !l.built) ? Layer.prototype.computeOutputShape.call(this, inShape) : this.computeOutputShape(inShape);
      const outs = isShapeList(out) ? (out as Shape[]) : [out as Shape];
      const made = outs.map((s, i) => new SymbolicTensor(s, this.dtype, this, i));
      const node: SymbolicNode = { layer: this, inputs: sym, listInput: Array.isArray(inputs), outputs: made, callArgs: kwargs };
      for (const m of made) m.node = node;
      this.inboundNodes.push(node);
      return made.length === 1 && !isShapeList(out) ? made[0] : made;
    }
    if (list.some((t) => t instanceof SymbolicTensor)) throw new Error(`${this.name}: cannot mix symbolic and concrete inputs`);
    const concrete = list as Tensor[];
    this.ensureBuilt(Array.isArray(inputs) ? concrete.map((t) => [...t.shape]) : [...concrete[0].shape]);
    this.checkInput(concrete);
    const y = this.call(Array.isArray(inputs) ? concrete : concrete[0], kwargs);
    recordActivity(this.regularizers, y);
    return y;
  }

  private ensureBuilt(shape: Shape | Shape[]): void {
    if (!this.built) this.build(shape);
  }

  /** Checks concrete inputs against the declared input shape. */
  protected checkInput(inputs: Tensor[]): void {
    const expect = this.batchInputShape;
    if (!expect || inputs.length !== 1) return;
    const got = inputs[0].shape;
    const ok = got.length === expect.length && expect.every((d, i) => d === null || d === got[i]);
    if (!ok) throw new Error(`Input 0 of layer ${this.name} is incompatible with the layer: expected shape ${fmtShapeN(expect)}, found shape ${fmtShape(got)}`);
  }

  /** Creates a weight variable (TF.js `addWeight`). */
  protected addWeight(name: string, shape: number[], initializer: InitializerIdentifier, trainable = true): Variable {
    const init = getInitializer(initializer, 'glorotUniform', this.name);
    const given = weightSource?.(`${this.name}/${name}`, shape);
    const value = given ? fromValues(given, [...shape], 'float32') : weightSource ? zeros(shape) : init.apply(shape);
    const v = variable(value, trainable && this.trainable, `${this.name}/${name}`);
    value.dispose();
    this.ownWeights.push(v);
    if (!trainable) this.fixedWeights.add(v);
    registerWeight(this.regularizers, name, v);
    return v;
  }

  /** Layers held in this layer's properties (Keras-style attribute tracking). */
  get subLayers(): Layer[] {
    const out: Layer[] = [];
    for (const v of Object.values(this)) {
      if (v instanceof Layer && v !== this) out.push(v);
      else if (Array.isArray(v)) for (const e of v) if (e instanceof Layer) out.push(e);
    }
    return out;
  }

  /** All weights, own then sub-layers', unique (trainable or not). */
  private allWeights(): Variable[] {
    const seen = new Set<Variable>();
    const walk = (l: Layer) => {
      for (const w of l.ownWeights) seen.add(w);
      for (const s of l.subLayers) walk(s);
    };
    walk(this);
    return [...seen];
  }

  /** All weights as TF.js orders them: the trainable ones first, then the non-trainable ones. */
  get weights(): Variable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  get trainableWeights(): Variable[] {
    if (!this.trainable) return [];
    const seen = new Set<Variable>();
    const walk = (l: Layer) => {
      if (!l.trainable) return;
      for (const w of l.ownWeights) if (w.trainable) seen.add(w);
      for (const s of l.subLayers) walk(s);
    };
    walk(this);
    return [...seen];
  }

  get nonTrainableWeights(): Variable[] {
    const t = new Set(this.trainableWeights);
    return this.allWeights().filter((w) => !t.has(w));
  }

  /** Number of scalars in the weights (as Keras counts them). */
  countParams(): number {
    return this.weights.reduce((s, w) => s + w.size, 0);
  }

  /** Copies of the weight values, in `weights` order. */
  getWeights(trainableOnly = false): Tensor[] {
    return (trainableOnly ? this.trainableWeights : this.weights).map((w) => w.clone());
  }

  /** Sets the weight values, in `weights` order; shapes must match. */
  setWeights(values: Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) throw new Error(`${this.name}: setWeights got ${values.length} arrays, the layer has ${ws.length} weights`);
    ws.forEach((w, i) => {
      if (values[i].shape.length !== w.shape.length || values[i].shape.some((d, j) => d !== w.shape[j])) {
        throw new Error(`${this.name}: weight ${w.name} has shape ${fmtShape(w.shape)}, the value given has shape ${fmtShape(values[i].shape)}`);
      }
    });
    ws.forEach((w, i) => w.assign(values[i]));
  }

  override getClassName(): string {
    return this.className;
  }

  /**
   * The layer's configuration: every constructor argument, with TF.js'
   * camelCase keys (as `getConfig` in tfjs-layers); `new Cls(config)`
   * rebuilds the layer. Subclasses merge theirs with `super.getConfig()`.
   */
  getConfig(): Record<string, unknown> {
    return { name: this.name, trainable: this.trainable, ...(this.batchInputShape ? { batchInputShape: [...this.batchInputShape] } : {}), dtype: this.dtype, ...(this.regularizers?.config ?? {}) };
  }

  /** Builds a layer from its config (TF.js `fromConfig`): `new cls(config)`; a null value means the default. */
  static override fromConfig<T extends Serializable>(cls: SerializableConstructor<T>, config: ConfigDict): T {
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) if (v !== null) args[k] = v;
    return new cls(args);
  }

  /** Frees the weights. */
  dispose(): void {
    for (const w of this.weights) w.dispose();
  }

  /** Undoes a build that did not complete (a failed `Sequential.add`): frees its weights. */
  unbuild(): void {
    for (const w of this.ownWeights) w.dispose();
    this.ownWeights.length = 0;
    this.built = false;
    this.builtInputShape = undefined;
  }
}

function isShapeList(s: Shape | Shape[]): boolean {
  return s.length > 0 && s.every((e) => Array.isArray(e));
}

export function fmtShapeN(s: Shape): string {
  return `[${s.map((d) => (d === null ? 'null' : d)).join(',')}]`;
}

/** The model's entry point (TF.js `tf.input`'s layer). */
export class InputLayer extends Layer {
  static readonly className = 'InputLayer';
  readonly className: string = classNameOf(this);
  private readonly symbolic: SymbolicTensor;
  /** Also accepts its own config (`batchInputShape`, as tfjs-layers writes it). */
  constructor(args: { shape?: number[]; batchShape?: Shape; batchSize?: number; name?: string; dtype?: DataType; batchInputShape?: Shape; inputShape?: number[]; sparse?: boolean }) {
    const shape = args.shape ?? args.inputShape;
    const batchShape = args.batchShape ?? args.batchInputShape ?? (shape ? [args.batchSize ?? null, ...shape] : undefined);
    if (!batchShape) throw new Error('input: needs `shape` or `batchShape`');
    if (args.sparse) throw new Error(`input ${args.name ?? ''}: sparse inputs are not supported`);
    super({ name: args.name ?? uniqueName('input'), batchInputShape: batchShape, dtype: args.dtype });
    this.built = true;
    this.symbolic = new SymbolicTensor(batchShape, this.dtype, this, 0);
  }
  /** The symbolic tensor this input layer feeds into the model. */
  override get output(): SymbolicTensor {
    return this.symbolic;
  }
  override get input(): SymbolicTensor {
    return this.symbolic;
  }
  call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    return inputs;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }
  override getConfig(): Record<string, unknown> {
    return { batchInputShape: [...this.batchInputShape!], dtype: this.dtype, sparse: false, name: this.name };
  }
}

/** A symbolic model input (TF.js `tf.input`). */
export function input(args: { shape?: number[]; batchShape?: Shape; batchSize?: number; name?: string; dtype?: DataType }): SymbolicTensor {
  return new InputLayer(args).output;
}
