/**
 * nabla.viz — pictures as SVG strings (pure TypeScript: Node and browser).
 *
 * - `lineChart(series, opts)`: any curves (loss, accuracy, per-layer gradient norms; `logY`).
 * - `historyChart(history)`: the loss and accuracy curves of a `fit` history.
 * - `confusionMatrixChart(matrix, labels)`: a confusion matrix (`nb.train.metrics.confusionMatrix`) as a heat map.
 */
export { lineChart, historyChart, niceTicks, escapeXml, confusionMatrixChart } from './chart.js';
export type { Series, ChartOptions, HistoryLike } from './chart.js';
