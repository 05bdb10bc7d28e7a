/**
 * Progress reporting for `fit`: a live bar (cli-progress) when stderr is a terminal, one plain line
 * per epoch otherwise, nothing with `verbose: 0`. `cli-progress` is imported only when a bar is
 * actually shown, so browser bundles never load it.
 */
import { checkFunction, fail } from '../validate.js';

/** What a reporter sees at the end of each batch. */
export interface BatchProgress {
  batch: number;
  batches: number;
  loss: number;
  accuracy?: number;
  /** The running value of every metric over the epoch so far (computed only by a reporter that shows it). */
  metrics?: () => Readonly<Record<string, number>>;
}

export interface ProgressReporter {
  epochBegin(epoch: number, epochs: number, batches: number): void;
  batchEnd(p: BatchProgress): void;
  /** `summary` is the formatted epoch line (metrics, time, throughput). */
  epochEnd(summary: string): void;
  /** A free message (early stop, NaN stop). */
  message(text: string): void;
  close(): void;
}

export type Verbosity = 0 | 1 | 2;

/** 0, 1 or 2, else `<op>: verbose must be 0, 1 or 2, got …`. */
export function checkVerbosity(op: string, v: unknown): Verbosity {
  if (v !== 0 && v !== 1 && v !== 2) fail(op, 'verbose', '0, 1 or 2', v);
  return v;
}

/** Formats a metric for display: 4 significant decimals, NaN as "nan". */
export function fmtMetric(v: number): string {
  if (typeof v !== 'number') fail('fmtMetric', 'v', 'a number', v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return Math.abs(v) >= 1000 ? v.toFixed(1) : v.toFixed(4);
}

class Silent implements ProgressReporter {
  epochBegin(): void {}
  batchEnd(): void {}
  epochEnd(): void {}
  message(): void {}
  close(): void {}
}

class Lines implements ProgressReporter {
  constructor(private readonly log: (line: string) => void) {}
  epochBegin(): void {}
  batchEnd(): void {}
  epochEnd(summary: string): void {
    this.log(summary);
  }
  message(text: string): void {
    this.log(text);
  }
  close(): void {}
}

interface BarLike {
  start(total: number, start: number, payload?: object): void;
  update(current: number, payload?: object): void;
  stop(): void;
}

type BarModule = { SingleBar: new (opts: object) => BarLike };

class Bar implements ProgressReporter {
  private bar: BarLike | null = null;
  private prefix = '';
  constructor(
    private readonly mod: BarModule,
    private readonly stream: { write(s: string): unknown },
  ) {}
  epochBegin(epoch: number, epochs: number, batches: number): void {
    const width = String(epochs).length;
    this.prefix = `epoch ${String(epoch + 1).padStart(width)}/${epochs}`;
    this.bar = new this.mod.SingleBar({
      format: `${this.prefix} {bar} {value}/{total} | {duration_formatted} eta {eta_formatted} | {metrics}`,
      barsize: 24,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      stream: this.stream,
      fps: 8,
      etaBuffer: 50,
    });
    this.bar.start(batches, 0, { metrics: '' });
  }
  batchEnd(p: BatchProgress): void {
    const values = p.metrics ? p.metrics() : p.accuracy !== undefined ? { accuracy: p.accuracy } : {};
    const shown = [`loss ${fmtMetric(p.loss)}`];
    for (const [k, v] of Object.entries(values)) if (!k.startsWith('val_')) shown.push(`${k} ${fmtMetric(v)}`);
    this.bar?.update(p.batch + 1, { metrics: shown.join(' · ') });
  }
  epochEnd(summary: string): void {
    this.bar?.stop();
    this.bar = null;
    this.stream.write(`  ${summary}\n`);
  }
  message(text: string): void {
    this.bar?.stop();
    this.bar = null;
    this.stream.write(`${text}\n`);
  }
  close(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

interface Stream {
  isTTY?: boolean;
  write(s: string): unknown;
}

/**
 * Picks a reporter: `verbose` 0 → silent; 1 → a bar on a terminal (stderr), plain epoch lines
 * otherwise; 2 → plain epoch lines. `log` receives the plain lines (default: console.log).
 */
export async function createProgress(verbose: Verbosity, log?: (line: string) => void): Promise<ProgressReporter> {
  checkVerbosity('createProgress', verbose);
  if (log !== undefined) checkFunction('createProgress', 'log', log);
  if (verbose === 0) return new Silent();
  const out = log ?? ((line: string) => console.log(line));
  const stderr = (globalThis as { process?: { stderr?: Stream } }).process?.stderr;
  if (verbose === 1 && !log && stderr?.isTTY) {
    try {
      // A computed specifier keeps bundlers from pulling the Node-only bar into browser builds.
      const name = 'cli-progress';
      const mod = (await import(/* @vite-ignore */ name)) as unknown as BarModule & { default?: BarModule };
      return new Bar(mod.SingleBar ? mod : mod.default!, stderr);
    } catch {
      // no bar available (e.g. in a browser bundle): fall back to lines
    }
  }
  return new Lines(out);
}
