/**
 * nabla.debug — the leak watch's debug mode: `trackLeaks(true)` (or `NABLA_DEBUG_LEAKS=1`) records
 * the source line that created every tensor living outside all `tidy` scopes, so the warning about
 * a growing number of them names those lines; `leakReport()` gives the same numbers on demand.
 * See docs/training.md ("Training loops written by hand").
 */
export { trackLeaks, leakReport } from './engine.js';
