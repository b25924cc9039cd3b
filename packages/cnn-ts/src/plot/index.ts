/**
 * Pictures: training curves like the seed's `plot_history`, and image grids
 * of conv kernels and feature maps. chart.ts and tiles.ts are plain data and
 * serve browsers too; history.ts, grid.ts and render.ts write PNGs in Node.
 */
export { historyChartOption, PLOT_FONT_FAMILY, TRAIN_COLOR, VALID_COLOR, type HistoryChartOption, type HistoryChartSpec } from './chart.js';
export { imageGrid, type ImageGridOptions, type ImageGridResult } from './grid.js';
export { renderChartPng, renderChartSvg } from './echarts.js';
export { plotHistory, type HistoryLike, type PlotHistoryOptions, type PlotHistoryResult } from './history.js';
export { loadCanvas, PLOT_PACKAGES, svgToPng } from './render.js';
export { tilesToRgba, type Colormap, type RgbaTiles, type TileLayout } from './tiles.js';
