/**
 * The module contract with several inputs and outputs: `Module<In, Out>`, what the type system
 * admits (checked by `npm run typecheck`, which compiles this file), hooks, summary, config and
 * save/load of such modules, and that Tensor→Tensor layers are written as before.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectPlainError, values } from './helpers.js';

/** A conditional model: two inputs, a tuple out. */
class Mix extends nb.nn.Module<[x: nb.Tensor, cond: nb.Tensor], [nb.Tensor, nb.Tensor]> {
  readonly a: nb.nn.Linear;
  readonly b: nb.nn.Linear;
  constructor() {
    super();
    this.a = this.registerModule('a', nb.nn.linear(3, 2));
    this.b = this.registerModule('b', nb.nn.linear(1, 2));
  }
  forward(x: nb.Tensor, cond: nb.Tensor): [nb.Tensor, nb.Tensor] {
    const y = nb.add(this.a.call(x), this.b.call(cond));
    return [y, nb.sum(y, 1)];
  }
}

/** An object output. */
class Heads extends nb.nn.Module<[nb.Tensor], { logits: nb.Tensor; value: nb.Tensor }> {
  readonly body = this.registerModule('body', nb.nn.linear(4, 3));
  forward(x: nb.Tensor): { logits: nb.Tensor; value: nb.Tensor } {
    const h = this.body.call(x);
    return { logits: h, value: nb.mean(h, 1, true) };
  }
}

/** A user's Tensor→Tensor subclass, written as before. */
class Double extends nb.nn.Module {
  forward(x: nb.Tensor): nb.Tensor {
    return nb.mul(x, 2);
  }
}

describe('Module<In, Out>', () => {
  it('several inputs, tuple outputs; call runs hooks with the first input, the output and all inputs', () => {
    const m = new Mix();
    const seen: string[] = [];
    const remove = m.registerForwardHook((_, x, [y, s], inputs) => seen.push(`${x.shape}|${y.shape}|${s.shape}|${inputs.length}`));
    const [y, s] = m.call(nb.ones([5, 3]), nb.ones([5, 1]));
    remove();
    expect(y.shape).toEqual([5, 2]);
    expect(s.shape).toEqual([5]);
    expect(seen).toEqual(['5,3|5,2|5|2']);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
  });

  it('call checks the first input is a live Tensor and that no Tensor input is disposed', () => {
    const m = new Mix();
    const d = nb.ones([5, 1]);
    d.dispose();
    expectPlainError(() => m.call(nb.ones([5, 3]), d), 'Mix.call: input 1 (tensor [5,1]) was disposed');
    expectPlainError(() => m.call(null as unknown as nb.Tensor, d), 'Mix.call: x must be a Tensor, got null');
  });

  it('summary takes one shape per input and prints tuple and object outputs', () => {
    const s = new Mix().summary([[3], [1]]);
    expect(s).toContain('Mix (input ([batch, 3], [batch, 1]), output ([batch, 2], [batch]))');
    expect(s).toMatch(/a\s+Linear\s+\[batch, 2\]\s+8/);
    const h = new Heads().summary([4]);
    expect(h).toContain('output {logits: [batch, 3], value: [batch, 1]}');
  });

  it('user Tensor→Tensor subclasses and layers fit sequential and fit as before', async () => {
    const model = nb.nn.sequential(nb.nn.linear(2, 2), new Double());
    const out: nb.Tensor = model.call(nb.ones([1, 2]));
    expect(out.shape).toEqual([1, 2]);
    const h = await nb.train.fit(model, { x: nb.ones([4, 2]), y: nb.zeros([4, 2]) }, { epochs: 1, loss: nb.nn.mse, verbose: 0 });
    expect(h.epochs.length).toBe(1);
  });

  it('modules of any signature save and load (weights by name)', async () => {
    const m = new Mix();
    const bytes = await nb.io.encodeWeights(m);
    const m2 = new Mix();
    nb.io.decodeWeights(m2, bytes);
    expect(values(m2.a.weight)).toEqual(values(m.a.weight));
  });

  it('fit refuses a model whose output is not a Tensor, naming fit', async () => {
    const model = nb.nn.lstm(2, 2) as unknown as nb.nn.Module;
    await expect(nb.train.fit(model, { x: nb.ones([2, 3, 2]), y: nb.ones([2, 3, 2]) }, { epochs: 1, loss: nb.nn.mse, verbose: 0 })).rejects.toThrow(/fit/);
  });
});

// Type-level checks: `npm run typecheck` compiles these lines; each @ts-expect-error must be an error.
export function typeChecks(): void {
  const l = nb.nn.lstm(3, 4);
  // @ts-expect-error sequential takes only Tensor→Tensor modules: an LSTM returns [output, state].
  nb.nn.sequential(l);
  // @ts-expect-error a module with two required inputs is not Tensor→Tensor either.
  nb.nn.sequential(new Mix());
  // @ts-expect-error an object output is not a Tensor.
  nb.nn.sequential(new Heads());
  nb.nn.sequential(nb.nn.embedding(5, 3), nb.nn.pick(l), new Double());
  const [y, [h, c]]: [nb.Tensor, nb.nn.LSTMState] = l.call(nb.zeros([1, 2, 3]));
  void [y, h, c];
  // @ts-expect-error the LSTM's state is [h, c], not a Tensor.
  l.call(nb.zeros([1, 2, 3]), nb.zeros([1, 1, 4]));
  const any: nb.nn.AnyModule[] = [l, new Mix(), new Heads(), new Double(), nb.nn.linear(1, 1)];
  void any;
  // @ts-expect-error fit needs call(x: Tensor): Tensor.
  void nb.train.fit(l, { x: nb.zeros([1]), y: nb.zeros([1]) });
}
