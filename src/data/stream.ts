/**
 * Streaming data: iterables (sync or async) of batches that `fit` consumes one at a time, for
 * data sets that do not fit in memory (TF.js `fitDataset`, PyTorch's DataLoader). Two helpers
 * wrap any iterable: `shuffleBuffer` (a seeded shuffle over a window of items) and `prefetch`
 * (asks for the next items while the current one is in use, so the next batch is ready when a
 * step ends). Both return iterables that start over from their source each time they are iterated,
 * so they serve one epoch after another when the source does.
 */
import { dispose } from '../engine.js';
import { Random } from '../tensor/random.js';
import { checkInt, checkOptions, fail, optNumber } from '../validate.js';

/** Anything `for await` accepts. */
export type AnyIterable<T> = Iterable<T> | AsyncIterable<T>;

/** Whether `v` is an iterable or async iterable object (a string or a Tensor is not one to stream). */
export function isIterable(v: unknown): v is AnyIterable<unknown> {
  if (v === null || typeof v !== 'object') return false;
  const o = v as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof o[Symbol.asyncIterator] === 'function' || typeof o[Symbol.iterator] === 'function';
}

/** A fresh (async) iterator over `src`. */
function iteratorOf<T>(src: AnyIterable<T>): AsyncIterator<T> | Iterator<T> {
  const a = (src as AsyncIterable<T>)[Symbol.asyncIterator];
  return typeof a === 'function' ? a.call(src) : (src as Iterable<T>)[Symbol.iterator]();
}

function checkIterable(op: string, arg: string, v: unknown): AnyIterable<unknown> {
  if (!isIterable(v)) fail(op, arg, 'an iterable or async iterable (of batches)', v);
  return v;
}

/**
 * Shuffles a stream through a buffer of `size` items (TF.js's `shuffle(bufferSize)`): the buffer
 * is filled first, then each item given out is drawn at random from it and replaced by the next
 * item of the source. `size` ≥ the number of items shuffles completely. Each iteration (epoch)
 * draws a new order from the generator seeded with `seed` (default 0), so runs repeat.
 */
export function shuffleBuffer<T>(source: AnyIterable<T>, size: number, opts: { seed?: number } = {}): AsyncIterable<T> {
  const op = 'data.shuffleBuffer';
  checkIterable(op, 'source', source);
  checkInt(op, 'size', size, { min: 1 });
  const o = checkOptions(op, opts, ['seed']);
  const rng = new Random(optNumber(op, 'seed', o.seed, 0));
  return {
    async *[Symbol.asyncIterator](): AsyncGenerator<T> {
      const buf: T[] = [];
      const it = iteratorOf(source);
      let completed = false;
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) break;
          if (buf.length < size) {
            buf.push(r.value);
            continue;
          }
          const k = rng.int(0, size);
          const out = buf[k] as T;
          buf[k] = r.value;
          yield out;
        }
        while (buf.length) {
          const k = rng.int(0, buf.length);
          const out = buf[k] as T;
          buf[k] = buf[buf.length - 1] as T;
          buf.pop();
          yield out;
        }
        completed = true;
      } finally {
        if (!completed) {
          dispose(buf); // items still buffered when the consumer stopped early
          await it.return?.();
        }
      }
    },
  };
}

/**
 * Keeps up to `n` items of `source` requested ahead of the consumer, so an async source (files,
 * decoding) produces the next batch while the current step runs. Items requested but never
 * consumed (the consumer stopped early) are disposed.
 */
export function prefetch<T>(source: AnyIterable<T>, n = 1): AsyncIterable<T> {
  const op = 'data.prefetch';
  checkIterable(op, 'source', source);
  checkInt(op, 'n', n, { min: 1 });
  return {
    async *[Symbol.asyncIterator](): AsyncGenerator<T> {
      const it = iteratorOf(source);
      const ahead: Promise<IteratorResult<T>>[] = [];
      let done = false;
      const fill = (): void => {
        while (!done && ahead.length < n) ahead.push(Promise.resolve(it.next()));
      };
      let completed = false;
      try {
        fill();
        while (ahead.length) {
          const r = await (ahead.shift() as Promise<IteratorResult<T>>);
          if (r.done) {
            done = true;
            continue;
          }
          fill();
          yield r.value;
        }
        completed = true;
      } finally {
        if (!completed) {
          for (const p of ahead.splice(0)) {
            const r = await p.catch(() => null);
            if (r && !r.done) dispose(r.value);
          }
          await it.return?.();
        }
      }
    },
  };
}
