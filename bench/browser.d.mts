// Types of bench/browser.mjs (for playground/e2e, which uses its harness).
import type { Page } from 'playwright-core';

export interface BrowserBench {
  page: Page;
  /** Uncaught errors of the page. */
  errors: string[];
  crossOriginIsolated: boolean;
  /** Posts a task to the page's worker (see bench/browser-worker.mjs) and resolves with its answer. */
  run(msg: { task: 'm2'; threads: number; seconds: number }): Promise<{ ok: true; crossOriginIsolated: boolean; threads: number; relaxedSimd: boolean; samplesPerSec: number; steps: number; loss: number }>;
  run(msg: { task: 'kernels'; threads: number; relaxedSimd?: boolean }): Promise<{ ok: true; crossOriginIsolated: boolean; threads: number; relaxedSimd: boolean; values: Record<string, { hash: string; sum: number }> }>;
  close(): Promise<void>;
}

export function startBrowserBench(opts?: { isolated?: boolean; chromium?: string }): Promise<BrowserBench>;
