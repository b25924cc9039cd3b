/**
 * Keras-style progress output: a bar updated in place in a terminal
 * (verbose 1), one line per epoch (verbose 2), nothing (verbose 0).
 *
 * Why cli-progress (25 M downloads a month, no dependencies besides
 * string-width): it owns the terminal side — TTY detection on the given
 * stream, redrawing the line in place at a bounded frame rate, restoring
 * the cursor and line wrapping — and accepts a formatter function, so the
 * text is exactly Keras' (format.ts). Its own `{bar}` token cannot draw
 * Keras' `=====>....` head, so the formatter draws the whole line. When
 * the stream is not a TTY (a log file, CI), no bar is drawn at all: verbose 1
 * prints only the line that ends each epoch, with no carriage returns.
 */
import cliProgress from 'cli-progress';
import { finalLine, progressLine, verbose2Line } from './format.js';

/** Where progress goes: `process.stdout` (the default), or any writable stream. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Metric values by name, in print order (`loss`, `acc`, `val_loss`, …). */
export type Logs = Readonly<Record<string, number>>;

/** Options of {@link Progbar}. */
export interface ProgbarOptions {
  /** 0 silent, 1 progress bar (default), 2 one line when finished. */
  verbose?: 0 | 1 | 2;
  /** Default `process.stdout`, as Keras prints to stdout. */
  stream?: ProgressStream;
  /** Bar width in characters; default 30 as Keras. */
  width?: number;
  /** Clock in milliseconds; default `performance.now`. Tests inject a fake. */
  now?: () => number;
  /** Most redraws per second of the in-place bar; default 20 (Keras redraws every 0.05 s). */
  fps?: number;
}

/**
 * One progress bar over `target` steps, like `tf.keras.utils.Progbar`.
 *
 * @example
 * const bar = new Progbar(750, { verbose: 1 });
 * for (let step = 1; step <= 750; step++) bar.update(step, { loss, acc });
 * bar.finish({ loss, acc, val_loss, val_acc }); // "750/750 [====…] - 12s 16ms/step - loss: …"
 */
export class Progbar {
  private readonly verbose: 0 | 1 | 2;
  private readonly stream: ProgressStream;
  private readonly width: number;
  private readonly now: () => number;
  private readonly start: number;
  private current = 0;
  private logs: Logs = {};
  private bar: cliProgress.SingleBar | undefined;
  private done = false;

  constructor(readonly target: number, options: ProgbarOptions = {}) {
    if (!Number.isInteger(target) || target < 1) throw new Error(`Progbar: target must be a positive integer but got ${target}`);
    this.verbose = options.verbose ?? 1;
    if (![0, 1, 2].includes(this.verbose)) throw new Error(`Progbar: verbose must be 0, 1 or 2 but got ${String(this.verbose)}`);
    this.stream = options.stream ?? process.stdout;
    this.width = options.width ?? 30;
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
    if (this.verbose === 1 && this.stream.isTTY === true) {
      this.bar = new cliProgress.SingleBar({
        stream: this.stream,
        fps: options.fps ?? 20,
        format: () => progressLine(this.state(), this.width),
        clearOnComplete: true, // finish() writes Keras' final line itself, so a long one wraps
        // Change no terminal modes (cursor, auto-wrap) that a crash could leave behind: the
        // in-place line is cut to the terminal's width instead, and no signal handlers.
        hideCursor: false,
        linewrap: true,
        gracefulExit: false,
      });
      this.bar.start(target, 0);
    }
  }

  private state() {
    return { current: this.current, total: this.target, elapsed: (this.now() - this.start) / 1000, logs: this.logs };
  }

  /**
   * Records that `current` steps are done (1..target) with the running
   * metric means `logs`; redraws the bar at most `fps` times a second.
   */
  update(current: number, logs: Logs = {}): void {
    if (this.done) return;
    if (!Number.isInteger(current) || current < 0 || current > this.target) {
      throw new Error(`Progbar: current must be an integer in [0, ${this.target}] but got ${current}`);
    }
    this.current = current;
    this.logs = logs;
    this.bar?.update(current);
  }

  /**
   * Ends the bar with Keras' closing line — verbose 1:
   * `750/750 [==============================] - 12s 16ms/step - loss: …`,
   * verbose 2: `750/750 - 12s - 16ms/step - loss: …` — and a newline.
   * `logs` (default: the last update's) may add `val_*` metrics.
   */
  finish(logs: Logs = this.logs): void {
    if (this.done) return;
    this.current = this.target;
    this.logs = logs;
    const state = this.state(); // time the epoch before any drawing
    this.stop();
    if (this.verbose === 1) this.stream.write(`${finalLine(state, this.width)}\n`);
    else if (this.verbose === 2) this.stream.write(`${verbose2Line(state)}\n`);
  }

  /** Stops redrawing and restores the terminal without printing a final line (e.g. when training fails). */
  stop(): void {
    this.done = true;
    this.bar?.stop();
    this.bar = undefined;
  }
}

/** Options of {@link ProgbarLogger}. */
export interface ProgbarLoggerOptions extends Omit<ProgbarOptions, 'verbose'> {
  /** 0 silent, 1 progress bar per epoch, 2 one line per epoch. */
  verbose: 0 | 1 | 2;
  /** Number of epochs `fit` runs. */
  epochs: number;
  /** Steps (batches) per epoch. */
  steps: number;
}

/**
 * The callback `fit` uses for `verbose`, like Keras' `ProgbarLogger`: prints
 * `Epoch 3/10` (when there is more than one epoch), then a {@link Progbar}
 * per epoch. Epoch and batch numbers are 0-based, as in TF.js callbacks.
 *
 * @example
 * const log = new ProgbarLogger({ verbose: 2, epochs: 10, steps: 750 });
 * log.onEpochBegin(0);
 * log.onBatchEnd(0, { loss: 2.3, acc: 0.1 }); // … every batch
 * log.onEpochEnd(0, { loss: 0.41, acc: 0.85, val_loss: 0.39, val_acc: 0.86 });
 */
export class ProgbarLogger {
  private bar: Progbar | undefined;

  constructor(private readonly options: ProgbarLoggerOptions) {
    const { epochs, steps } = options;
    if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`ProgbarLogger: epochs must be a positive integer but got ${epochs}`);
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`ProgbarLogger: steps must be a positive integer but got ${steps}`);
  }

  /** Prints the epoch header and starts the epoch's bar. */
  onEpochBegin(epoch: number): void {
    this.bar?.stop();
    if (this.options.verbose === 0) return;
    if (this.options.epochs > 1) (this.options.stream ?? process.stdout).write(`Epoch ${epoch + 1}/${this.options.epochs}\n`);
    this.bar = new Progbar(this.options.steps, this.options);
  }

  /** Advances the bar after batch `batch` (0-based) with the running metric means. */
  onBatchEnd(batch: number, logs: Logs = {}): void {
    this.bar?.update(batch + 1, logs);
  }

  /** Prints the epoch's closing line with the epoch logs (training and `val_*` metrics). */
  onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.bar?.finish(logs);
    this.bar = undefined;
  }

  /** Stops a bar left running (training ended early or failed). */
  onTrainEnd(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
