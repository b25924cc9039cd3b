/**
 * Node-only helpers (`import { ... } from 'cnn-ts/node'`): file loaders,
 * the Fashion-MNIST finder, PNG plots and image grids.
 */
export * from './data/node.js';
// Straight from the files (not plot/index.ts) so that these declarations do
// not pull in the ECharts and @napi-rs/canvas types (optional peers).
export { imageGrid, type ImageGridOptions, type ImageGridResult } from './plot/grid.js';
export { plotHistory, type HistoryLike, type PlotHistoryOptions, type PlotHistoryResult } from './plot/history.js';
export { Progbar, ProgbarLogger } from './progress/index.js';
