/**
 * `model.fitDataset` and `model.evaluateDataset` with the semantics of
 * tfjs-layers' training_dataset.ts: elements are batches `{xs, ys}`
 * (tensors, arrays or objects keyed by input / output name); without
 * `batchesPerEpoch` every epoch is a fresh pass, with it one iterator runs
 * across epochs and running out of data warns and ends training. The loop
 * asks for the next batch before waiting for the current step, so reading
 * and converting it overlaps the core's work.
 */
import { Dataset, LazyIterator } from '../data/dataset.js';
import { Tensor } from '../tensor.js';
import { tidy } from '../globals.js';
import type { History } from './callbacks.js';
import type { CallbackHooks } from './callbacks.js';
import type { ClassWeight, ClassWeightMap, TensorOrArrayOrMap } from './multi_io.js';
import { checkSampleCounts, standardizeClassWeights } from './multi_io.js';
import { splitScalars, type Batch, type Trainer, type YieldEvery } from './training.js';

/** Options of `model.fitDataset` (TF.js `ModelFitDatasetArgs`). */
export interface FitDatasetArgs<T> {
  /** Number of epochs (required, as in TF.js). */
  epochs: number;
  /** Batches per epoch; without it an epoch is one full pass over the dataset. */
  batchesPerEpoch?: number;
  /** A dataset of `{xs, ys}` batches, or tensors `[x, y]`. */
  validationData?: Dataset<T> | [TensorOrArrayOrMap, TensorOrArrayOrMap];
  /** Batches of a validation dataset per evaluation (default: all). */
  validationBatches?: number;
  /** Batch size for tensor validation data (default 32). */
  validationBatchSize?: number;
  /** First epoch index (to resume). */
  initialEpoch?: number;
  /** Per-class loss weights, or per output name. */
  classWeight?: ClassWeightMap | ClassWeight[];
  callbacks?: CallbackHooks | CallbackHooks[];
  /** 0 silent, 1 progress bar (when the number of batches is known), 2 one line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  yieldEvery?: YieldEvery;
}

/** Options of `model.evaluateDataset` (TF.js `ModelEvaluateDatasetArgs`). */
export interface EvaluateDatasetArgs {
  /** Batches to evaluate (default: the whole dataset). */
  batches?: number;
  verbose?: 0;
}

/** What a model tells the dataset loops. */
interface ModelNames {
  name: string;
  inputNames: string[];
  outputNames: string[];
}

function disposeElement(v: unknown): void {
  if (v instanceof Tensor) v.dispose();
  else if (Array.isArray(v)) v.forEach(disposeElement);
  else if (v !== null && typeof v === 'object') Object.values(v).forEach(disposeElement);
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Tensor) return `a tensor of shape [${v.shape.join(',')}]`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') {
    const name = Object.getPrototypeOf(v)?.constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : `an object with keys {${Object.keys(v).join(', ')}}`;
  }
  return `a ${typeof v}`;
}

/** `{xs, ys}` of one dataset element as the model's input and target tensors. */
function standardizeElement(trainer: Trainer, model: ModelNames, value: unknown, caller: string): { xs: Tensor[]; ys: Tensor[]; size: number } {
  const obj = value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Tensor) ? (value as Record<string, unknown>) : null;
  if (!obj || obj.xs === undefined || obj.ys === undefined) {
    throw new Error(`${caller}: a dataset for ${caller}() must generate objects {xs, ys} (each a tensor, an array of tensors or an object keyed by input / output name), but it generated ${describeValue(value)}`);
  }
  const check = (v: unknown, what: string): TensorOrArrayOrMap => {
    const leaves = v instanceof Tensor ? [v] : Array.isArray(v) ? v : v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype ? Object.values(v) : [v];
    const bad = leaves.find((l) => !(l instanceof Tensor));
    if (bad !== undefined) {
      throw new Error(`${caller}: the dataset's ${what} holds ${describeValue(bad)}, not a tensor; elements must be batches of tensors (call .batch(batchSize) on the dataset)`);
    }
    return v as TensorOrArrayOrMap;
  };
  const xs = trainer.inputsOf(check(obj.xs, 'xs'), caller, 'the dataset\'s xs');
  const ys = trainer.targetsOf(check(obj.ys, 'ys'), caller, 'the dataset\'s ys');
  const size = checkSampleCounts(
    [...xs.map((t, i) => ({ label: `input ${model.inputNames[i]}`, t })), ...ys.map((t, i) => ({ label: `output ${model.outputNames[i]}`, t }))],
    caller,
  );
  return { xs, ys, size };
}

function positiveInt(v: number | undefined, what: string, caller: string): void {
  if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new Error(`${caller}: ${what} must be a positive integer if given, got ${v}`);
}

/** Trains on the batches of `dataset` (TF.js `fitDataset`). */
export async function fitDataset<T>(trainer: Trainer, model: ModelNames, dataset: Dataset<T>, args: FitDatasetArgs<T>): Promise<History> {
  const caller = 'fitDataset';
  if (!trainer.compiled) throw new Error(`${caller}: the model must be compiled first (model.compile({optimizer, loss, metrics}))`);
  if (!(dataset instanceof Dataset)) throw new Error(`${caller}: expected a tf.data.Dataset of {xs, ys} batches, got ${describeValue(dataset)}`);
  if (args === undefined || args === null) throw new Error(`${caller}: the second argument ({epochs, ...}) is required`);
  if (!(Number.isInteger(args.epochs) && args.epochs > 0)) throw new Error(`${caller}: epochs must be a positive integer, got ${args.epochs}`);
  positiveInt(args.batchesPerEpoch, 'batchesPerEpoch', caller);
  positiveInt(args.validationBatches, 'validationBatches', caller);
  if ('validationSplit' in args) throw new Error(`${caller}: validationSplit is not supported by fitDataset(); use validationData`);
  const initialEpoch = args.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new Error(`${caller}: initialEpoch must be a non-negative integer, got ${initialEpoch}`);
  const cws = standardizeClassWeights(args.classWeight, model.outputNames, caller);
  const bpe = args.batchesPerEpoch;
  const vd = args.validationData;
  let validate: () => Promise<number[] | null> = async () => null;
  if (vd instanceof Dataset) validate = () => evaluateDatasetValues(trainer, model, vd, { batches: args.validationBatches }, caller);
  else if (vd !== undefined) {
    if (!Array.isArray(vd) || vd.length !== 2) throw new Error(`${caller}: validationData must be a dataset or [x, y] tensors`);
    const vx = trainer.inputsOf(vd[0], caller, 'validationData[0]');
    const vy = trainer.targetsOf(vd[1], caller, 'validationData[1]');
    validate = () => trainer.evaluateValues(vx, vy, args.validationBatchSize ?? 32);
  }

  let persistent: LazyIterator<T> | undefined;
  let exhausted = false;
  const steps = bpe ?? (dataset.size !== null && Number.isFinite(dataset.size) ? dataset.size : null);
  try {
    return await trainer.loop({
      caller,
      epochs: args.epochs,
      initialEpoch,
      verbose: args.verbose ?? 1,
      callbacks: Array.isArray(args.callbacks) ? args.callbacks : args.callbacks ? [args.callbacks] : [],
      steps,
      yieldEvery: args.yieldEvery ?? 'auto',
      exhausted: () => exhausted,
      validate,
      epochBatches: async function* (): AsyncGenerator<Batch> {
        const it = bpe !== undefined ? (persistent ??= await dataset.iterator()) : await dataset.iterator();
        let done = 0;
        try {
          while (bpe === undefined || done < bpe) {
            const r = await it.next();
            if (r.done) {
              if (bpe !== undefined) {
                console.warn(
                  `You provided \`batchesPerEpoch\` as ${bpe}, but your dataset iterator ran out of data after ${done} batches; ` +
                    'interrupting training. Make sure that your dataset can generate at least `batchesPerEpoch * epochs` batches ' +
                    `(in this case, ${bpe * args.epochs} batches). You may need to use the repeat() function when building your dataset.`,
                );
                exhausted = true;
              }
              return;
            }
            let batch: Batch;
            try {
              const { xs, ys, size } = standardizeElement(trainer, model, r.value, caller);
              await trainer.checkBatchLabels(ys, caller, `batch ${done} of this epoch was not trained`);
              batch = { xs, ys, weights: trainer.weightsFor(ys, cws), size };
            } catch (e) {
              disposeElement(r.value);
              throw e;
            }
            done++;
            yield batch;
          }
        } finally {
          if (bpe === undefined) await it.return();
        }
      },
    });
  } finally {
    await persistent?.return();
  }
}

/** Mean values (`metricsNames` order) over the dataset's batches, weighted by batch size; one read. */
async function evaluateDatasetValues<T>(trainer: Trainer, model: ModelNames, dataset: Dataset<T> | LazyIterator<T>, args: EvaluateDatasetArgs, caller: string): Promise<number[]> {
  const t = await evaluateDatasetTensor(trainer, model, dataset, args, caller);
  try {
    return Array.from(await t.data());
  } finally {
    t.dispose();
  }
}

async function evaluateDatasetTensor<T>(trainer: Trainer, model: ModelNames, dataset: Dataset<T> | LazyIterator<T>, args: EvaluateDatasetArgs, caller: string): Promise<Tensor> {
  if (!trainer.compiled) throw new Error(`${caller}: the model must be compiled first (model.compile({optimizer, loss, metrics}))`);
  positiveInt(args.batches, 'batches', caller);
  const own = dataset instanceof Dataset;
  const it = dataset instanceof Dataset ? await dataset.iterator() : dataset;
  let acc: Tensor | undefined;
  let n = 0;
  try {
    for (let b = 0; args.batches === undefined || b < args.batches; b++) {
      const r = await it.next();
      if (r.done) {
        if (args.batches !== undefined) {
          console.warn(
            'Your dataset iterator ran out of data during evaluateDataset(). Interrupting evaluation. Make sure that your dataset can generate ' +
              `at least \`batches\` batches (in this case, ${args.batches} batches). You may need to use the repeat() function when building your dataset.`,
          );
        }
        break;
      }
      let el: { xs: Tensor[]; ys: Tensor[]; size: number };
      try {
        el = standardizeElement(trainer, model, r.value, caller);
      } catch (e) {
        disposeElement(r.value);
        throw e;
      }
      const prev = acc;
      acc = tidy(() => {
        const row = trainer.testStep(el.xs, el.ys).mul(el.size);
        return prev ? prev.add(row) : row;
      });
      prev?.dispose();
      disposeElement(r.value);
      n += el.size;
    }
  } catch (e) {
    acc?.dispose();
    throw e;
  } finally {
    if (own) await it.return();
  }
  if (!acc) throw new Error(`${caller}: the dataset generated no batches to evaluate`);
  const total = acc;
  const out = tidy(() => total.div(n));
  total.dispose();
  return out;
}

/** Evaluates on the batches of `dataset` (TF.js `evaluateDataset`): the loss, or [loss, ...metrics], as scalars. */
export async function evaluateDataset<T>(trainer: Trainer, model: ModelNames, dataset: Dataset<T> | LazyIterator<T>, args: EvaluateDatasetArgs = {}): Promise<Tensor | Tensor[]> {
  return splitScalars(await evaluateDatasetTensor(trainer, model, dataset, args, 'evaluateDataset'));
}
