/** Training callbacks (TF.js / Keras): hooks, History, early stopping. */
import type { Tensor } from '../tensor.js';

/** Metric values reported to callbacks (`loss`, `acc`, `val_loss`, ...). */
export type Logs = Record<string, number>;

/** Hooks called by `fit`; each may return a promise. */
export interface CallbackHooks {
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
  /** Called when `fit` yields to the event loop (see `yieldEvery`). */
  onYield?(epoch: number, batch: number, logs?: Logs): void | Promise<void>;
}

/** What a callback can see and control of the model being trained. */
export interface TrainingControl {
  stopTraining: boolean;
  /** Copies of the weight values (for restoring the best ones). */
  getWeights?(): Tensor[];
  setWeights?(values: Tensor[]): void;
}

/** A callback that gets a handle on the model (`setModel`) before training. */
export abstract class Callback {
  protected model: TrainingControl | undefined;
  setModel(m: TrainingControl): void {
    this.model = m;
  }
}

/** Both names of the accuracy metric are kept in History (`acc` is TF.js', `accuracy` Keras'). */
const ALIASES: Record<string, string> = { acc: 'accuracy', accuracy: 'acc', val_acc: 'val_accuracy', val_accuracy: 'val_acc' };

/**
 * Adds the Keras names (`accuracy`, `val_accuracy`) of TF.js's log keys
 * (`acc`, `val_acc`) as non-enumerable properties: `logs.acc` and
 * `logs.accuracy` both read, while iterating or printing the logs shows
 * exactly the keys TF.js gives.
 */
export function aliasLogs(logs: Logs): Logs {
  for (const [k, v] of Object.entries(logs)) {
    const alias = ALIASES[k];
    if (alias && !(alias in logs)) Object.defineProperty(logs, alias, { value: v, enumerable: false, writable: true, configurable: true });
  }
  return logs;
}

/** What `fit` resolves to: per-epoch metric values (Keras `History`). */
export class History {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};
  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    const all: Logs = { ...logs };
    for (const [k, v] of Object.entries(logs)) if (ALIASES[k] && !(ALIASES[k] in all)) all[ALIASES[k]] = v;
    for (const [k, v] of Object.entries(all)) (this.history[k] ??= []).push(v);
  }
}

export interface EarlyStoppingArgs {
  /** Metric to watch (default 'val_loss'). */
  monitor?: string;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** 'min', 'max' or 'auto' (max for accuracies, else min). */
  mode?: 'auto' | 'min' | 'max';
  /** Stop unless the metric beats this value. */
  baseline?: number;
  verbose?: number;
  /** At the end of training, set the weights of the best epoch (Keras `restore_best_weights`). */
  restoreBestWeights?: boolean;
}

/** Stops training when the monitored metric stops improving (Keras `EarlyStopping`). */
export class EarlyStopping extends Callback implements CallbackHooks {
  readonly monitor: string;
  private readonly minDelta: number;
  private readonly patience: number;
  private readonly sign: number;
  private best = Infinity;
  private wait = 0;
  stoppedEpoch = 0;
  constructor(private readonly args: EarlyStoppingArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    const mode = args.mode ?? 'auto';
    const max = mode === 'max' || (mode === 'auto' && /acc/.test(this.monitor));
    this.sign = max ? -1 : 1;
  }
  private bestWeights: Tensor[] | undefined;
  /** Epoch (0-based) whose weights were the best so far. */
  bestEpoch = -1;
  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestEpoch = -1;
    this.dropBest();
    this.best = this.args.baseline !== undefined ? this.sign * this.args.baseline : Infinity;
  }
  private dropBest(): void {
    for (const t of this.bestWeights ?? []) t.dispose();
    this.bestWeights = undefined;
  }
  onTrainEnd(): void {
    // Keras 3: restore whenever a best epoch was seen, stopped early or not.
    if (this.args.restoreBestWeights && this.bestWeights && this.model?.setWeights) {
      if ((this.args.verbose ?? 0) > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model.setWeights(this.bestWeights);
    }
    this.dropBest();
  }
  onEpochEnd(epoch: number, logs?: Logs): void {
    const v = logs?.[this.monitor];
    if (v === undefined) {
      console.warn(`EarlyStopping: metric '${this.monitor}' is not available; available: ${Object.keys(logs ?? {}).join(', ')}`);
      return;
    }
    const score = this.sign * v;
    if (score < this.best - this.minDelta) {
      this.best = score;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.args.restoreBestWeights && this.model?.getWeights) {
        this.dropBest();
        this.bestWeights = this.model.getWeights();
      }
    } else {
      this.wait += 1;
      // Keras: stop once `patience` epochs in a row brought no improvement.
      if (this.wait >= Math.max(1, this.patience) && this.model) {
        this.model.stopTraining = true;
        this.stoppedEpoch = epoch;
        if ((this.args.verbose ?? 0) > 0) console.log(`Epoch ${epoch + 1}: early stopping`);
      }
    }
  }
}

/** `tf.callbacks` namespace. */
export const callbacks = {
  earlyStopping: (args?: EarlyStoppingArgs) => new EarlyStopping(args),
};
