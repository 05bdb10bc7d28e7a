import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nb from '../src/index.js';

// Core semantics are tested on the reference backend (with float64); every backend's ops are
// tested by test/conformance/, which runs on all of them.
nb.setBackend('cpu');

const live = (): number => nb.memory().numTensors;

describe('dispose', () => {
  it('frees the buffer once; a disposed tensor refuses use', () => {
    const before = nb.memory();
    const t = nb.zeros([10]);
    expect(nb.memory().numTensors).toBe(before.numTensors + 1);
    expect(nb.memory().numBytes).toBe(before.numBytes + 40);
    t.dispose();
    t.dispose(); // idempotent
    expect(nb.memory().numTensors).toBe(before.numTensors);
    expect(nb.memory().numBytes).toBe(before.numBytes);
    expect(t.isDisposed).toBe(true);
    expect(() => t.add(1)).toThrow(/add: a: tensor \[10\] was disposed/);
    expect(() => t.dataSync()).toThrow(/was disposed/);
  });
  it('shared buffers (reshape, detach) are freed with their last tensor', () => {
    const before = nb.memory();
    const a = nb.zeros([2, 3]);
    const r = a.reshape([6]);
    const d = a.detach();
    expect(nb.memory().numBuffers).toBe(before.numBuffers + 1);
    expect(nb.memory().numTensors).toBe(before.numTensors + 3);
    a.dispose();
    expect(r.arraySync()).toEqual([0, 0, 0, 0, 0, 0]);
    r.dispose();
    expect(nb.memory().numBuffers).toBe(before.numBuffers + 1);
    d.dispose();
    expect(nb.memory().numBuffers).toBe(before.numBuffers);
    expect(nb.memory().numBytes).toBe(before.numBytes);
  });
  it('`using` disposes a tensor at the end of its block', () => {
    const before = live();
    {
      using t = nb.zeros([2]);
      expect(t.isDisposed).toBe(false);
      expect(live()).toBe(before + 1);
    }
    expect(live()).toBe(before);
  });
  it('nb.dispose takes tensors in arrays and objects', () => {
    const before = live();
    const ts = { a: nb.zeros([1]), b: [nb.ones([1]), nb.ones([2])] };
    nb.dispose(ts);
    expect(live()).toBe(before);
  });
  it('memory() reports the backend accounting too', () => {
    const m = nb.memory();
    expect(m.backend.name).toBe('cpu');
    expect(m.backend.numBytes).toBe(m.numBytes);
    expect(m.backend.numBuffers).toBe(m.numBuffers);
  });
});

describe('tidy', () => {
  it('disposes everything but the result (also in arrays, objects, Maps)', () => {
    const before = live();
    const out = nb.tidy(() => {
      const a = nb.ones([3]);
      const b = a.mul(2).add(1);
      return { b, list: [a.sum()], m: new Map([['k', b.exp()]]) };
    });
    expect(live()).toBe(before + 3); // b, the sum and the exp; a was disposed
    expect(out.b.arraySync()).toEqual([3, 3, 3]);
    nb.dispose([out.b, out.list, out.m.get('k')]);
    expect(live()).toBe(before);
  });
  it('keep protects a tensor; nested scopes hand results to their parent', () => {
    const before = live();
    let kept: nb.Tensor | null = null;
    const outer = nb.tidy(() => {
      const inner = nb.tidy(() => {
        kept = nb.keep(nb.ones([2]));
        nb.zeros([5]);
        return nb.full([1], 3);
      });
      expect(inner.isDisposed).toBe(false);
      nb.zeros([1]);
      return inner.add(1);
    });
    expect(kept!.isDisposed).toBe(false);
    expect(outer.item()).toBe(4);
    expect(live()).toBe(before + 2);
    nb.dispose([kept, outer]);
  });
  it('disposes on a throw', () => {
    const before = live();
    expect(() => nb.tidy(() => {
      nb.zeros([3]);
      throw new Error('boom');
    })).toThrow('boom');
    expect(live()).toBe(before);
  });
  it('does not dispose tensors created outside it', () => {
    const x = nb.ones([2]);
    nb.tidy(() => {
      x.add(1);
    });
    expect(x.isDisposed).toBe(false);
    x.dispose();
  });
  it('async: the scope lasts until the promise settles', async () => {
    const before = live();
    const r = await nb.tidy(async () => {
      const a = nb.ones([2]);
      await new Promise((res) => setTimeout(res, 5));
      const b = a.add(1);
      await Promise.resolve();
      return b.mul(2);
    });
    expect(r.arraySync()).toEqual([4, 4]);
    expect(live()).toBe(before + 1);
    r.dispose();
  });
  it('async: a rejection disposes the scope', async () => {
    const before = live();
    await expect(nb.tidy(async () => {
      nb.zeros([2]);
      await Promise.resolve();
      throw new Error('late');
    })).rejects.toThrow('late');
    expect(live()).toBe(before);
  });
  it('two interleaved async tidies keep their tensors apart (AsyncLocalStorage)', async () => {
    const before = live();
    const log: string[] = [];
    const tick = (): Promise<void> => new Promise((res) => setTimeout(res, 2));
    const work = (name: string, v: number): Promise<nb.Tensor> =>
      nb.tidy(async () => {
        let acc = nb.full([4], v);
        for (let i = 0; i < 5; i++) {
          await tick();
          acc = acc.add(1); // the previous acc stays in this scope and is disposed at the end
          log.push(name);
        }
        return acc;
      });
    const pA = work('A', 0);
    // B finishes first and disposes its own intermediates while A is still running.
    const pB = (async () => {
      const t = await nb.tidy(async () => {
        const x = nb.full([4], 100);
        await tick();
        return x.add(1);
      });
      log.push('B-done');
      return t;
    })();
    const [a, b] = await Promise.all([pA, pB]);
    expect(log.indexOf('B-done')).toBeLessThan(log.lastIndexOf('A'));
    expect(a.arraySync()).toEqual([5, 5, 5, 5]);
    expect(b.arraySync()).toEqual([101, 101, 101, 101]);
    expect(live()).toBe(before + 2);
    nb.dispose([a, b]);
  });
});

describe('ops leave no temporaries behind, also outside tidy', () => {
  const x = nb.tensor([[1, -2, 3], [-4, 5, -6]]);
  const w = nb.tensor([[0.5, -1, 2], [1, 1, -1]], { requiresGrad: true });
  const idx = nb.tensor([1, 0], { dtype: 'int32' });
  const ints = nb.tensor([[1, 2]], { dtype: 'int32' });
  const intCol = nb.tensor([[3], [4]], { dtype: 'int32' }); // [2,1]: also broadcasts against [2,3]
  const mask = nb.tensor([[true, false, true], [false, true, false]]);
  const ones3 = nb.tensor([1, 1, 1]);
  const v2 = nb.tensor([1, 2]);
  const v1 = nb.tensor([3]);
  // Each call creates nothing itself besides the op call, so any growth is the op's.
  const calls: [string, (t: nb.Tensor) => nb.Tensor][] = [
    ['add number', (t) => nb.add(t, 1)],
    ['sub number first', (t) => nb.sub(1, t)],
    ['mul int32 by a float number', () => nb.mul(ints, 2.5)],
    ['add int32 to float', (t) => nb.add(intCol, t)],
    ['exp of int', () => nb.exp(idx)],
    ['where numbers', () => nb.where(mask, 1, 0)],
    ['where with a number branch', (t) => nb.where(mask, t, 0)],
    ['clip', (t) => nb.clip(t, -1, 1)],
    ['mean', (t) => nb.mean(t, 1, true)],
    ['variance', (t) => nb.variance(t, 0)],
    ['std', (t) => nb.std(t)],
    ['logsumexp', (t) => nb.logsumexp(t, 1)],
    ['softmax', (t) => nb.softmax(t)],
    ['logSoftmax', (t) => nb.logSoftmax(t, 0)],
    ['leakyRelu', (t) => nb.leakyRelu(t)],
    ['swish', (t) => nb.swish(t)],
    ['sum keepDims', (t) => nb.sum(t, 0, true)],
    ['argmax keepDims', (t) => nb.argmax(t, 1, true)],
    ['sum of bool', () => nb.sum(mask)],
    ['stack', (t) => nb.stack([t, t])],
    ['tile', (t) => nb.tile(t, [2, 1])],
    ['repeat', (t) => nb.repeat(t, 2, 1)],
    ['matmul vector', (t) => nb.matmul(t, ones3)],
    ['matmul int', () => nb.matmul(ints, intCol)],
    ['outer', () => nb.outer(v2, v1)],
    ['scatterAdd', (t) => nb.scatterAdd(t, idx, t)],
    ['logicalAnd numbers', (t) => nb.logicalAnd(t, t)],
    ['logicalNot', (t) => nb.logicalNot(t)],
  ];
  for (const [name, f] of calls) {
    it(name, () => {
      for (const input of [x, w]) {
        const before = live();
        const out = f(input);
        out.dispose();
        expect(live(), `${name} on ${input === w ? 'a tensor requiring grad' : 'a constant'}`).toBe(before);
      }
    });
  }

  // An op that fails after converting its arguments (a cast, a number constant, a bool mask) releases them too.
  const int4 = nb.tensor([1, 2, 3, 4], { dtype: 'int32' });
  const mask4 = nb.tensor([true, false, true, false]);
  const failing: [string, (t: nb.Tensor) => unknown][] = [
    ['add of an int32 tensor that does not broadcast (cast first)', (t) => nb.add(t, int4)],
    ['logicalAnd of floats that do not broadcast (compared with 0 first)', (t) => nb.logicalAnd(t, v2)],
    ['where with a number branch that does not broadcast', (t) => nb.where(mask4, t, 0)],
    ['where with a float condition that does not broadcast', (t) => nb.where(v2, t, t)],
  ];
  for (const [name, f] of failing) {
    it(`fails cleanly: ${name}`, () => {
      for (const input of [x, w]) {
        const before = live();
        expect(() => f(input)).toThrow();
        expect(live(), `${name} on ${input === w ? 'a tensor requiring grad' : 'a constant'}`).toBe(before);
      }
    });
  }
  it('dispose releases the tensor\'s .grad too', () => {
    const before = live();
    const p = nb.tensor([1, 2], { requiresGrad: true });
    nb.tidy(() => nb.sum(p.mul(p)).backward());
    expect(live()).toBe(before + 2); // p and p.grad
    p.dispose();
    expect(live()).toBe(before);
  });
  it('grad(f) for f closing over a parameter: the differentiable gradient owns its graph', () => {
    const w = nb.scalar(3, { requiresGrad: true });
    const x = nb.scalar(0.2);
    const f = (t: nb.Tensor): nb.Tensor => w.mul(t.square()).sigmoid();
    const before = live();
    for (let i = 0; i < 20; i++) {
      const g = nb.grad(f)(x);
      g.backward();
      g.dispose();
      w.zeroGrad();
    }
    expect(live()).toBe(before);
  });
  it('a result returned from tidy can still be differentiated (its graph is kept alive)', () => {
    const p = nb.tensor([3], { requiresGrad: true });
    const before = live();
    // softmax over one element is 1 (gradient 0), so d/dp = d tanh(p)/dp + 0.
    const y = nb.tidy(() => p.mul(2).exp().mul(p).softmax(-1).add(nb.tanh(p)).sum());
    y.backward();
    expect(p.grad!.item()).toBeCloseTo(1 - Math.tanh(3) ** 2, 5);
    y.dispose();
    p.zeroGrad();
    expect(live()).toBe(before);
  });
});

describe('finalizer safety net', () => {
  it('tensors dropped without dispose (made outside a scope, returned from a tidy, or kept) are released when collected (node --expose-gc)', () => {
    const script = fileURLToPath(new URL('./fixtures/finalizer.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url));
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', tsx, script], { encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out.trim().split('\n').pop() as string) as { before: number; dropped: number; after: number; bytesBefore: number; bytesAfter: number; compacted: boolean };
    expect(r.dropped).toBeGreaterThan(r.before + 200);
    expect(r.after).toBe(r.before);
    expect(r.bytesAfter).toBe(r.bytesBefore);
    expect(r.compacted).toBe(true); // a long async tidy does not hold disposed tensors until it ends
  });
});

describe('no growth over a training loop', () => {
  for (const backend of nb.backendNames()) {
    it(`a raw-op MLP trained 1,000 steps keeps numTensors and numBytes flat [${backend}]`, () => {
      nb.setBackend(backend);
      try {
        const rng = new nb.Random(3);
        const X = nb.rand([16, 4], { random: rng, low: -1, high: 1 });
        const Y = nb.oneHot(nb.argmax(X, 1), 4);
        const params = [
          nb.randn([4, 8], { random: rng, std: 0.5, requiresGrad: true }),
          nb.zeros([8], { requiresGrad: true }),
          nb.randn([8, 4], { random: rng, std: 0.5, requiresGrad: true }),
          nb.zeros([4], { requiresGrad: true }),
        ];
        const [W1, b1, W2, b2] = params as [nb.Tensor, nb.Tensor, nb.Tensor, nb.Tensor];
        const step = (): number =>
          nb.tidy(() => {
            const h = nb.relu(nb.add(nb.matmul(X, W1), b1));
            const logits = nb.add(nb.matmul(h, W2), b2);
            const loss = nb.neg(nb.mean(nb.sum(nb.mul(Y, nb.logSoftmax(logits)), 1)));
            loss.backward();
            nb.noGrad(() => {
              for (const p of params) {
                p.assign(p.sub(p.grad!.mul(0.1)));
                p.zeroGrad();
              }
            });
            return loss.item();
          });
        const first = step();
        const m0 = nb.memory();
        let last = first;
        for (let i = 0; i < 1000; i++) last = step();
        const m1 = nb.memory();
        expect(m1.numTensors).toBe(m0.numTensors);
        expect(m1.numBytes).toBe(m0.numBytes);
        expect(m1.numBuffers).toBe(m0.numBuffers);
        expect(last).toBeLessThan(first * 0.5);
        nb.dispose([X, Y, params]);
      } finally {
        nb.setBackend('cpu');
      }
    });
  }
});
