/**
 * nabla.viz — pictures: charts as SVG strings (pure TypeScript: Node and browser) and image grids.
 *
 * - `lineChart(series, opts)`: any curves (loss, accuracy, per-layer gradient norms; `logY`).
 * - `historyChart(history)`: the loss and accuracy curves of a `fit` history.
 * - `confusionMatrixChart(matrix, labels)`: a confusion matrix (`nb.train.metrics.confusionMatrix`) as a heat map.
 * - `imageGridPixels(images, opts)`: NCHW images as a grid of RGBA pixels (browser: ImageData);
 *   `imageGrid(images, opts)`: the same grid as PNG bytes (Node, with the optional `pngjs`).
 */
export { lineChart, historyChart, niceTicks, escapeXml, confusionMatrixChart } from './chart.js';
export type { Series, ChartOptions, HistoryLike } from './chart.js';
export { imageGrid, imageGridPixels } from './image.js';
export type { ImageGridOptions, ImagePixels } from './image.js';
