/**
 * What the lectures' programs get from TensorFlow's `input_data.read_data_sets` helper: MNIST as
 * NCHW images [N, 1, 28, 28] in [0, 1] and one-hot labels [N, 10], `nextBatch(100)` over a shuffled
 * epoch, and the test set. NABLA_SHORT=1 loads a small slice (the CI smoke test);
 * NABLA_ITERATIONS overrides a program's iteration count; NABLA_BACKEND picks the backend;
 * NABLA_SEED (default 0) seeds the initial weights, dropout and the batch order;
 * NABLA_TEST_EVERY (default 500; the tutorial: 100) sets how often the test set is measured.
 */
import * as nb from 'nabla';

export const isShort = process.env.NABLA_SHORT === '1';

export interface Mnist {
  train: { images: nb.Tensor; labels: nb.Tensor; nextBatch(n: number): [nb.Tensor, nb.Tensor] };
  test: { images: nb.Tensor; labels: nb.Tensor };
}

/** Reads MNIST (a slice in short mode) and seeds nabla's generator. */
export async function readDataSets(): Promise<Mnist> {
  if (process.env.NABLA_BACKEND) nb.setBackend(process.env.NABLA_BACKEND);
  const seed = Number(process.env.NABLA_SEED ?? 0);
  nb.seed(seed);
  const { train, test } = await nb.data.mnist(isShort ? { limit: 1000, testLimit: 500 } : {});
  const oneHot = (y: nb.Tensor): nb.Tensor => nb.cast(nb.oneHot(y, 10), 'float32');
  const trainLabels = oneHot(train.y);
  const testLabels = oneHot(test.y);
  const n = train.x.shape[0]!;
  const random = new nb.Random(seed + 1);
  let order: number[] = [];
  let pos = n;
  return {
    train: {
      images: train.x,
      labels: trainLabels,
      nextBatch(size: number): [nb.Tensor, nb.Tensor] {
        if (pos + size > n) {
          order = Array.from({ length: n }, (_, i) => i);
          for (let i = n - 1; i > 0; i--) {
            const j = Math.floor(random.uniform() * (i + 1));
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          pos = 0;
        }
        const idx = nb.tensor(order.slice(pos, pos + size), { dtype: 'int32' });
        pos += size;
        const batch: [nb.Tensor, nb.Tensor] = [nb.indexSelect(train.x, 0, idx), nb.indexSelect(trainLabels, 0, idx)];
        idx.dispose();
        return batch;
      },
    },
    test: { images: test.x, labels: testLabels },
  };
}

/** The iteration count: a program's own, NABLA_ITERATIONS, or a few in short mode. */
export function iterations(full: number): number {
  if (process.env.NABLA_ITERATIONS) return Number(process.env.NABLA_ITERATIONS);
  return isShort ? 60 : full;
}

/** The best test accuracy measured so far (what the lectures' programs print at the end). */
let maxTestAccuracy = 0;

/**
 * Runs `[accuracy, crossEntropy]` over the test set in slices of 1000 images (the lectures feed
 * all 10 000 at once; slices keep the convolutions' memory small) and averages them.
 */
export function testRun(sess: nb.graph.Session, fetches: [nb.graph.SymbolicTensor, nb.graph.SymbolicTensor], feed: (x: nb.Tensor, y: nb.Tensor) => nb.graph.Feed, mnist: Mnist): [number, number] {
  const n = mnist.test.images.shape[0]!;
  let acc = 0;
  let ce = 0;
  for (let i = 0; i < n; i += 1000) {
    const m = Math.min(1000, n - i);
    nb.tidy(() => {
      const x = nb.slice(mnist.test.images, [i, 0, 0, 0], [m, -1, -1, -1]);
      const y = nb.slice(mnist.test.labels, [i, 0], [m, -1]);
      const [a, c] = sess.run(fetches, feed(x, y));
      acc += a.item() * m;
      ce += c.item() * m;
    });
  }
  maxTestAccuracy = Math.max(maxTestAccuracy, acc / n);
  return [acc / n, ce / n];
}

/**
 * Prints the result line and exits non-zero when the target accuracy is missed. The target is
 * checked, as the lectures report their figures, against the maximum test accuracy over the
 * test evaluations (every NABLA_TEST_EVERY iterations and the final one); the final accuracy is
 * printed next to it.
 */
export function report(name: string, accuracy: number, target: number, shortTarget: number, seconds: number): void {
  const t = isShort ? shortTarget : target;
  const best = Math.max(maxTestAccuracy, accuracy);
  console.log(`max test accuracy: ${best.toFixed(4)}`);
  console.log(`${name}: test accuracy ${(100 * accuracy).toFixed(2)}% at the end, max ${(100 * best).toFixed(2)}%, in ${seconds.toFixed(0)} s on ${nb.getBackend().name}`);
  if (best < t) {
    console.log(`FAILED: expected at least ${(100 * t).toFixed(1)}%`);
    process.exit(1);
  }
  console.log(`OK: at least ${(100 * t).toFixed(1)}%${isShort ? ' (short mode)' : ''}`);
}

/**
 * Whether iteration i also evaluates the test set: every NABLA_TEST_EVERY iterations, default
 * 500 (the lectures evaluate every 100, which costs a third more time in the convolutional
 * programs); never in short mode.
 */
export function testDue(i: number): boolean {
  const every = Number(process.env.NABLA_TEST_EVERY ?? 500);
  return !isShort && every > 0 && i > 0 && i % every === 0;
}
