/**
 * Value checks deferred on backends that read only asynchronously (webgpu). A layer that checks
 * the values of its input (nn.embedding's token ids) reads them synchronously on cpu and wasm and
 * throws at once; on a backend without synchronous reads it queues a copy of the values with the
 * check instead, and `fit`, `evaluate` (and anyone with `await settleDeferredChecks()`) run the
 * queued checks after each step, throwing the first failure with the message the synchronous
 * check gives. The queue keeps the newest few checks only, so a loop that never settles them does
 * not grow.
 */
import { keep, noGrad } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';

interface Pending {
  values: Tensor;
  check: (values: ArrayLike<number>) => void;
}

const MAX_PENDING = 64;
const pending: Pending[] = [];

/** Queues `check` to run on the values of `t` (a copy is kept, so `t` may be disposed). */
export function deferCheck(t: Tensor, check: (values: ArrayLike<number>) => void): void {
  const values = keep(noGrad(() => t.detach().clone()));
  pending.push({ values, check });
  while (pending.length > MAX_PENDING) pending.shift()!.values.dispose();
}

/** The number of checks queued and not yet run. */
export function deferredCheckCount(): number {
  return pending.length;
}

/**
 * Reads the values of every queued check (asynchronously, together) and runs the checks in the
 * order they were queued; the first that fails rejects with its error. The queue is emptied
 * either way.
 */
export async function settleDeferredChecks(): Promise<void> {
  if (pending.length === 0) return;
  const batch = pending.splice(0, pending.length);
  try {
    const values = await Promise.all(batch.map((p) => p.values.data() as Promise<ArrayLike<number>>));
    for (let i = 0; i < batch.length; i++) batch[i]!.check(values[i]!);
  } finally {
    for (const p of batch) p.values.dispose();
  }
}
