/**
 * The static memory plan of `nb.jit`'s compiled plans: where in one slab each intermediate
 * buffer of a replay lives. A replay allocates the same buffers in the same order every time, so
 * the plan records the allocations of one replay — their sizes and the points where each was
 * allocated and freed (temporaries kernels allocate internally included) — and places every
 * buffer freed within the replay at an offset of one slab, buffers whose lifetimes do not
 * overlap sharing bytes (greedy by size, as TensorFlow Lite's and XLA's buffer assignment do).
 * Buffers still live when the replay ends (results, assigned state, gradients) are not placed.
 *
 * This file is the backend-neutral part (no imports): the placement and the interface a backend
 * offers to serve a replay's allocations from a slab (the wasm backend: planned-alloc.ts).
 */

/** One buffer of a recorded replay: its bytes, and the events (numbered in order) that allocated and freed it. */
export interface Lifetime {
  bytes: number;
  alloc: number;
  free: number;
}

export interface Placement {
  /** Each buffer's offset in the slab (a multiple of `align`). */
  offsets: number[];
  /** The slab's size: the end of the highest placed buffer. */
  slabBytes: number;
  /** The sum of the buffers' sizes (what allocating them all at once would take, before alignment). */
  plannedBytes: number;
}

/** Whether two lifetimes overlap: one is allocated before the other is freed, both ways. */
export function overlaps(a: Lifetime, b: Lifetime): boolean {
  return a.alloc < b.free && b.alloc < a.free;
}

/**
 * Places `bufs` in one slab: the largest first, each at the lowest offset (a multiple of `align`)
 * where it fits between the buffers already placed whose lifetimes overlap its own. Buffers that
 * are never live at the same time may share bytes; buffers that are never do.
 */
export function placeBuffers(bufs: readonly Lifetime[], align = 64): Placement {
  const n = bufs.length;
  const offsets = new Array<number>(n).fill(0);
  const padded = bufs.map((b) => Math.max(align, Math.ceil(b.bytes / align) * align));
  const order = [...bufs.keys()].sort((i, j) => (padded[j] as number) - (padded[i] as number) || (bufs[i] as Lifetime).alloc - (bufs[j] as Lifetime).alloc);
  const placed: number[] = [];
  let slabBytes = 0;
  let plannedBytes = 0;
  for (const i of order) {
    const b = bufs[i] as Lifetime;
    const size = padded[i] as number;
    plannedBytes += b.bytes;
    // the placed buffers live at the same time as b, by offset: b goes in the first gap that holds it
    const busy = placed.filter((j) => overlaps(b, bufs[j] as Lifetime)).sort((p, q) => (offsets[p] as number) - (offsets[q] as number));
    let at = 0;
    for (const j of busy) {
      const o = offsets[j] as number;
      if (o - at >= size) break;
      at = Math.max(at, o + (padded[j] as number));
    }
    offsets[i] = at;
    placed.push(i);
    slabBytes = Math.max(slabBytes, at + size);
  }
  return { offsets, slabBytes, plannedBytes };
}

/** What a replay's memory plan reports (`jitted.stats()`). */
export interface MemoryPlanStats {
  /**
   * 'recording': the next replay records its allocations; 'planned': replays serve them from the
   * slab; 'dropped': a replay asked for other allocations than the recorded one, and replays
   * allocate as eager code does from then on; 'none': this backend (or `{ memoryPlan: false }`)
   * has no memory plan.
   */
  memoryPlan: 'none' | 'recording' | 'planned' | 'dropped';
  /** The slab's bytes (0 unless planned). */
  slabBytes: number;
  /** The sum of the sizes of the buffers placed in the slab. */
  plannedBytes: number;
  /** How many allocations of a replay the slab serves. */
  plannedBuffers: number;
}

/**
 * A backend's side of one compiled plan's memory plan: `begin` before a replay's kernels run,
 * `end` after them (`ok` false when a kernel failed). The first complete replay is recorded and
 * planned; later ones are served from the slab.
 */
export interface ReplayMemory {
  begin(): void;
  end(ok: boolean): void;
  stats(): MemoryPlanStats;
  /** Frees the slab (once nothing in it is still in use). */
  dispose(): void;
}

/** A backend that can plan a replay's memory (the wasm backend). */
export interface MemoryPlanningBackend {
  _memoryPlan(): ReplayMemory;
}

export function canPlanMemory(be: object): be is MemoryPlanningBackend {
  return typeof (be as Partial<MemoryPlanningBackend>)._memoryPlan === 'function';
}
