/**
 * Keras' training loop: compile, fit (shuffling, validation split,
 * callbacks, progress), evaluate and predict, over in-core tensors.
 */
import { ENGINE, type TapeNode } from '../engine.js';
import { isNode } from 'cnn-worker';
import { gradientsFromTape } from '../gradients.js';
import { tensor } from '../ops/creation.js';
import { gather, slice, stack, concat } from '../ops/transform.js';
import { abs, isNaN as isNaNOp } from '../ops/unary.js';
import { equal, logicalOr } from '../ops/binary.js';
import { any } from '../ops/reduction.js';
import { getOptimizer, type Optimizer } from '../optimizers.js';
import { permutation } from '../random.js';
import type { Tensor } from '../tensor.js';
import { fmtShape } from '../util.js';
import { tidy } from '../globals.js';
import { Callback, History, type CallbackHooks, type Logs } from './callbacks.js';
import { checkLoss, checkMetric, computeLoss, correctCount, type LossName, type MetricName, type Prediction } from './losses.js';
import type { LayersModel } from './model.js';

export interface CompileArgs {
  /** 'adam' | 'sgd' | 'rmsprop' or an optimizer (`tf.train.adam(0.001)`). */
  optimizer: string | Optimizer;
  /** Keras loss name: 'sparseCategoricalCrossentropy' (or 'sparse_categorical_crossentropy'), 'categoricalCrossentropy', 'meanSquaredError'. */
  loss: string;
  /** ['accuracy'] or ['acc']. */
  metrics?: string[];
}

export interface FitArgs {
  /** Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Fraction of the samples (the last ones, before shuffling) held out for validation. */
  validationSplit?: number;
  /** Explicit validation data (overrides validationSplit). */
  validationData?: [Tensor, Tensor];
  /** Reshuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** 0 silent, 1 progress bar, 2 one line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  callbacks?: CallbackHooks | CallbackHooks[];
  /** First epoch index (to resume). */
  initialEpoch?: number;
  /** Reject batches whose inputs contain NaN or Infinity (default true). */
  checkFinite?: boolean;
}

export interface EvaluateArgs {
  batchSize?: number;
}

export interface PredictArgs {
  batchSize?: number;
}

/** Rejects data with NaN or ±Infinity before any weight changes (one read for all). */
async function checkFinite(named: [string, Tensor][]): Promise<void> {
  const flags = tidy(() => stack(named.map(([, t]) => any(logicalOr(isNaNOp(t), equal(abs(t), Infinity))).toFloat())));
  const v = await flags.data();
  flags.dispose();
  const bad = named.filter((_, i) => v[i] !== 0).map(([n]) => n);
  if (bad.length > 0) throw new Error(`fit: ${bad.join(' and ')} contain${bad.length === 1 ? 's' : ''} NaN or Infinity; clean the data before training (nothing was trained)`);
}

function batches(n: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}

function checkBatchSize(b: number | undefined, what: string): number {
  const v = b ?? 32;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what}: batchSize must be a positive integer, got ${v}`);
  return v;
}

export class Trainer {
  readonly optimizer: Optimizer | null;
  readonly loss: LossName | null;
  readonly metric: MetricName | null;

  constructor(private readonly model: LayersModel, args: CompileArgs | null) {
    this.optimizer = args ? getOptimizer(args.optimizer) : null;
    this.loss = args ? checkLoss(args.loss) : null;
    this.metric = args?.metrics && args.metrics.length > 0 ? checkMetric(args.metrics[0]) : null;
    if (args?.metrics && args.metrics.length > 1) throw new Error(`compile: only one metric ('accuracy') is supported, got ${args.metrics.join(', ')}`);
  }

  private checkData(x: Tensor, y: Tensor, what: string): void {
    if (x.shape[0] !== y.shape[0]) throw new Error(`${what}: x and y must have the same number of samples, got ${x.shape[0]} (x ${fmtShape(x.shape)}) and ${y.shape[0]} (y ${fmtShape(y.shape)})`);
    const want = this.model.inputs[0]?.shape;
    if (want && (x.rank !== want.length || want.some((d, i) => d !== null && d !== x.shape[i]))) {
      throw new Error(`${what}: expected input of shape [${want.map((d) => d ?? 'null').join(',')}], got x of shape ${fmtShape(x.shape)} (model ${this.model.name}, first layer ${this.model.layers[0]?.name ?? '?'})`);
    }
  }

  /** One optimisation step; returns [loss, correct] as one tensor (one read). */
  private step(xb: Tensor, yb: Tensor): Tensor {
    const opt = this.optimizer!;
    const loss = this.loss!;
    const vars = this.model.trainableWeights;
    ENGINE.startScope();
    let out: Tensor | undefined;
    try {
      const prev = ENGINE.startTape();
      let value: Tensor;
      let pred: Prediction;
      let tape: TapeNode[];
      try {
        pred = this.model.forwardForLoss(xb, true);
        value = computeLoss(loss, yb, pred);
      } finally {
        tape = ENGINE.endTape(prev);
      }
      const grads = gradientsFromTape(tape, vars, value);
      const pairs = vars.flatMap((v, i) => (grads[i] ? [{ variable: v, gradient: grads[i]! }] : []));
      opt.applyGradientsTo(pairs);
      const parts = [value, this.metric ? correctCount(loss, yb, pred) : tensor(0)];
      out = stack(parts.map((p) => p.toFloat()));
    } finally {
      ENGINE.endScope(out ? [out] : []);
    }
    return out;
  }

  async fit(x: Tensor, y: Tensor, args: FitArgs): Promise<History> {
    if (!this.optimizer || !this.loss) throw new Error('fit: the model must be compiled first');
    const epochs = args.epochs ?? 1;
    const batchSize = checkBatchSize(args.batchSize, 'fit');
    if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
    this.checkData(x, y, 'fit');
    const split = args.validationSplit ?? 0;
    if (!(split >= 0 && split < 1)) throw new Error(`fit: validationSplit must be in [0, 1), got ${split}`);

    // Keras: the validation split is the LAST fraction, taken before shuffling.
    const n = x.shape[0];
    let xTrain = x;
    let yTrain = y;
    let val: [Tensor, Tensor] | undefined = args.validationData;
    const owned: Tensor[] = [];
    if (!val && split > 0) {
      const nTrain = Math.floor(n * (1 - split));
      if (nTrain < 1 || nTrain >= n) throw new Error(`fit: validationSplit ${split} leaves no training or no validation samples out of ${n}`);
      xTrain = slice(x, 0, nTrain);
      yTrain = slice(y, 0, nTrain);
      val = [slice(x, nTrain, n - nTrain), slice(y, nTrain, n - nTrain)];
      owned.push(xTrain, yTrain, ...val);
      for (const t of owned) ENGINE.keep(t);
    }
    if (val) this.checkData(val[0], val[1], 'fit (validation data)');

    if (args.checkFinite ?? true) await checkFinite([['x', x], ['y', y], ...(args.validationData ? ([['validation x', args.validationData[0]], ['validation y', args.validationData[1]]] as [string, Tensor][]) : [])]);
    const nTrain = xTrain.shape[0];
    const steps = batches(nTrain, batchSize);
    const verbose = args.verbose ?? 1;
    const cbs: CallbackHooks[] = Array.isArray(args.callbacks) ? args.callbacks : args.callbacks ? [args.callbacks] : [];
    for (const c of cbs) if (c instanceof Callback) c.setModel(this.model);
    let progress: CallbackHooks | undefined;
    if (verbose > 0 && isNode) {
      // Node-only (terminal output): `#progbar` (package.json `imports`) is
      // progbar.js under the `node` condition and a stub for browser builds.
      const { ProgbarLogger } = (await import('#progbar' as string)) as typeof import('../progress/progbar.js');
      progress = new ProgbarLogger({ verbose, epochs, steps: steps.length });
      cbs.unshift(progress);
    }
    // Logs use the metric's name as compiled (Keras); History adds the alias.
    const metricKeys = this.metric ? [this.metric] : [];
    const history = new History();
    this.model.stopTraining = false;
    try {
      for (const c of cbs) await c.onTrainBegin?.();
      for (let epoch = args.initialEpoch ?? 0; epoch < epochs && !this.model.stopTraining; epoch++) {
        for (const c of cbs) await c.onEpochBegin?.(epoch);
        const order = args.shuffle === false ? null : permutation(nTrain);
        let lossSum = 0;
        let correct = 0;
        let seen = 0;
        for (let b = 0; b < steps.length; b++) {
          const [s, e] = steps[b];
          for (const c of cbs) await c.onBatchBegin?.(b, { batch: b, size: e - s });
          const r = tidy(() => {
            const idx = order ? tensor(order.subarray(s, e), [e - s], 'int32') : null;
            const xb = idx ? gather(xTrain, idx) : slice(xTrain, s, e - s);
            const yb = idx ? gather(yTrain, idx) : slice(yTrain, s, e - s);
            return this.step(xb, yb);
          });
          let v: ArrayLike<number>;
          try {
            v = await r.data();
          } finally {
            r.dispose();
          }
          if (!Number.isFinite(v[0])) throw new Error(`fit: the loss became ${v[0]} at batch ${b} of epoch ${epoch + 1} (check the data for NaN/Infinity and the learning rate)`);
          const size = e - s;
          lossSum += v[0] * size;
          correct += v[1];
          seen += size;
          const logs: Logs = { batch: b, size, loss: lossSum / seen };
          for (const k of metricKeys) logs[k] = correct / seen;
          for (const c of cbs) await c.onBatchEnd?.(b, logs);
        }
        const logs: Logs = { loss: lossSum / seen };
        for (const k of metricKeys) logs[k] = correct / seen;
        if (val) {
          const [vl, vc] = await this.evaluateNumbers(val[0], val[1], batchSize);
          logs.val_loss = vl;
          for (const k of metricKeys) logs[`val_${k}`] = vc;
        }
        history.record(epoch, logs);
        for (const c of cbs) await c.onEpochEnd?.(epoch, logs);
      }
      for (const c of cbs) await c.onTrainEnd?.();
    } finally {
      // Leave the terminal clean if training failed mid-epoch.
      await progress?.onTrainEnd?.();
      for (const t of owned) t.dispose();
    }
    return history;
  }

  /** Mean loss and accuracy over `x`, `y` as numbers. */
  async evaluateNumbers(x: Tensor, y: Tensor, batchSize: number): Promise<[number, number]> {
    const [l, a] = this.evaluateTensors(x, y, batchSize);
    try {
      return [(await l.data())[0], (await a.data())[0]];
    } finally {
      l.dispose();
      a.dispose();
    }
  }

  private evaluateTensors(x: Tensor, y: Tensor, batchSize: number): [Tensor, Tensor] {
    const loss = this.loss!;
    const n = x.shape[0];
    if (n === 0) throw new Error('evaluate: no samples');
    return tidy(() => {
      const parts: Tensor[] = [];
      for (const [s, e] of batches(n, batchSize)) {
        const xb = slice(x, s, e - s);
        const yb = slice(y, s, e - s);
        const p = this.model.forwardForLoss(xb, false);
        parts.push(stack([computeLoss(loss, yb, p).mul(e - s), correctCount(loss, yb, p).toFloat()]));
      }
      const sums = concat(parts.map((p) => p.reshape([1, 2])), 0).sum(0);
      const totals = sums.div(n);
      return [totals.slice(0, 1).reshape([]), totals.slice(1, 1).reshape([])] as [Tensor, Tensor];
    });
  }

  evaluate(x: Tensor, y: Tensor, args: EvaluateArgs): Tensor | Tensor[] {
    if (!this.loss) throw new Error('evaluate: the model must be compiled first');
    this.checkData(x, y, 'evaluate');
    const [l, a] = this.evaluateTensors(x, y, checkBatchSize(args.batchSize, 'evaluate'));
    if (!this.metric) {
      a.dispose();
      return l;
    }
    return [l, a];
  }

  predict(x: Tensor, args: PredictArgs): Tensor {
    const batchSize = checkBatchSize(args.batchSize, 'predict');
    const want = this.model.inputs[0]?.shape;
    if (want && (x.rank !== want.length || want.some((d, i) => d !== null && d !== x.shape[i]))) {
      throw new Error(`predict: expected input of shape [${want.map((d) => d ?? 'null').join(',')}], got ${fmtShape(x.shape)} (model ${this.model.name})`);
    }
    return tidy(() => {
      const outs = batches(x.shape[0], batchSize).map(([s, e]) => this.model.run([slice(x, s, e - s)], { training: false }).outputs[0]);
      return outs.length === 1 ? outs[0] : concat(outs, 0);
    });
  }
}
