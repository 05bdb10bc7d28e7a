/**
 * The wasm backend's side of `nb.jit`'s static memory plan (src/jit/memplan.ts): while a
 * compiled plan replays, the device's allocations go through here instead of straight to the
 * arena.
 *
 * The first complete replay of a plan is recorded: every block taken (kernel outputs, uploads,
 * and the scratch and temporaries kernels take internally) with its size, and the order of the
 * allocations and frees. The blocks freed before the replay ends are placed in one slab
 * (`placeBuffers`), which is taken from the arena once. Later replays are checked against the
 * recording event by event: the i-th allocation gets `slab + offset[i]` when its size is the
 * recorded one, and frees of slab blocks are no-ops; blocks that outlive the replay (results,
 * assigned state, gradients) still come from the arena. When a replay departs from the
 * recording (another size, another order), the plan is dropped: the rest of that replay and
 * every later one allocate from the arena, and the slab is returned once no block in it is in use.
 *
 * All allocation happens on the thread that calls the kernels (the worker threads only compute
 * on offsets they are given), so none of this needs atomics.
 */
import { placeBuffers, type Lifetime, type MemoryPlanStats, type ReplayMemory } from '../../jit/memplan.js';

/** What the device lends: its arena, and the pointer test for blocks of a slab. */
export interface SlabDevice {
  /** A block from the arena (throws when out of memory). */
  takeFromArena(bytes: number): number;
  /** Returns a block to the arena. */
  releaseToArena(p: number, bytes: number): void;
}

/**
 * The device's hook (`WasmDevice.planned`): the plan replaying now, if any, and the slabs of
 * dropped plans that still hold blocks in use.
 */
export class SlabAllocs {
  active: PlannedReplay | null = null;
  readonly retired = new Set<PlannedReplay>();

  constructor(readonly d: SlabDevice) {}

  take(bytes: number): number {
    const r = this.active;
    return r !== null ? r.take(bytes) : this.d.takeFromArena(bytes);
  }

  /** Whether `p` was a slab block (its release is then done here: nothing to return to the arena). */
  release(p: number): boolean {
    const r = this.active;
    if (r !== null && r.release(p)) return true;
    if (this.retired.size === 0) return false;
    for (const s of this.retired) if (s.releaseRetired(p)) return true;
    return false;
  }

  /** Whether `p` lies in a slab (its memory is not known to be zero). */
  inSlab(p: number): boolean {
    const r = this.active;
    return r !== null && r.owns(p);
  }
}

type State = 'recording' | 'planned' | 'dropped';

/** One compiled plan's memory plan on the wasm device. */
export class PlannedReplay implements ReplayMemory {
  private state: State = 'recording';
  private disposed = false;
  // recording: each allocation's bytes and lifetime, and the live ones by pointer
  private recs: Lifetime[] = [];
  private recLive = new Map<number, number>();
  // the plan: the events in order (≥ 0: allocation i; < 0: free of allocation −e − 1), each allocation's bytes and offset (−1: arena)
  private events: Int32Array = new Int32Array(0);
  private sizes: Int32Array = new Int32Array(0);
  private offsets: Int32Array = new Int32Array(0);
  private slab = -1;
  private slabBytes = 0;
  private plannedBytes = 0;
  private plannedBuffers = 0;
  // a replay in progress
  private running = false;
  private pos = 0;
  private nAlloc = 0;
  /** Slab blocks in use: pointer → allocation index. */
  private readonly slabLive = new Map<number, number>();
  /** Arena blocks taken in this replay (the plan expects them to outlive it). */
  private readonly arenaTaken = new Set<number>();
  /** The replay departed from the recording: the rest of it allocates from the arena. */
  private diverged = false;

  constructor(private readonly host: SlabAllocs) {}

  begin(): void {
    if (this.disposed || this.state === 'dropped' || this.host.active !== null) return;
    this.host.active = this;
    this.running = true;
    this.pos = 0;
    this.nAlloc = 0;
    this.diverged = false;
    this.arenaTaken.clear();
    if (this.state === 'recording') {
      this.recs = [];
      this.recLive.clear();
    }
  }

  end(ok: boolean): void {
    if (!this.running) return;
    this.running = false;
    this.host.active = null;
    this.arenaTaken.clear();
    if (this.state === 'recording') {
      if (ok) this.plan();
      this.recs = [];
      this.recLive.clear();
      return;
    }
    // a replay that failed or stopped short of the recording drops the plan
    if (!ok || this.diverged || this.pos !== this.events.length) this.drop();
  }

  stats(): MemoryPlanStats {
    const planned = this.state === 'planned';
    return {
      memoryPlan: this.state,
      slabBytes: planned ? this.slabBytes : 0,
      plannedBytes: planned ? this.plannedBytes : 0,
      plannedBuffers: planned ? this.plannedBuffers : 0,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.running) this.end(false);
    if (this.state === 'planned') this.drop();
  }

  owns(p: number): boolean {
    return this.slab >= 0 && p >= this.slab && p < this.slab + this.slabBytes;
  }

  take(bytes: number): number {
    if (this.state === 'recording') {
      const p = this.host.d.takeFromArena(bytes);
      this.recLive.set(p, this.recs.length);
      this.recs.push({ bytes, alloc: this.pos++, free: -1 });
      return p;
    }
    if (!this.diverged) {
      const i = this.nAlloc;
      if (this.pos < this.events.length && this.events[this.pos] === i && this.sizes[i] === bytes) {
        this.pos++;
        this.nAlloc++;
        const o = this.offsets[i] as number;
        if (o >= 0) {
          const p = this.slab + o;
          this.slabLive.set(p, i);
          return p;
        }
        const p = this.host.d.takeFromArena(bytes);
        this.arenaTaken.add(p);
        return p;
      }
      this.diverged = true;
    }
    return this.host.d.takeFromArena(bytes);
  }

  /** A release while this plan replays: true when `p` is a slab block (then nothing goes back to the arena). */
  release(p: number): boolean {
    if (this.state === 'recording') {
      const i = this.recLive.get(p);
      if (i !== undefined) {
        this.recLive.delete(p);
        (this.recs[i] as Lifetime).free = this.pos++;
      }
      return false;
    }
    if (!this.owns(p)) {
      // an arena block the recording kept past the replay, freed within it: not the recorded replay
      if (this.arenaTaken.delete(p)) this.diverged = true;
      return false;
    }
    const i = this.slabLive.get(p);
    if (i === undefined) {
      this.diverged = true; // not a block in use: nothing to do, but not the recorded replay either
      return true;
    }
    this.slabLive.delete(p);
    if (!this.diverged) {
      if (this.events[this.pos] === -i - 1) this.pos++;
      else this.diverged = true;
    }
    return true;
  }

  /** After the plan was dropped: a slab block still in use is released; the slab goes with the last. */
  releaseRetired(p: number): boolean {
    if (!this.owns(p)) return false;
    this.slabLive.delete(p);
    if (this.slabLive.size === 0) this.freeSlab();
    return true;
  }

  /** Places the recorded blocks freed within the replay and takes the slab. */
  private plan(): void {
    const recs = this.recs;
    const placedIdx: number[] = [];
    recs.forEach((r, i) => { if (r.free >= 0) placedIdx.push(i); });
    if (placedIdx.length === 0) {
      this.state = 'dropped'; // nothing to plan
      return;
    }
    const placement = placeBuffers(placedIdx.map((i) => recs[i] as Lifetime));
    let slab: number;
    try {
      slab = this.host.d.takeFromArena(placement.slabBytes);
    } catch {
      this.state = 'dropped'; // no room for the slab: replays keep allocating from the arena
      return;
    }
    const n = recs.length;
    const events = new Int32Array(this.pos);
    this.sizes = new Int32Array(n);
    this.offsets = new Int32Array(n).fill(-1);
    recs.forEach((r, i) => {
      this.sizes[i] = r.bytes;
      events[r.alloc] = i;
      if (r.free >= 0) events[r.free] = -i - 1;
    });
    placedIdx.forEach((i, k) => { this.offsets[i] = placement.offsets[k] as number; });
    this.events = events;
    this.slab = slab;
    this.slabBytes = placement.slabBytes;
    this.plannedBytes = placement.plannedBytes;
    this.plannedBuffers = placedIdx.length;
    this.state = 'planned';
  }

  /** Drops the plan: the slab goes back to the arena now, or once its last block in use is released. */
  private drop(): void {
    this.state = 'dropped';
    if (this.slab < 0) return;
    if (this.slabLive.size === 0) this.freeSlab();
    else this.host.retired.add(this);
  }

  private freeSlab(): void {
    this.host.retired.delete(this);
    if (this.slab >= 0) this.host.d.releaseToArena(this.slab, this.slabBytes);
    this.slab = -1;
    this.slabBytes = 0;
  }
}

/** A fresh memory plan for one compiled plan on this device (`dev.planned` is created with the first). */
export function plannedReplay(dev: { planned: SlabAllocs | null } & SlabDevice): PlannedReplay {
  dev.planned ??= new SlabAllocs(dev);
  return new PlannedReplay(dev.planned);
}
