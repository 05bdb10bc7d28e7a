/**
 * The few hooks through which code outside src/jit cooperates with `nb.jit` while it traces a
 * function (no imports: optimizers and losses use it without pulling the compiler in).
 *
 * A traced function runs once, eagerly, with its kernel calls recorded; a later call replays the
 * recorded kernels without running the JavaScript. JavaScript state that changes from step to
 * step (an optimizer's step count) is refreshed on replay by `onReplay` callbacks, and numbers
 * baked into the plan that could change (a learning rate) are `guard`ed: when one differs at
 * replay the function is traced again.
 */
export interface TraceHooks {
  /** Runs `fn` before every replay of the plan being traced (in registration order). */
  onReplay(fn: () => void): void;
  /** At replay, `read()` must equal `expected` (the value at tracing time), else the function is traced again. */
  guard(read: () => unknown, expected: unknown): void;
}

let active: TraceHooks | null = null;
let validating = 0;

/** The hooks of the trace in progress, or null when nothing is being traced. */
export function jitTracing(): TraceHooks | null {
  return active;
}

/** Internal: installs the hooks of a trace (null: the trace ended). */
export function setJitTracing(h: TraceHooks | null): void {
  active = h;
}

/**
 * Runs `fn`, which reads tensor values only to validate them (a label range check): allowed while
 * tracing, where other reads are refused. The check then runs at tracing time only.
 */
export function validationRead<T>(fn: () => T): T {
  validating++;
  try {
    return fn();
  } finally {
    validating--;
  }
}

/** Internal: whether a read in progress is a validation read. */
export function isValidationRead(): boolean {
  return validating > 0;
}
