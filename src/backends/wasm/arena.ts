/**
 * The wasm backend's allocator: a bump pointer over linear memory plus free lists per size
 * class, so a buffer released by one training step is reused by the next. Classes are 64-byte
 * multiples up to 4 KiB, then 8 classes per power of two (at most 12.5% slack); every block is
 * 64-byte aligned. Blocks are never split or merged: a steady workload reaches a fixed high-water
 * mark and stays there.
 */
export class Arena {
  private top: number;
  private readonly lists = new Map<number, number[]>();
  private pooledBytes = 0;
  private pooledBuffers = 0;
  /** Where the block last handed out stops being known zero (its end when none of it is). */
  private zeroFrom = 0;

  /** `ensure(end)` must make the memory at least `end` bytes long. */
  constructor(
    private readonly base: number,
    private readonly ensure: (end: number) => void,
  ) {
    this.top = Math.ceil(base / 64) * 64;
  }

  /** The size class (bytes actually reserved) of a request of `bytes`. */
  static classOf(bytes: number): number {
    if (bytes <= 4096) return Math.max(64, Math.ceil(bytes / 64) * 64);
    const step = 2 ** (Math.floor(Math.log2(bytes)) - 3);
    return Math.ceil(bytes / step) * step;
  }

  alloc(bytes: number): number {
    const cls = Arena.classOf(bytes);
    const list = this.lists.get(cls);
    if (list && list.length > 0) {
      this.pooledBytes -= cls;
      this.pooledBuffers--;
      const q = list.pop()!;
      this.zeroFrom = q + cls;
      return q;
    }
    const p = this.top;
    if (p + cls > 2 ** 32) throw new Error(`wasm backend: out of memory allocating ${bytes} bytes (4 GiB address space)`);
    this.ensure(p + cls);
    this.top = p + cls;
    this.zeroFrom = p; // memory at the top was never handed out: still zero from growing
    return p;
  }

  /**
   * Where the block that \`alloc\` just returned stops being known zero: bytes from there to its
   * end were never handed out since the memory grew, so they still read zero.
   */
  lastZeroFrom(): number {
    return this.zeroFrom;
  }

  release(p: number, bytes: number): void {
    const cls = Arena.classOf(bytes);
    let list = this.lists.get(cls);
    if (!list) {
      list = [];
      this.lists.set(cls, list);
    }
    list.push(p);
    this.pooledBytes += cls;
    this.pooledBuffers++;
  }

  stats(): { heapBytes: number; pooledBytes: number; pooledBuffers: number } {
    return { heapBytes: this.top - this.base, pooledBytes: this.pooledBytes, pooledBuffers: this.pooledBuffers };
  }
}
