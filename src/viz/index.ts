/**
 * nabla.viz — pictures: charts as SVG strings (pure TypeScript: Node and browser) and image grids.
 *
 * - `lineChart(series, opts)`: any curves (loss, accuracy, per-layer gradient norms; `logY`).
 * - `historyChart(history)`: the loss and accuracy curves of a `fit` history.
 * - `confusionMatrixChart(matrix, labels)`: a confusion matrix (`nb.train.metrics.confusionMatrix`) as a heat map.
 * - `heatmap(matrix, { rowLabels, colLabels })`: any matrix (attention weights) as a heat map.
 * - `histogram(series, { bins })`: distributions of values (weights, activations) in shared bins, overlaid.
 * - `embeddingPlot(weights, labels)`: embedding vectors projected to 2-D by PCA, labelled.
 * - `pca(x)`, `symmetricEigen(m)`: principal components and the symmetric eigen solver behind them.
 * - `gradientNormsThroughTime(layer, x)`, `gradientNormsChart(norms)`: ‖∂L/∂x_t‖ per time step of a recurrent layer.
 * - `contour(f, { xRange, yRange, paths })`: level lines of f(x, y) (marching squares) with trajectories drawn over them.
 * - `imageGridPixels(images, opts)`: NCHW images as a grid of RGBA pixels (browser: ImageData);
 *   `imageGrid(images, opts)`: the same grid as PNG bytes (Node, with the optional `pngjs`).
 */
export { lineChart, historyChart, niceTicks, escapeXml, confusionMatrixChart } from './chart.js';
export type { Series, ChartOptions, HistoryLike } from './chart.js';
export { heatmap, embeddingPlot } from './heatmap.js';
export type { HeatmapOptions, EmbeddingPlotOptions } from './heatmap.js';
export { pca, symmetricEigen } from './pca.js';
export type { PCAResult, SymmetricEigen } from './pca.js';
export { gradientNormsThroughTime, gradientNormsChart } from './gradients.js';
export { imageGrid, imageGridPixels } from './image.js';
export type { ImageGridOptions, ImagePixels } from './image.js';
export { histogram, histogramCounts } from './histogram.js';
export type { HistogramSeries, HistogramOptions, HistogramCounts } from './histogram.js';
export { contour } from './contour.js';
export type { ContourOptions, ContourPath } from './contour.js';
