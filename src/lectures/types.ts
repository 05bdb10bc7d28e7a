/**
 * The contract between a lecture chapter and the companion that runs it.
 *
 * A chapter is a small module on nabla's public API that demonstrates one claim of the lectures:
 * it computes figures and numbers, and checks the claim (so a chapter doubles as a test).
 * `nabla lectures` runs chapters and renders each one as a page of the companion.
 */

/** What a chapter's `run` receives: its settings and the places its results go. */
export interface ChapterContext {
  /** CI mode: fewer samples/epochs, the same assertions (a chapter must stay meaningful). */
  readonly short: boolean;
  /** The seed every random choice of the chapter derives from (chapters are deterministic). */
  readonly seed: number;
  /**
   * Adds a figure to the chapter's page. `content` is SVG text or PNG bytes; `name` is a file
   * name without extension, unique within the chapter (`[a-z0-9-]+`).
   */
  figure(name: string, caption: string, content: string | Uint8Array): void;
  /** Records a measured number (or short text) shown in the page's table of results. */
  number(label: string, value: number | string, unit?: string): void;
  /**
   * States a claim of the lecture and checks it: when `holds` is false the chapter fails with
   * `claim` in the message. Every chapter checks at least one claim.
   */
  check(holds: boolean, claim: string, detail?: string): void;
  /** A line of progress for the terminal (not shown in the page). */
  log(message: string): void;
}

/** One chapter of the companion: one module in src/lectures/chapters/. */
export interface Chapter {
  /** URL-safe id, e.g. `perceptrons`; the page is `<id>.html`. */
  readonly id: string;
  /** Position in the companion (1-based, the lectures' order). */
  readonly order: number;
  readonly title: string;
  /** The SCOPE section(s) it covers, e.g. `§1`. */
  readonly section: string;
  /** The lecture's claim the chapter demonstrates, in one paragraph (plain text). */
  readonly claim: string;
  run(ctx: ChapterContext): Promise<void>;
}
