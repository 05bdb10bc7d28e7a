/**
 * The wasm backend's allocator over linear memory: a bump pointer (`top`) plus free blocks.
 *
 * Requests are rounded up to a size class (64-byte multiples up to 4 KiB, then 8 classes per
 * power of two: at most 12.5% slack), so every block is 64-byte aligned. A freed block waits in a
 * list of blocks of its exact size, and the next request of that size takes it back at once: a
 * training loop reaches a fixed high-water mark after its first step and allocates nothing new.
 * A freed block at the top lowers the top instead.
 *
 * A request with no block of its size takes fresh memory at the top while the memory is large
 * enough. Before the memory would have to grow, free blocks that touch are merged (and merged
 * blocks that reach the top lower it), and the smallest free block that fits is split: the
 * request takes its front, the rest stays free. Only then does the memory grow, and a request
 * that still cannot be met returns -1 and changes nothing.
 *
 * Offsets are plain (unsigned) numbers below `limit`: 4 GiB, wasm32's address space.
 */
export interface ArenaStats {
  /** Bytes from the base to the top now. */
  heapBytes: number;
  /** The most the top ever reached (the high-water mark). */
  peakBytes: number;
  /** Free blocks below the top: their bytes and their count. */
  pooledBytes: number;
  pooledBuffers: number;
}

export class Arena {
  private top: number;
  /** Memory at or above this was never handed out: it is still zero from growing. */
  private fresh: number;
  private readonly start: number;
  /** Free blocks by exact size (bytes): stacks of offsets. */
  private readonly bins = new Map<number, number[]>();
  private pooledBytes = 0;
  private pooledBuffers = 0;
  /** Whether blocks were freed since free blocks were last merged. */
  private dirty = false;
  /** Where the block last handed out stops being known zero (its end when none of it is). */
  private zeroFrom = 0;

  /**
   * `capacity`: the memory's size now (bytes). `grow(end)` makes the memory at least `end`
   * bytes long and returns its new size, or -1 when it cannot. `limit`: the address space.
   */
  constructor(
    base: number,
    private capacity: number,
    private readonly grow: (end: number) => number,
    readonly limit = 2 ** 32,
  ) {
    this.start = Math.ceil(base / 64) * 64;
    this.top = this.start;
    this.fresh = this.start;
  }

  /** The size class (bytes actually reserved) of a request of `bytes`. */
  static classOf(bytes: number): number {
    if (bytes <= 4096) return Math.max(64, Math.ceil(bytes / 64) * 64);
    const step = 2 ** (Math.floor(Math.log2(bytes)) - 3);
    return Math.ceil(bytes / step) * step;
  }

  /** A block for `bytes`: its offset, or -1 when it does not fit (then nothing changes). */
  alloc(bytes: number): number {
    const cls = Arena.classOf(bytes);
    const list = this.bins.get(cls);
    let p: number;
    if (list !== undefined && list.length > 0) {
      p = list.pop()!;
      this.pooledBytes -= cls;
      this.pooledBuffers--;
    } else if (this.top + cls <= this.capacity) {
      p = this.bump(cls);
    } else {
      p = this.fit(cls);
      if (p < 0) {
        const end = this.top + cls;
        if (end > this.limit) return -1;
        if (end > this.capacity) {
          const grown = this.grow(end);
          if (grown < end) return -1;
          this.capacity = grown;
        }
        p = this.bump(cls);
      }
    }
    this.zeroFrom = Math.min(p + cls, Math.max(p, this.fresh));
    if (p + cls > this.fresh) this.fresh = p + cls;
    return p;
  }

  /**
   * Where the block that `alloc` just returned stops being known zero: bytes from there to its
   * end were never handed out since the memory grew, so they still read zero.
   */
  lastZeroFrom(): number {
    return this.zeroFrom;
  }

  /** Returns the block at `p` (allocated for `bytes`). */
  release(p: number, bytes: number): void {
    const cls = Arena.classOf(bytes);
    if (p + cls === this.top) {
      this.top = p;
    } else {
      this.push(p, cls);
    }
    this.dirty = true;
  }

  stats(): ArenaStats {
    return { heapBytes: this.top - this.start, peakBytes: this.fresh - this.start, pooledBytes: this.pooledBytes, pooledBuffers: this.pooledBuffers };
  }

  /** The largest block a request could get (after merging free blocks), in bytes. */
  largestFit(): number {
    this.merge();
    let free = 0;
    for (const [size, list] of this.bins) if (list.length > 0 && size > free) free = size;
    return Math.max(free, this.limit - this.top);
  }

  private bump(cls: number): number {
    const p = this.top;
    this.top = p + cls;
    return p;
  }

  private push(p: number, size: number): void {
    let list = this.bins.get(size);
    if (list === undefined) {
      list = [];
      this.bins.set(size, list);
    }
    list.push(p);
    this.pooledBytes += size;
    this.pooledBuffers++;
  }

  /** Merges free blocks, then takes the front of the smallest that holds `cls` bytes; -1 if none does. */
  private fit(cls: number): number {
    this.merge();
    let best = 0;
    for (const [size, list] of this.bins) if (size >= cls && list.length > 0 && (best === 0 || size < best)) best = size;
    if (best === 0) return -1;
    const p = this.bins.get(best)!.pop()!;
    this.pooledBytes -= best;
    this.pooledBuffers--;
    if (best > cls) this.push(p + cls, best - cls);
    return p;
  }

  /** Merges free blocks that touch; merged blocks that reach the top lower it. */
  private merge(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const blocks: [number, number][] = [];
    for (const [size, list] of this.bins) for (const p of list) blocks.push([p, size]);
    blocks.sort((a, b) => a[0] - b[0]);
    this.bins.clear();
    this.pooledBytes = 0;
    this.pooledBuffers = 0;
    const merged: [number, number][] = [];
    for (const [p, size] of blocks) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last[0] + last[1] === p) last[1] += size;
      else merged.push([p, size]);
    }
    const last = merged[merged.length - 1];
    if (last !== undefined && last[0] + last[1] === this.top) {
      this.top = last[0];
      merged.pop();
    }
    for (const [p, size] of merged) this.push(p, size);
  }
}
