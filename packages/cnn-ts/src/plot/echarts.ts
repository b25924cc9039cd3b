/**
 * ECharts rendering for the Node plots (see history.ts for why ECharts).
 * Kept apart from history.ts so that the declarations `cnn-ts/node` exposes
 * do not name ECharts types: ECharts is an optional peer dependency, and its
 * types need the DOM lib.
 */
import { PLOT_FONT_FAMILY, type HistoryChartOption } from './chart.js';
import { loadCanvas, optionalPlotImport, svgToPng } from './render.js';

type EChartsCore = typeof import('echarts/core');
let echartsCore: Promise<EChartsCore> | undefined;

/** Loads ECharts once with just the line chart, and measures text with the plot font. */
function loadECharts(): Promise<EChartsCore> {
  const echarts = optionalPlotImport('echarts', () => Promise.all([import('echarts/core'), import('echarts/charts'), import('echarts/components'), import('echarts/renderers')]));
  echartsCore ??= Promise.all([echarts, loadCanvas()])
    .then(([[core, charts, components, renderers], canvas]) => {
      core.use([charts.LineChart, components.GridComponent, components.LegendComponent, components.TitleComponent, renderers.SVGRenderer]);
      const ctx = canvas.createCanvas(1, 1).getContext('2d');
      core.setPlatformAPI({
        measureText(text: string, font?: string) {
          ctx.font = font ?? `12px ${PLOT_FONT_FAMILY}`;
          return { width: ctx.measureText(text).width };
        },
      });
      return core;
    });
  return echartsCore;
}

/**
 * Renders an ECharts option to an SVG document (Node or browser-free
 * servers), its text measured with {@link PLOT_FONT_FAMILY}.
 *
 * @example
 * const svg = await renderChartSvg(historyChartOption(spec), 800, 600);
 */
export async function renderChartSvg(option: HistoryChartOption, width: number, height: number): Promise<string> {
  const echarts = await loadECharts();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/**
 * Renders an ECharts option to PNG bytes (Node): ECharts server-side SVG,
 * rasterised by Skia.
 *
 * @example
 * const png = await renderChartPng(historyChartOption(spec), 800, 600);
 */
export async function renderChartPng(option: HistoryChartOption, width: number, height: number): Promise<Buffer> {
  return svgToPng(await renderChartSvg(option, width, height), width, height);
}
