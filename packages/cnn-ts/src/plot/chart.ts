/**
 * The ECharts option of a training-curve chart: plain data, no Node APIs,
 * so a browser can show the same chart with
 * `echarts.init(element).setOption(historyChartOption(spec))`.
 * history.ts renders it to PNG in Node.
 */
import type { LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TitleComponentOption } from 'echarts/components';
import type { ComposeOption } from 'echarts/core';

/** The family name every plot's text uses; in Node it is registered from @fontsource/dejavu-sans (render.ts). */
export const PLOT_FONT_FAMILY = 'cnn-ts DejaVu Sans';

/** An ECharts option with only the parts these charts use. */
export type HistoryChartOption = ComposeOption<LineSeriesOption | GridComponentOption | LegendComponentOption | TitleComponentOption>;

/** What one chart shows. */
export interface HistoryChartSpec {
  /** e.g. `'Loss'` */
  title: string;
  /** e.g. `'loss'` */
  yLabel: string;
  train: readonly number[];
  valid?: readonly number[];
  /** Legend corner inside the plot, as matplotlib's `loc`. */
  legend: 'upper right' | 'upper left';
  width: number;
  height: number;
}

/** Colour of the Train curve: matplotlib's first cycle colour C0 (blue). */
export const TRAIN_COLOR = '#1f77b4';
/** Colour of the Valid curve: matplotlib's second cycle colour C1 (orange). */
export const VALID_COLOR = '#ff7f0e';
const GRID = { left: 80, right: 40, top: 60, bottom: 60 };

/**
 * The ECharts option for one history chart: pure data, usable in a browser
 * with `echarts.init(element).setOption(option)`.
 *
 * @example
 * const option = historyChartOption({ title: 'Loss', yLabel: 'loss', train: h.loss, valid: h.val_loss, legend: 'upper right', width: 800, height: 600 });
 */
export function historyChartOption(spec: HistoryChartSpec): HistoryChartOption {
  const epochs = Math.max(spec.train.length, spec.valid?.length ?? 0);
  const series = (name: string, values: readonly number[], color: string): LineSeriesOption => ({
    name,
    type: 'line',
    color,
    // matplotlib draws no markers; a curve of one point has no segment, so it gets one.
    symbol: values.length < 2 ? 'circle' : 'none',
    symbolSize: 8,
    lineStyle: { width: 2 },
    data: values.map((v, i): [number, number | null] => [i, Number.isFinite(v) ? v : null]),
  });
  const text = { fontFamily: PLOT_FONT_FAMILY, color: '#000000' };
  const inset = 10;
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: text,
    title: { text: spec.title, left: 'center', top: 18, textStyle: { ...text, fontSize: 18, fontWeight: 'normal' } },
    grid: { ...GRID, containLabel: false },
    legend: {
      orient: 'vertical',
      top: GRID.top + inset,
      ...(spec.legend === 'upper right' ? { right: GRID.right + inset } : { left: GRID.left + inset }),
      backgroundColor: 'rgba(255,255,255,0.8)',
      borderColor: '#cccccc',
      borderWidth: 1,
      padding: 8,
      // a short line, as matplotlib's legend handles, instead of ECharts' line-and-marker icon
      icon: 'path://M0 0H24V2H0Z',
      itemWidth: 24,
      itemHeight: 2,
      textStyle: { ...text, fontSize: 13 },
      data: ['Train', ...(spec.valid === undefined ? [] : ['Valid'])],
    },
    xAxis: {
      type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 32, min: 0, max: Math.max(1, epochs - 1), minInterval: 1,
      nameTextStyle: { ...text, fontSize: 14 }, axisLabel: { ...text, fontSize: 12 }, axisLine: { lineStyle: { color: '#000000' } }, splitLine: { show: false },
    },
    yAxis: {
      type: 'value', name: spec.yLabel, nameLocation: 'middle', nameGap: 52, scale: true,
      nameTextStyle: { ...text, fontSize: 14 }, axisLabel: { ...text, fontSize: 12 }, axisLine: { show: true, lineStyle: { color: '#000000' } }, splitLine: { show: false },
    },
    series: [series('Train', spec.train, TRAIN_COLOR), ...(spec.valid === undefined ? [] : [series('Valid', spec.valid, VALID_COLOR)])],
  };
}
