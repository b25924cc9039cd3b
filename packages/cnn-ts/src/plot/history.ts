/**
 * Training curves, as the seed's `plot_history`: `loss.png` and
 * `accuracy.png`, 800x600 (matplotlib's figsize=(8, 6) at 100 dpi), title,
 * x label "epoch", y label, legend Train / Valid (upper right for loss,
 * upper left for accuracy), matplotlib's first two colours.
 *
 * Why Apache ECharts: it renders charts to an SVG string on a server with no
 * DOM and no canvas (its documented `ssr: true` mode), its TypeScript types
 * are complete (Chart.js draws on @napi-rs/canvas at run time, but its types
 * accept only DOM canvases, so it needs an `as unknown as` cast), and the
 * same option object (chart.ts) drives an interactive chart in a browser.
 * Text is measured with the same font Skia then draws the SVG with
 * (render.ts), so labels are laid out correctly. Cost: a large package (~60 MB
 * installed), so it is an optional peer dependency of cnn-ts, imported only
 * when a chart is drawn (echarts.ts); the declarations of this file name none
 * of its types, so `cnn-ts/node` type-checks without it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyChartOption } from './chart.js';
import { renderChartPng } from './echarts.js';

/** `History.history` as `fit` returns it (Keras and TF.js spell accuracy `acc` or `accuracy`). */
export interface HistoryLike {
  loss: number[];
  val_loss?: number[];
  acc?: number[];
  accuracy?: number[];
  val_acc?: number[];
  val_accuracy?: number[];
}

/** Options of {@link plotHistory}. */
export interface PlotHistoryOptions {
  /** Picture width in pixels; default 800. */
  width?: number;
  /** Picture height in pixels; default 600. */
  height?: number;
}

/** Paths of the files {@link plotHistory} wrote. */
export interface PlotHistoryResult {
  loss: string;
  /** Absent when the history has no accuracy metric. */
  accuracy?: string;
}

function checkSeries(name: string, values: unknown, required: boolean): number[] | undefined {
  if (values === undefined && !required) return undefined;
  if (!Array.isArray(values) || values.length === 0) {
    const got = Array.isArray(values) ? 'an empty array' : typeof values;
    throw new Error(`plotHistory: history.${name} must be a non-empty array of numbers but got ${got}`);
  }
  const bad = values.findIndex((v) => typeof v !== 'number');
  if (bad >= 0) throw new Error(`plotHistory: history.${name}[${bad}] is ${JSON.stringify(values[bad])}; expected a number`);
  return values;
}

/**
 * Writes `loss.png` and (when the history has `acc` / `accuracy`)
 * `accuracy.png` into `outDir`, like the seed's `plot_history(hist)`.
 * Non-finite values (a diverged loss) leave a gap in the curve.
 *
 * @example
 * const h = await model.fit(x, y, { epochs: 10, validationSplit: 0.2 });
 * await plotHistory(h.history, '.'); // ./loss.png, ./accuracy.png
 */
export async function plotHistory(history: HistoryLike, outDir: string, options: PlotHistoryOptions = {}): Promise<PlotHistoryResult> {
  const width = options.width ?? 800;
  const height = options.height ?? 600;
  for (const [k, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 100 || v > 8192) throw new Error(`plotHistory: ${k} must be an integer in [100, 8192] but got ${v}`);
  }
  const loss = checkSeries('loss', history.loss, true) ?? [];
  const valLoss = checkSeries('val_loss', history.val_loss, false);
  const accKey = history.accuracy !== undefined ? 'accuracy' : 'acc';
  const acc = checkSeries(accKey, history.accuracy ?? history.acc, false);
  const valAccKey = history.val_accuracy !== undefined ? 'val_accuracy' : 'val_acc';
  const valAcc = checkSeries(valAccKey, history.val_accuracy ?? history.val_acc, false);

  await mkdir(outDir, { recursive: true });
  const result: PlotHistoryResult = { loss: join(outDir, 'loss.png') };
  const lossPng = await renderChartPng(historyChartOption({ title: 'Loss', yLabel: 'loss', train: loss, valid: valLoss, legend: 'upper right', width, height }), width, height);
  await writeFile(result.loss, lossPng);
  if (acc !== undefined) {
    result.accuracy = join(outDir, 'accuracy.png');
    const accPng = await renderChartPng(historyChartOption({ title: 'Accuracy', yLabel: 'accuracy', train: acc, valid: valAcc, legend: 'upper left', width, height }), width, height);
    await writeFile(result.accuracy, accPng);
  }
  return result;
}
