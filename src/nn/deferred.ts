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
  /** What the containers around the layer put in front of its errors ('sequential: layer 0 (Embedding): '). */
  prefix: string;
}

const MAX_PENDING = 64;
const pending: Pending[] = [];
const context: { index: number; type: string }[] = [];

/**
 * Runs `fn`, a container's call of its layer `index` of type `type`: a check deferred inside it
 * gets the prefix the container puts in front of the errors it passes on.
 */
export function inLayer<T>(index: number, type: string, fn: () => T): T {
  context.push({ index, type });
  try {
    return fn();
  } finally {
    context.pop();
  }
}

/** Queues `check` to run on the values of `t` (a copy is kept, so `t` may be disposed). */
export function deferCheck(t: Tensor, check: (values: ArrayLike<number>) => void): void {
  const values = keep(noGrad(() => t.detach().clone()));
  pending.push({ values, check, prefix: context.map((c) => `sequential: layer ${c.index} (${c.type}): `).join('') });
  while (pending.length > MAX_PENDING) pending.shift()!.values.dispose();
}

/** Drops the queued checks unrun (a loop that starts checks its own steps only). */
export function discardDeferredChecks(): void {
  for (const p of pending.splice(0, pending.length)) p.values.dispose();
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
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      try {
        p.check(values[i]!);
      } catch (e) {
        if (e instanceof Error && e.constructor === Error) e.message = p.prefix + e.message;
        throw e;
      }
    }
  } finally {
    for (const p of batch) p.values.dispose();
  }
}
