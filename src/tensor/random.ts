/**
 * The seeded random generator behind rand/randn/randint, initializers, dropout and shuffling.
 * xoshiro128** (32-bit state words, fast in JS); `seed(n)` makes every run repeat exactly.
 */
import { checkInt, checkNumber, checkOptions, describe, fail } from '../validate.js';
import { MAX_SIZE } from './shape.js';

export interface RandomState {
  readonly words: readonly [number, number, number, number];
  readonly spare: number | null;
}

export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed: number = Date.now()) {
    checkNumber('Random', 'seed', seed);
    this.seed(seed);
  }

  seed(n: number): void {
    checkNumber('Random.seed', 'n', n);
    // splitmix32 expands the seed into the four state words.
    let x = n >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spare = null;
  }

  /** The generator's full state, to resume the same stream later with `setState`. */
  getState(): RandomState {
    return { words: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  setState(state: RandomState): void {
    const st = checkOptions('Random.setState', state, ['words', 'spare'], 'state');
    const words = st.words as unknown;
    if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= -0x80000000 && w <= 0xffffffff)) {
      fail('Random.setState', 'state.words', 'an array of four 32-bit integers', words);
    }
    if (st.spare !== null && (typeof st.spare !== 'number' || !Number.isFinite(st.spare))) fail('Random.setState', 'state.spare', 'a finite number or null', st.spare);
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    this.spare = st.spare;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal (Box–Muller, with the second value kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [low, high). */
  int(low: number, high: number): number {
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || high <= low) {
      throw new Error(`Random.int: need integers low < high, got low=${describe(low)}, high=${describe(high)}`);
    }
    return drawInt(this, low, high);
  }

  /** Fisher–Yates shuffle of 0..n-1. */
  permutation(n: number): Int32Array {
    checkInt('Random.permutation', 'n', n, { min: 0, max: MAX_SIZE });
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = drawInt(this, 0, i + 1);
      const t = p[i] as number;
      p[i] = p[j] as number;
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The global generator used when no generator is passed. */
export const globalRandom = new Random(0x5eed);

/** Seeds the global generator: runs then repeat exactly (on the same backend). */
export function seed(n: number): void {
  checkNumber('seed', 'n', n);
  globalRandom.seed(n);
}

/** Internal (not exported by nabla): `r.int` without the argument check, for loops that checked their bounds once. */
export function drawInt(r: Random, low: number, high: number): number {
  return low + Math.floor(r.uniform() * (high - low));
}
