/**
 * nabla.viz — pictures as SVG strings (pure TypeScript: Node and browser).
 *
 * - `lineChart(series, opts)`: any curves (loss, accuracy, per-layer gradient norms; `logY`).
 * - `historyChart(history)`: the loss and accuracy curves of a `fit` history.
 */
export { lineChart, historyChart, niceTicks, escapeXml } from './chart.js';
export type { Series, ChartOptions, HistoryLike } from './chart.js';
