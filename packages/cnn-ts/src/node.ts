/**
 * Node-only helpers (`import { ... } from 'cnn-ts/node'`): file loaders,
 * the Fashion-MNIST finder, PNG plots and image grids.
 */
export * from './data/node.js';
export { imageGrid, plotHistory, type ImageGridOptions, type ImageGridResult, type HistoryLike, type PlotHistoryOptions, type PlotHistoryResult } from './plot/index.js';
export { Progbar, ProgbarLogger } from './progress/index.js';
