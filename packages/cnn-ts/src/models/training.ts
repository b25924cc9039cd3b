/**
 * Keras' training loop: compile, fit (shuffling, validation split,
 * callbacks, progress), evaluate and predict, over in-core tensors, for
 * models with any number of inputs and outputs. Batches and the
 * validation part are read from the caller's tensors per batch (gather /
 * slice of one batch), never copied whole, so memory stays at the data
 * plus a few batches. `fitDataset` (training_dataset.ts) shares the loop.
 */
import { ENGINE, type TapeNode } from '../engine.js';
import { runSerially } from '../ops/kernel.js';
import { isNode } from 'cnn-worker';
import { gradientsFromTape } from '../gradients.js';
import { fromValues, oneHot, scalar, tensor } from '../ops/creation.js';
import { gather, slice, stack, concat, reshape } from '../ops/transform.js';
import { floor, isNaN as isNaNOp, log, clipByValue, neg } from '../ops/unary.js';
import { greaterEqual, less, logicalOr, mul, notEqual, squaredDifference } from '../ops/binary.js';
import { any, sum, mean, argMax } from '../ops/reduction.js';
import { cast } from '../ops/cast.js';
import { logSoftmax } from '../ops/nn.js';
import { getOptimizer, type Optimizer } from '../optimizers.js';
import { collectActivity, regularizationLoss } from '../layers/regularizers.js';
import { applyConstraints } from '../layers/constraints.js';
import { add } from '../ops/binary.js';
import { permutation } from '../random.js';
import type { Tensor } from '../tensor.js';
import { fmtShape } from '../util.js';
import { tidy } from '../globals.js';
import { aliasLogs, Callback, History, type CallbackHooks, type Logs } from './callbacks.js';
import { computeLoss, type LossName, type MetricIdentifier, type Prediction } from './losses.js';
import { LOSS_FUNCTIONS } from './loss_functions.js';
import { checkSampleCounts, metricsNames, outputSpecs, standardizeClassWeights, standardizeData, type ClassWeight, type ClassWeightMap, type OutputSpec, type PerOutputCompileArgs, type TensorOrArrayOrMap } from './multi_io.js';
import type { LayersModel } from './model.js';

export interface CompileArgs extends PerOutputCompileArgs {
  /** 'adam' | 'sgd' | 'rmsprop' or an optimizer (`tf.train.adam(0.001)`). */
  optimizer: string | Optimizer;
  /**
   * Keras loss name ('sparseCategoricalCrossentropy' or 'sparse_categorical_crossentropy',
   * 'categoricalCrossentropy', 'meanSquaredError'); for several outputs one name for all,
   * an array in output order or an object keyed by output name.
   */
  loss: string | string[] | { [outputName: string]: string };
  /**
   * ['accuracy'] (every output), one list per output, or an object keyed by output name. A metric is a
   * name ('accuracy', 'crossentropy', any `tf.metrics` name: 'mse', 'precision', ...) or a function
   * `(yTrue, yPred) => tensor` (logged under its `name`, as TF.js).
   */
  metrics?: MetricIdentifier[] | MetricIdentifier[][] | { [outputName: string]: MetricIdentifier | MetricIdentifier[] };
  /** Weights of the outputs' losses in the total loss (default 1 each). */
  lossWeights?: number[] | { [outputName: string]: number };
}

/** How often `fit` yields to the event loop (TF.js `yieldEvery`): 'auto' (every 125 ms), 'batch', 'epoch', 'never' or milliseconds. */
export type YieldEvery = 'auto' | 'batch' | 'epoch' | 'never' | number;

export interface FitArgs {
  /** Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Fraction of the samples (the last ones, before shuffling) held out for validation. */
  validationSplit?: number;
  /** Explicit validation data `[x, y]` (overrides validationSplit); tensors, arrays or objects as `x`, `y`. */
  validationData?: [TensorOrArrayOrMap, TensorOrArrayOrMap];
  /** Batch size of the validation pass (default: batchSize). */
  validationBatchSize?: number;
  /** Reshuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** 0 silent, 1 progress bar, 2 one line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  callbacks?: CallbackHooks | CallbackHooks[];
  /** First epoch index (to resume): runs epochs initialEpoch..epochs-1. */
  initialEpoch?: number;
  /** Per-class loss weights (`{0: 1, 1: 5}`), or per output name for several outputs. */
  classWeight?: ClassWeightMap | ClassWeight[];
  /** When to yield to the event loop and call `onYield` (default 'auto'). */
  yieldEvery?: YieldEvery;
  /** Reject batches whose inputs contain NaN or Infinity (default true). */
  checkFinite?: boolean;
}

export interface EvaluateArgs {
  /** Default 32. */
  batchSize?: number;
  verbose?: 0 | 1;
}

export interface PredictArgs {
  /** Default 32. */
  batchSize?: number;
  verbose?: boolean;
}

/** One batch ready for a training step. */
export interface Batch {
  xs: Tensor[];
  ys: Tensor[];
  /** Per-sample loss weights per output (class weights), or null. */
  weights: (Tensor | null)[];
  size: number;
}

/** Elements checked per chunk of the finiteness pass (1 MB temporaries). */
const FINITE_CHUNK = 1 << 18;

/**
 * Rejects data with NaN or ±Infinity before any weight changes. `x * 0` is
 * 0 for finite values and NaN otherwise, so the sum of a chunk says whether
 * it is clean; chunks keep the temporaries small, one read answers for all.
 */
async function checkFinite(named: { label: string; t: Tensor }[], caller: string): Promise<void> {
  const flags = tidy(() => {
    const parts = named.map(({ t }) => {
      const n = t.shape[0] ?? 1;
      const row = n > 0 ? t.size / n : 0;
      const rows = Math.max(1, Math.floor(FINITE_CHUNK / Math.max(1, row)));
      const sums: Tensor[] = [];
      if (t.rank === 0) sums.push(mul(t, 0));
      else for (let s = 0; s < n; s += rows) sums.push(tidy(() => sum(mul(slice(t, s, Math.min(rows, n - s)), 0))));
      return sums.length === 0 ? scalar(0) : isNaNOp(sum(stack(sums))).toFloat();
    });
    return stack(parts);
  });
  const v = await flags.data();
  flags.dispose();
  const bad = named.filter((_, i) => v[i] !== 0).map(({ label }) => label);
  if (bad.length > 0) throw new Error(`${caller}: ${bad.join(' and ')} contain${bad.length === 1 ? 's' : ''} NaN or Infinity; clean the data before training (nothing was trained)`);
}

/**
 * Rejects sparse labels that are not integers in [0, classes) before any
 * weight changes (one read): otherwise the loss kernel refuses the batch
 * after the optimizer has counted the step, and training goes on from a
 * different state than a clean run.
 */
async function checkSparseLabels(named: { label: string; t: Tensor; classes: number }[], caller: string, untouched = 'nothing was trained'): Promise<void> {
  if (named.length === 0) return;
  const flags = tidy(() => stack(named.map(({ t, classes }) => any(logicalOr(logicalOr(less(t, 0), greaterEqual(t, classes)), notEqual(floor(t), t))).toFloat())));
  const v = await flags.data();
  flags.dispose();
  const i = v.findIndex((f) => f !== 0);
  if (i < 0) return;
  // Only on failure: find the first bad label to name it.
  const { label, t, classes } = named[i];
  const values = await t.data();
  const at = Array.from(values).findIndex((l) => !(Number.isInteger(l) && l >= 0 && l < classes));
  throw new Error(`${caller}: ${label} has label ${values[at]} at sample ${at}, expected an integer in [0, ${classes}) (sparseCategoricalCrossentropy with ${classes} classes; ${untouched})`);
}

/** Tensors named for messages: `y`, or `y ('name')` when the model has several. */
function labelled(kind: string, names: string[], ts: Tensor[], prefix = ''): { label: string; t: Tensor }[] {
  return ts.map((t, i) => ({ label: `${prefix}${kind}${names.length > 1 ? ` ('${names[i]}')` : ''}`, t }));
}

function batchRanges(n: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}

function checkBatchSize(b: number | undefined, what: string): number {
  const v = b ?? 32;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what}: batchSize must be a positive integer, got ${v}`);
  return v;
}

/** Per-sample losses (not reduced over the batch), for class-weighted training. */
function sampleLosses(loss: LossName, y: Tensor, p: Prediction): Tensor {
  const out = p.output;
  switch (loss) {
    case 'sparseCategoricalCrossentropy':
    case 'categoricalCrossentropy': {
      const classes = out.shape[out.rank - 1];
      const target = loss === 'sparseCategoricalCrossentropy' ? oneHot(cast(reshape(y, [-1]), 'int32'), classes) : y;
      const logp = p.logits ? logSoftmax(p.logits) : log(clipByValue(out, 1e-7, 1 - 1e-7));
      return neg(sum(mul(target, logp), -1));
    }
    case 'meanSquaredError': {
      const d = squaredDifference(out, y.rank === out.rank ? y : reshape(y, out.shape));
      return d.rank > 1 ? mean(reshape(d, [d.shape[0], -1]), -1) : d;
    }
    default: {
      // tfjs-layers' per-sample formulas (binaryCrossentropy, hinge, huber, ...).
      const t = y.rank === out.rank ? y : reshape(y, out.shape);
      return LOSS_FUNCTIONS[loss](t, out);
    }
  }
}

/** The class of each sample of `y` (sparse labels or one-hot rows), as int32. */
function classIds(loss: LossName, y: Tensor): Tensor {
  if (loss === 'sparseCategoricalCrossentropy' || y.rank === 1 || (y.rank === 2 && y.shape[1] === 1)) return cast(reshape(y, [-1]), 'int32');
  return argMax(y, -1);
}

/** Per-sample weights from a class-weight map: classes not listed weigh 1 (Keras). */
export function classWeightsFor(spec: OutputSpec, cw: ClassWeight, y: Tensor, classes: number): Tensor {
  const table = new Float32Array(Math.max(classes, ...Object.keys(cw).map((k) => Number(k) + 1))).fill(1);
  for (const [k, w] of Object.entries(cw)) table[Number(k)] = w;
  return tidy(() => gather(fromValues(table, [table.length], 'float32'), classIds(spec.loss, y)));
}

/** The model's expected shape for each input checked against the data. */
function checkInputShapes(model: LayersModel, xs: Tensor[], caller: string, got = 'x of shape '): void {
  model.inputs.forEach((sym, i) => {
    const want = sym.shape;
    const x = xs[i];
    if (x.rank !== want.length || want.some((d, j) => d !== null && d !== x.shape[j])) {
      const which = model.inputs.length > 1 ? `input '${model.inputNames[i]}'` : 'input';
      throw new Error(`${caller}: expected ${which} of shape [${want.map((d) => d ?? 'null').join(',')}], got ${got}${fmtShape(x.shape)} (model ${model.name}, first layer ${model.layers[0]?.name ?? '?'})`);
    }
  });
}

/**
 * Targets against the model's outputs, as tfjs-layers checks them: the
 * output's shape (a sparse loss: one class id per sample, `[n]` or `[n, 1]`;
 * `[n]` for an output of width 1). Otherwise a loss could broadcast `[n, 3]`
 * targets against an `[n, 1]` output and train on nonsense.
 */
export function checkTargetShapes(model: LayersModel, specs: readonly OutputSpec[], ys: Tensor[], caller: string, what = 'target'): void {
  model.outputs.forEach((sym, i) => {
    const out = sym.shape;
    const y = ys[i];
    if (!y || !specs[i]) return;
    const inner = out.slice(1);
    const got = y.shape.slice(1);
    const same = (a: (number | null)[], b: number[]) => a.length === b.length && a.every((d, j) => d === null || d === b[j]);
    const sparse = specs[i].loss === 'sparseCategoricalCrossentropy';
    const ok = sparse ? same(inner.slice(0, -1), got) || same([...inner.slice(0, -1), 1], got) : same(inner, got) || (inner.length > 0 && inner[inner.length - 1] === 1 && same(inner.slice(0, -1), got));
    if (ok) return;
    const which = model.outputs.length > 1 ? ` of output '${model.outputNames[i]}'` : '';
    const want = sparse ? `[${[...inner.slice(0, -1), 1].map((d) => d ?? 'null').join(',')}] (one class id per sample)` : `[${inner.map((d) => d ?? 'null').join(',')}]`;
    throw new Error(`${caller}: ${what}${which} expected a batch of elements where each example has shape ${want} (loss ${specs[i].loss}, model output shape [${out.map((d) => d ?? 'null').join(',')}]), but got ${y.shape[0]} examples of shape [${got.join(',')}] (tensor shape ${fmtShape(y.shape)})`);
  });
}

/** Options of the shared epoch loop. */
export interface LoopArgs {
  caller: string;
  epochs: number;
  initialEpoch: number;
  verbose: 0 | 1 | 2;
  callbacks: CallbackHooks[];
  /** Batches per epoch when known (progress bar). */
  steps: number | null;
  yieldEvery: YieldEvery;
  /** The batches of one epoch; the loop disposes each batch's tensors. */
  epochBatches(epoch: number): AsyncIterator<Batch>;
  /** After the epoch's last batch: the validation values in `metricsNames` order, or null. */
  validate(): Promise<number[] | null>;
  /** Whether the data ran out (fitDataset with batchesPerEpoch): training ends. */
  exhausted?(): boolean;
}

export class Trainer {
  readonly optimizer: Optimizer | null;
  readonly specs: OutputSpec[];
  /** TF.js `metricsNames`: `loss`, per-output losses (several outputs), metrics. */
  readonly metricsNames: string[];
  private training = false;

  /** The optimizer was made from a name here, so it is ours to dispose (as TF.js). */
  private readonly ownsOptimizer: boolean;

  constructor(private readonly model: LayersModel, args: CompileArgs | null) {
    if (args !== null && (typeof args !== 'object' || args === undefined)) throw new Error(`compile: expects {optimizer, loss, metrics}, got ${String(args)}`);
    // Specs first: a bad loss or metric name fails before an optimizer is made.
    this.specs = args ? outputSpecs(model.outputNames, args) : [];
    this.metricsNames = metricsNames(this.specs);
    this.optimizer = args ? getOptimizer(args.optimizer) : null;
    this.ownsOptimizer = typeof args?.optimizer === 'string';
  }

  /** Frees the optimizer's state if this trainer made the optimizer (model.dispose, recompile). */
  disposeOwned(): void {
    if (this.ownsOptimizer) this.optimizer?.dispose();
  }

  /** Rejects a batch whose sparse labels are not class ids before it reaches the optimizer (one read; none without sparse losses). */
  checkBatchLabels(ys: Tensor[], caller: string, untouched?: string): Promise<void> {
    return checkSparseLabels(this.sparseTargets(labelled('y', this.model.outputNames, ys)), caller, untouched);
  }

  /** The targets (one per output, then the validation targets likewise) of outputs trained with sparse labels, with their class counts. */
  private sparseTargets(ys: { label: string; t: Tensor }[]): { label: string; t: Tensor; classes: number }[] {
    const outs = this.model.outputs.length;
    return ys.flatMap((y, k) => {
      const i = k % outs;
      const classes = this.model.outputs[i]?.shape.at(-1);
      return this.specs[i]?.loss === 'sparseCategoricalCrossentropy' && typeof classes === 'number' ? [{ ...y, classes }] : [];
    });
  }

  get compiled(): boolean {
    return this.optimizer !== null;
  }

  /** The model's inputs from `x` (tensor, array or object keyed by input name). */
  inputsOf(x: TensorOrArrayOrMap, caller: string, what = 'x'): Tensor[] {
    if (this.model.inputNames.length === 0) throw new Error(`${caller}: the model ${this.model.name} has no input yet: the first layer in a Sequential model must get an \`inputShape\` or \`batchInputShape\` argument (tfjs-layers)`);
    return standardizeData(x, this.model.inputNames, 'input', caller, what);
  }

  /** The model's targets from `y` (tensor, array or object keyed by output name). */
  targetsOf(y: TensorOrArrayOrMap, caller: string, what = 'y'): Tensor[] {
    return standardizeData(y, this.model.outputNames, 'output', caller, what);
  }

  /** Loss terms and metric values of one forward pass, stacked as `metricsNames` (means over the batch). */
  private terms(ys: Tensor[], preds: Prediction[], weights: (Tensor | null)[], penalty: Tensor | null = null): { total: Tensor; row: Tensor } {
    // Every path (fit, evaluate, trainOnBatch, datasets) checks its targets before any optimizer step.
    checkTargetShapes(this.model, this.specs, ys, 'training');
    const losses = this.specs.map((s, i) => {
      const w = weights[i];
      return w ? mean(mul(sampleLosses(s.loss, ys[i], preds[i]), w)) : computeLoss(s.loss, ys[i], preds[i]);
    });
    const data = losses.length === 1 ? losses[0] : losses.map((l, i) => mul(l, this.specs[i].weight)).reduce((a, b) => a.add(b));
    // Keras: the training loss includes the layers' weight and activity penalties.
    const total = penalty ? add(data, penalty) : data;
    const metrics = this.specs.flatMap((s, i) => s.metrics.map((m) => m.value(s.loss, ys[i], preds[i])));
    const parts = [total, ...(this.specs.length > 1 ? losses : []), ...metrics];
    return { total, row: stack(parts.map((p) => p.toFloat())) };
  }

  /** One optimisation step; returns the batch's values in `metricsNames` order as one tensor (one read). */
  trainStep(b: Batch): Tensor {
    const opt = this.optimizer!;
    const vars = this.model.trainableWeights;
    ENGINE.startScope();
    let out: Tensor | undefined;
    try {
      const prev = ENGINE.startTape();
      let t: { total: Tensor; row: Tensor };
      let tape: TapeNode[];
      try {
        const { result: preds, penalties } = collectActivity(() => this.model.forwardForLoss(b.xs, true));
        t = this.terms(b.ys, preds, b.weights, regularizationLoss(vars, penalties));
      } finally {
        tape = ENGINE.endTape(prev);
      }
      const grads = gradientsFromTape(tape, vars, t.total);
      // A trainable weight the loss does not reach is an error, never a silent skip.
      const missing = vars.filter((_, i) => !grads[i]);
      if (missing.length > 0) throw new Error(`fit: the loss does not depend on the trainable weight(s) ${missing.map((v) => `${v.name} ${fmtShape(v.shape)}`).join(', ')} (model ${this.model.name}); freeze them (layer.trainable = false) or use them in call()`);
      const pairs = vars.map((v, i) => ({ variable: v, gradient: grads[i]! }));
      opt.applyGradientsTo(pairs);
      // Keras (and TF.js's documented intent): constrained weights are projected after every step.
      applyConstraints(vars);
      out = t.row;
    } finally {
      ENGINE.endScope(out ? [out] : []);
    }
    return out;
  }

  /** The batch's values in `metricsNames` order, inference mode. */
  testStep(xs: Tensor[], ys: Tensor[]): Tensor {
    return tidy(() => this.terms(ys, this.model.forwardForLoss(xs, false), ys.map(() => null)).row);
  }

  /** Per-sample class weights of a batch's targets, per output (null where none). */
  weightsFor(ys: Tensor[], cws: (ClassWeight | null)[]): (Tensor | null)[] {
    return this.specs.map((s, i) => {
      const cw = cws[i];
      if (!cw) return null;
      const shape = this.model.outputs[i].shape;
      return classWeightsFor(s, cw, ys[i], shape[shape.length - 1] ?? 1);
    });
  }

  private requireCompiled(caller: string): void {
    if (!this.optimizer) throw new Error(`${caller}: the model must be compiled first`);
  }

  /** The epoch loop shared by `fit` and `fitDataset`: callbacks, logs, validation, stopping, yielding. */
  async loop(args: LoopArgs): Promise<History> {
    if (this.training) throw new Error('Cannot start training because another fit() call is ongoing.');
    this.training = true;
    const cbs: CallbackHooks[] = [...args.callbacks];
    for (const c of cbs) if (c instanceof Callback) c.setModel(this.model);
    let progress: CallbackHooks | undefined;
    if (args.verbose > 0 && isNode && args.steps !== null && args.steps > 0) {
      // Node-only (terminal output): `#progbar` (package.json `imports`) is
      // progbar.js under the `node` condition and a stub for browser builds.
      const { ProgbarLogger } = (await import('#progbar' as string)) as typeof import('../progress/progbar.js');
      progress = new ProgbarLogger({ verbose: args.verbose, epochs: args.epochs, steps: args.steps });
      cbs.unshift(progress);
    }
    const names = this.metricsNames;
    const history = new History();
    const yieldMs = args.yieldEvery === 'auto' ? 125 : args.yieldEvery === 'batch' ? 0 : typeof args.yieldEvery === 'number' ? args.yieldEvery : Infinity;
    let lastYield = Date.now();
    const maybeYield = async (epoch: number, batch: number, logs: Logs) => {
      if (Date.now() - lastYield < yieldMs) return;
      await new Promise((r) => setTimeout(r, 0));
      for (const c of cbs) await c.onYield?.(epoch, batch, logs);
      lastYield = Date.now();
    };
    this.model.stopTraining = false;
    // Over a container's CPU quota (CoreInfo.trainingThreads), the steps run
    // serially; the commands keep their order with the steps' own.
    const info = ENGINE.info;
    const serial = info !== undefined && info.trainingThreads < info.poolThreads;
    try {
      if (serial) runSerially(true);
      for (const c of cbs) await c.onTrainBegin?.({});
      for (let epoch = args.initialEpoch; epoch < args.epochs && !this.model.stopTraining; epoch++) {
        for (const c of cbs) await c.onEpochBegin?.(epoch, {});
        const sums = new Float64Array(names.length);
        let seen = 0;
        let b = 0;
        const it = args.epochBatches(epoch);
        let pending: Promise<IteratorResult<Batch>> = it.next();
        pending.catch(() => undefined);
        let finished = false;
        try {
          for (;;) {
            const r = await pending;
            if (r.done) {
              finished = true;
              break;
            }
            const batch = r.value;
            const blogs: Logs = { batch: b, size: batch.size };
            let row: Tensor;
            try {
              for (const c of cbs) await c.onBatchBegin?.(b, blogs);
              row = this.trainStep(batch);
            } finally {
              for (const t of [...batch.xs, ...batch.ys]) t.dispose();
              for (const w of batch.weights) w?.dispose();
            }
            // Prepare the next batch while the core runs this step.
            pending = it.next();
            pending.catch(() => undefined);
            let v: ArrayLike<number>;
            try {
              v = await row.data();
            } finally {
              row.dispose();
            }
            if (!Number.isFinite(v[0])) throw new Error(`${args.caller}: the loss became ${v[0]} at batch ${b} of epoch ${epoch + 1} (check the data for NaN/Infinity and the learning rate)`);
            seen += batch.size;
            names.forEach((n, k) => {
              sums[k] += v[k] * batch.size;
              blogs[n] = v[k];
            });
            for (const c of cbs) await c.onBatchEnd?.(b, blogs);
            await maybeYield(epoch, b, blogs);
            b++;
            if (this.model.stopTraining) break;
          }
        } finally {
          if (!finished) {
            // Release what the data side holds (prefetched batches, open files).
            const r = await pending.catch(() => undefined);
            if (r && !r.done) for (const t of [...r.value.xs, ...r.value.ys, ...r.value.weights]) t?.dispose();
            await it.return?.();
          }
        }
        const logs: Logs = {};
        if (seen > 0) names.forEach((n, k) => (logs[n] = sums[k] / seen));
        const exhausted = args.exhausted?.() ?? false;
        if (finished && !exhausted) {
          const val = await args.validate();
          if (val) names.forEach((n, k) => (logs[`val_${n}`] = val[k]));
        }
        aliasLogs(logs);
        history.record(epoch, logs);
        for (const c of cbs) await c.onEpochEnd?.(epoch, logs);
        if (args.yieldEvery === 'epoch') await maybeYield(epoch, b, logs);
        if (exhausted) break;
      }
      for (const c of cbs) await c.onTrainEnd?.({});
    } finally {
      if (serial) runSerially(false);
      this.training = false;
      // Leave the terminal clean if training failed mid-epoch.
      await progress?.onTrainEnd?.();
    }
    return history;
  }

  async fit(x: TensorOrArrayOrMap, y: TensorOrArrayOrMap, args: FitArgs): Promise<History> {
    this.requireCompiled('fit');
    const epochs = args.epochs ?? 1;
    const batchSize = checkBatchSize(args.batchSize, 'fit');
    if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
    const initialEpoch = args.initialEpoch ?? 0;
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new Error(`fit: initialEpoch must be a non-negative integer, got ${initialEpoch}`);
    const xs = this.inputsOf(x, 'fit');
    const ys = this.targetsOf(y, 'fit');
    const dataNamed = [...labelled('x', this.model.inputNames, xs), ...labelled('y', this.model.outputNames, ys)];
    const n = checkSampleCounts(dataNamed, 'fit');
    checkInputShapes(this.model, xs, 'fit');
    checkTargetShapes(this.model, this.specs, ys, 'fit');
    const split = args.validationSplit ?? 0;
    if (!(split >= 0 && split < 1)) throw new Error(`fit: validationSplit must be in [0, 1), got ${split}`);
    const cws = standardizeClassWeights(args.classWeight, this.model.outputNames, 'fit');

    // Keras: the validation split is the LAST fraction, taken before
    // shuffling. Both parts stay inside the caller's tensors: batches are
    // gathered or sliced from [0, nTrain), validation from [nTrain, n).
    let nTrain = n;
    let val: { xs: Tensor[]; ys: Tensor[]; start: number; end: number } | undefined;
    const checked = [...dataNamed];
    const targets = labelled('y', this.model.outputNames, ys);
    if (args.validationData) {
      if (!Array.isArray(args.validationData) || args.validationData.length !== 2) throw new Error('fit: validationData must be [x, y]');
      const vx = this.inputsOf(args.validationData[0], 'fit', 'validationData[0]');
      const vy = this.targetsOf(args.validationData[1], 'fit', 'validationData[1]');
      const vNamed = [...labelled('x', this.model.inputNames, vx, 'validation '), ...labelled('y', this.model.outputNames, vy, 'validation ')];
      const vn = checkSampleCounts(vNamed, 'fit (validation data)');
      checkInputShapes(this.model, vx, 'fit (validation data)');
      checkTargetShapes(this.model, this.specs, vy, 'fit (validation data)');
      checked.push(...vNamed);
      targets.push(...labelled('y', this.model.outputNames, vy, 'validation '));
      val = { xs: vx, ys: vy, start: 0, end: vn };
    } else if (split > 0) {
      nTrain = Math.floor(n * (1 - split));
      if (nTrain < 1 || nTrain >= n) throw new Error(`fit: validationSplit ${split} leaves no training or no validation samples out of ${n}`);
      val = { xs, ys, start: nTrain, end: n };
    }
    if (args.checkFinite ?? true) await checkFinite(checked, 'fit');
    await checkSparseLabels(this.sparseTargets(targets), 'fit');
    const ranges = batchRanges(nTrain, batchSize);
    const valBatch = checkBatchSize(args.validationBatchSize ?? batchSize, 'fit');
    const shuffle = args.shuffle !== false;
    const self = this;
    return this.loop({
      caller: 'fit',
      epochs,
      initialEpoch,
      verbose: args.verbose ?? 1,
      callbacks: Array.isArray(args.callbacks) ? args.callbacks : args.callbacks ? [args.callbacks] : [],
      steps: ranges.length,
      yieldEvery: args.yieldEvery ?? 'auto',
      epochBatches: async function* (): AsyncGenerator<Batch> {
        const order = shuffle ? permutation(nTrain) : null;
        for (const [s, e] of ranges) {
          yield tidy(() => {
            const idx = order ? tensor(order.subarray(s, e), [e - s], 'int32') : null;
            const take = (t: Tensor) => (idx ? gather(t, idx) : slice(t, s, e - s));
            const bx = xs.map(take);
            const by = ys.map(take);
            return { xs: bx, ys: by, weights: self.weightsFor(by, cws), size: e - s };
          });
        }
      },
      validate: async () => (val ? this.evaluateValues(val.xs, val.ys, valBatch, val.start, val.end) : null),
    });
  }

  /** Mean values (`metricsNames` order) over samples [start, end) of `xs`, `ys`, in batches; one read. */
  async evaluateValues(xs: Tensor[], ys: Tensor[], batchSize: number, start = 0, end = xs[0].shape[0]): Promise<number[]> {
    const t = this.evaluateMeans(xs, ys, batchSize, start, end);
    try {
      return Array.from(await t.data());
    } finally {
      t.dispose();
    }
  }

  private evaluateMeans(xs: Tensor[], ys: Tensor[], batchSize: number, start: number, end: number): Tensor {
    const n = end - start;
    if (n <= 0) throw new Error('evaluate: no samples');
    return tidy(() => {
      let acc: Tensor | undefined;
      for (const [s, e] of batchRanges(n, batchSize)) {
        const part = tidy(() => {
          const cut = (t: Tensor) => slice(t, start + s, e - s);
          const row = this.testStep(xs.map(cut), ys.map(cut)).mul(e - s);
          return acc ? acc.add(row) : row;
        });
        acc?.dispose();
        acc = part;
      }
      return acc!.div(n);
    });
  }

  /** Keras `evaluate`: the loss (and per-output losses and metrics) as scalars. */
  evaluate(x: TensorOrArrayOrMap, y: TensorOrArrayOrMap, args: EvaluateArgs): Tensor | Tensor[] {
    if (!this.optimizer) throw new Error('evaluate: the model must be compiled first');
    const xs = this.inputsOf(x, 'evaluate');
    const ys = this.targetsOf(y, 'evaluate');
    const n = checkSampleCounts([...xs.map((t, i) => ({ label: `x[${i}]`, t })), ...ys.map((t, i) => ({ label: `y[${i}]`, t }))], 'evaluate');
    checkInputShapes(this.model, xs, 'evaluate');
    checkTargetShapes(this.model, this.specs, ys, 'evaluate');
    const batchSize = checkBatchSize(args.batchSize, 'evaluate');
    return splitScalars(this.evaluateMeans(xs, ys, batchSize, 0, n));
  }

  /** TF.js `trainOnBatch`: one step on exactly this batch; the loss, or [loss, ...metrics]. */
  async trainOnBatch(x: TensorOrArrayOrMap, y: TensorOrArrayOrMap): Promise<number | number[]> {
    this.requireCompiled('trainOnBatch');
    const xs = this.inputsOf(x, 'trainOnBatch');
    const ys = this.targetsOf(y, 'trainOnBatch');
    const size = checkSampleCounts([...xs.map((t, i) => ({ label: `x[${i}]`, t })), ...ys.map((t, i) => ({ label: `y[${i}]`, t }))], 'trainOnBatch');
    checkInputShapes(this.model, xs, 'trainOnBatch');
    checkTargetShapes(this.model, this.specs, ys, 'trainOnBatch');
    await this.checkBatchLabels(ys, 'trainOnBatch');
    const row = this.trainStep({ xs, ys, weights: ys.map(() => null), size });
    try {
      const v = Array.from(await row.data());
      return v.length === 1 ? v[0] : v;
    } finally {
      row.dispose();
    }
  }

  /** Outputs for `x` in batches (inference mode): a tensor, or one per output. */
  predict(x: TensorOrArrayOrMap, args: PredictArgs): Tensor | Tensor[] {
    const batchSize = checkBatchSize(args.batchSize, 'predict');
    const xs = this.inputsOf(x, 'predict');
    const n = checkSampleCounts(xs.map((t, i) => ({ label: `x[${i}]`, t })), 'predict');
    checkInputShapes(this.model, xs, 'predict', '');
    const outs = tidy(() => {
      const plan = this.model.inferencePlan();
      const parts = batchRanges(n, batchSize).map(([s, e]) => this.model.run(xs.map((t) => slice(t, s, e - s)), { training: false }, false, plan).outputs);
      return this.model.outputs.map((_, o) => (parts.length === 1 ? parts[0][o] : concat(parts.map((p) => p[o]), 0)));
    });
    return outs.length === 1 ? outs[0] : outs;
  }

  /** TF.js `predictOnBatch`: the outputs for exactly this batch. */
  predictOnBatch(x: TensorOrArrayOrMap): Tensor | Tensor[] {
    const xs = this.inputsOf(x, 'predictOnBatch');
    checkInputShapes(this.model, xs, 'predictOnBatch', '');
    const outs = tidy(() => this.model.run(xs, { training: false }, false, this.model.inferencePlan()).outputs);
    return outs.length === 1 ? outs[0] : outs;
  }
}

/** A `[k]` tensor as k scalars (one tensor when k = 1). */
export function splitScalars(row: Tensor): Tensor | Tensor[] {
  const k = row.shape[0];
  const out = tidy(() => Array.from({ length: k }, (_, i) => reshape(slice(row, i, 1), [])));
  row.dispose();
  return out.length === 1 ? out[0] : out;
}
