import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectClose, f64, onBackend, pinBackend, randn64, values } from './helpers.js';

// Tests of exact float64 values run on the reference backend ('cpu'): the default may be 'wasm',
// which has no float64. The rest (training, memory, errors) run on the default backend.
const D = { dtype: 'float64' } as const;

/** A network using every layer type that has a config. */
function everyLayer(): nb.nn.Sequential {
  return nb.nn.sequential(
    nb.nn.reshape([2, 4, 4]),
    nb.nn.conv2d(2, 6, 3, { ...D, padding: 'same' }),
    nb.nn.prelu({ numParameters: 6, dtype: 'float64' }),
    nb.nn.subsampling(6, { dtype: 'float64' }),
    nb.nn.lenet5C3({ ...D, padding: 2 }),
    nb.nn.residual(nb.nn.sequential(nb.nn.conv2d(16, 16, 1, D), nb.nn.elu(0.5))),
    nb.nn.conv2dTranspose(16, 4, 2, { ...D, stride: 2 }),
    nb.nn.maxPool2d(2),
    nb.nn.avgPool2d(1),
    nb.nn.flatten(),
    nb.nn.dropout(0.3),
    nb.nn.maxout(16, 5, 2, D),
    nb.nn.ramp({ low: -1, high: 1 }),
    nb.nn.linear(5, 3, { ...D, l2: 0.01 }),
    nb.nn.softmax(),
  );
}

describe('Module parameters and state', () => {
  it('namedParameters uses dotted names; stateDict holds the live parameters', () => {
    const m = nb.nn.sequential(nb.nn.linear(2, 3), nb.nn.relu(), nb.nn.sequential(nb.nn.linear(3, 1)));
    expect(m.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([
      ['0.weight', [2, 3]], ['0.bias', [3]], ['2.0.weight', [3, 1]], ['2.0.bias', [1]],
    ]);
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(m.stateDict()['2.0.bias']).toBe(m.parameters()[3]);
    expect(m.numParameters()).toBe(6 + 3 + 3 + 1);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', '0', '1', '2', '2.0']);
  });

  it('parameters made inside tidy survive it', () => {
    const m = nb.tidy(() => nb.nn.linear(2, 2));
    expect(m.parameters().every((p) => !p.isDisposed)).toBe(true);
  });

  it('loadStateDict copies values and reports missing, unexpected and mis-shaped keys', () => {
    const a = nb.nn.sequential(nb.nn.linear(2, 3), nb.nn.linear(3, 1));
    const b = nb.nn.sequential(nb.nn.linear(2, 3), nb.nn.linear(3, 1));
    b.loadStateDict(a.stateDict());
    for (const [n, p] of b.namedParameters()) expect(values(p)).toEqual(values(a.stateDict()[n]!));
    expect(b.parameters()[0]).not.toBe(a.parameters()[0]);
    const sd = a.stateDict();
    const { ['1.bias']: _dropped, ...partial } = sd;
    expect(() => b.loadStateDict(partial)).toThrow('loadStateDict: missing keys: 1.bias');
    expect(() => b.loadStateDict({ ...sd, extra: nb.zeros([1]) })).toThrow('loadStateDict: unexpected keys: extra');
    expect(() => b.loadStateDict({ ...sd, '0.weight': nb.zeros([3, 2]) })).toThrow("loadStateDict: '0.weight' has shape [3,2], the parameter has [2,3]");
  });

  it('loadStateDict moves values from another backend (float64 on cpu into a model on each backend)', () => {
    for (const name of nb.backendNames()) {
      const prev = nb.getBackend().name;
      nb.setBackend(name);
      try {
        const m = nb.nn.linear(2, 1);
        const sd = {
          weight: nb.tensor([[0.5], [-0.25]], { dtype: 'float64', backend: 'cpu' }),
          bias: nb.tensor([0.125], { dtype: 'float64', backend: 'cpu' }),
        };
        m.loadStateDict(sd);
        expect(m.parameters().every((p) => p.backend.name === nb.getBackend().name && p.dtype === 'float32')).toBe(true);
        expect(Array.from(m.stateDict()['weight']!.dataSync())).toEqual([0.5, -0.25]);
        expect(Array.from(m.stateDict()['bias']!.dataSync())).toEqual([0.125]);
      } finally {
        nb.setBackend(prev);
      }
    }
  });

  it('loadStateDict casts dtypes (float64 values into float32 parameters)', () => {
    onBackend('cpu', () => {
      const l = nb.nn.linear(1, 1);
      l.loadStateDict({ weight: f64([[0.5]]), bias: f64([2]) });
      expect(l.weight.dtype).toBe('float32');
      expectClose(l.call(nb.tensor([[4]])), 4, 0);
    });
  });

  it('train/eval propagate to children; zeroGrad clears every gradient', () => {
    const m = nb.nn.sequential(nb.nn.linear(2, 2), nb.nn.sequential(nb.nn.dropout(0.5)));
    m.eval();
    expect(m.namedModules().every(([, c]) => !c.training)).toBe(true);
    m.train();
    expect(m.namedModules().every(([, c]) => c.training)).toBe(true);
    nb.sum(m.call(nb.ones([1, 2]))).backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('forward hooks see input and output and can be removed', () => {
    const l = nb.nn.linear(2, 1);
    const seen: number[][] = [];
    const remove = l.registerForwardHook((_, x, y) => seen.push([...x.shape, ...y.shape]));
    l.call(nb.ones([3, 2]));
    remove();
    l.call(nb.ones([3, 2]));
    expect(seen).toEqual([[3, 2, 3, 1]]);
  });

  it('dispose releases the parameters', () => {
    const before = nb.memory().numTensors;
    const m = nb.nn.sequential(nb.nn.linear(3, 3), nb.nn.lenet5C3());
    m.dispose();
    expect(nb.memory().numTensors).toBe(before);
  });

  it('registration errors', () => {
    class Bad extends nb.nn.Module {
      constructor() {
        super();
        this.registerParameter('w', nb.zeros([1]));
        this.registerParameter('w', nb.zeros([1]));
      }
      forward(x: nb.Tensor): nb.Tensor {
        return x;
      }
    }
    expect(() => new Bad()).toThrow("registerParameter: 'w' is already registered on Bad");
    class NoConfig extends nb.nn.Module {
      forward(x: nb.Tensor): nb.Tensor {
        return x;
      }
    }
    expect(() => new NoConfig().config()).toThrow(/NoConfig: config\(\) is not defined/);
  });
});

describe('config and fromConfig', () => {
  it('every layer type round-trips through JSON: same architecture, same outputs after loadStateDict', () => onBackend('cpu', () => {
    nb.seed(5);
    const m = everyLayer().eval();
    const cfg = JSON.parse(JSON.stringify(m.config())) as nb.nn.LayerConfig;
    const types = new Set<string>();
    const walk = (c: nb.nn.LayerConfig): void => {
      types.add(c.type);
      for (const v of Object.values(c)) {
        if (Array.isArray(v)) v.forEach((x) => x && typeof x === 'object' && 'type' in x && walk(x as nb.nn.LayerConfig));
        else if (v && typeof v === 'object' && 'type' in v) walk(v as nb.nn.LayerConfig);
      }
    };
    walk(cfg);
    expect([...types].sort()).toEqual(['Activation', 'AvgPool2d', 'Conv2d', 'Conv2dTranspose', 'Dropout', 'Flatten', 'Linear', 'MaxPool2d', 'Maxout', 'PReLU', 'PartialConv2d', 'Reshape', 'Residual', 'Sequential', 'Subsampling']);
    const r = nb.nn.fromConfig(cfg).eval();
    expect(r.namedParameters().map(([n, p]) => [n, p.shape, p.dtype])).toEqual(m.namedParameters().map(([n, p]) => [n, p.shape, p.dtype]));
    expect(r.config()).toEqual(m.config());
    r.loadStateDict(m.stateDict());
    const x = randn64([2, 32]);
    expectClose(r.call(x), values(m.call(x)), 1e-12);
    expect(r.numParameters()).toBe(m.numParameters());
  }));

  it('keeps initializers and penalties; perceptrons round-trip', () => {
    const l = nb.nn.linear(3, 2, { init: nb.nn.init.normal(0.2), biasInit: 0.1, l1: 0.5 });
    const c = l.config();
    expect(c.init).toEqual({ kind: 'normal', mean: 0, std: 0.2 });
    expect(c.biasInit).toEqual({ kind: 'constant', value: 0.1 });
    const r = nb.nn.fromConfig(c) as nb.nn.Linear;
    expect(values(r.bias!)).toEqual([0.1, 0.1].map(Math.fround));
    expect(r.regularization()).not.toBeNull();
    const p = nb.nn.fromConfig(nb.nn.perceptron(2, 1, { activation: 'step' }).config()) as nb.nn.Perceptron;
    expect(p.activation).toBe('step');
  });

  it('unknown types and malformed configs give clear errors', () => {
    expect(() => nb.nn.fromConfig({ type: 'Nope' })).toThrow(/fromConfig: unknown layer type 'Nope'; known: .*Linear/);
    expect(() => nb.nn.fromConfig({ type: 'Linear', inFeatures: 2 })).toThrow("fromConfig: Linear config needs a number 'outFeatures'");
  });
});

describe('regularization', () => {
  pinBackend('cpu');
  it('sums λ₁Σ|w| and (λ₂/2)Σw² over the layers that ask for it (weights only)', () => {
    const a = nb.nn.linear(2, 1, { ...D, l1: 0.1 });
    const b = nb.nn.linear(1, 1, { ...D, l2: 0.5 });
    const m = nb.nn.sequential(a, b, nb.nn.linear(1, 1, D));
    a.loadStateDict({ weight: f64([[1], [-2]]), bias: f64([100]) });
    b.loadStateDict({ weight: f64([[3]]), bias: f64([100]) });
    const r = m.regularization()!;
    expectClose(r, 0.1 * 3 + 0.25 * 9, 1e-12);
    r.backward();
    expectClose(a.weight.grad!, [0.1, -0.1], 1e-12);
    expectClose(b.weight.grad!, [1.5], 1e-12);
    expect(a.bias!.grad).toBeNull();
    expect(nb.nn.sequential(nb.nn.linear(2, 2)).regularization()).toBeNull();
  });
});

describe('summary', () => {
  it('lists each layer with its output shape and parameters, then totals', () => {
    const m = nb.nn.sequential(nb.nn.conv2d(1, 6, 5, { padding: 'same' }), nb.nn.relu(), nb.nn.maxPool2d(2), nb.nn.flatten(), nb.nn.linear(1176, 10));
    const s = m.summary([1, 28, 28]);
    expect(s).toMatch(/0\s+Conv2d\s+\[batch, 6, 28, 28\]\s+156/);
    expect(s).toMatch(/2\s+MaxPool2d\s+\[batch, 6, 14, 14\]\s+0/);
    expect(s).toMatch(/4\s+Linear\s+\[batch, 10\]\s+11,770/);
    expect(s).toContain('Total params: 11,926');
    expect(s).toContain('Trainable params: 11,926');
    expect(m.training).toBe(true);
    expect(() => m.summary([2, 28, 28])).toThrow('conv2d: input has 2 channels, expected 1: x is [1,2,28,28]');
  });
  it('fixed (non-trainable) weights are counted apart; nested containers show their leaves', () => {
    const s = nb.nn.sequential(nb.nn.perceptron(2, 2), nb.nn.sequential(nb.nn.linear(2, 1))).summary([2]);
    expect(s).toMatch(/1\.0\s+Linear\s+\[batch, 1\]\s+3/);
    expect(s).toContain('Non-trainable params: 6');
  });
});

describe('memory', () => {
  it('a training loop keeps the live-tensor count flat', () => {
    nb.seed(1);
    const m = nb.nn.sequential(nb.nn.linear(4, 8, { l2: 1e-3 }), nb.nn.relu(), nb.nn.dropout(0.2), nb.nn.linear(8, 3));
    const opt = nb.optim.adam(0.01);
    const x = nb.randn([6, 4]);
    const t = nb.tensor([0, 1, 2, 0, 1, 2], { dtype: 'int32' });
    const step = (): void => {
      nb.tidy(() => {
        const loss = nb.add(nb.nn.softmaxCrossEntropy(m.call(x), t), m.regularization()!);
        loss.backward();
      });
      opt.step(m.parameters());
      m.zeroGrad();
    };
    step();
    const before = nb.memory().numTensors;
    for (let i = 0; i < 20; i++) step();
    expect(nb.memory().numTensors).toBe(before);
  });
});

describe('custom modules (the docs/nn.md pattern)', () => {
  class TwoLayer extends nb.nn.Module {
    readonly fc1 = this.registerModule('fc1', nb.nn.linear(2, 8));
    readonly fc2 = this.registerModule('fc2', nb.nn.linear(8, 1));
    readonly scale = this.registerParameter('scale', nb.ones([1]));
    forward(x: nb.Tensor): nb.Tensor {
      return this.fc2.call(this.fc1.call(x).tanh()).mul(this.scale);
    }
  }
  it('registers children and parameters from field initializers, trains, and summarizes', () => {
    const m = new TwoLayer();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['scale', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    const s = m.summary([2]);
    expect(s).toMatch(/\(root\)\s+TwoLayer\s+\[batch, 1\]\s+1/);
    expect(s).toMatch(/fc1\s+Linear\s+\[batch, 8\]\s+24/);
    expect(s).toContain('Total params: 34');
    const loss = nb.add(nb.nn.mse(m.call(nb.ones([3, 2])), nb.zeros([3, 1])), m.regularization() ?? 0);
    loss.backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
  });
});

describe('dtypes and freezing', () => {
  it('integer inputs are cast; a float input of the other float type is a clear error', () => {
    // The float64 inputs live on 'cpu' (f64 and the backend option): the layers, on the default
    // backend, must name the dtype mismatch.
    const l = nb.nn.linear(2, 1, { init: 1 });
    expect(values(l.call(nb.tensor([[1, 2]], { dtype: 'int32' })))).toEqual([3]);
    expect(() => l.call(f64([[1, 2]]))).toThrow("linear: input is float64 but the layer's parameters are float32: x is [1,2]; cast the input (x.cast('float32')) or build the layer with { dtype: 'float64' }");
    expect(() => nb.nn.conv2d(1, 1, 1).call(nb.zeros([1, 1, 2, 2], { dtype: 'float64', backend: 'cpu' }))).toThrow(/conv2d: input is float64/);
  });
  it('requireGrad(false) freezes a module: no gradients, optimizer leaves it alone; fixed weights stay fixed', () => {
    const frozen = nb.nn.linear(2, 2);
    const head = nb.nn.linear(2, 1);
    const m = nb.nn.sequential(frozen, nb.nn.perceptron(2, 2, { activation: 'step' }), head);
    frozen.requireGrad(false);
    const w0 = values(frozen.weight);
    nb.sum(m.call(nb.ones([1, 2]))).backward();
    expect(frozen.weight.grad).toBeNull();
    expect(head.weight.grad).not.toBeNull();
    nb.optim.sgd(1).step(m.parameters());
    expect(values(frozen.weight)).toEqual(w0);
    m.requireGrad(true);
    expect(frozen.weight.requiresGrad).toBe(true);
    expect((m.at(1) as nb.nn.Perceptron).weight.requiresGrad).toBe(false);
  });
});

describe('a classic LeNet-style conv net', () => {
  it('trains with flat memory and lowers its loss (C3 table, trainable subsampling)', () => {
    nb.seed(2);
    const m = nb.nn.sequential(
      nb.nn.conv2d(1, 6, 5, { padding: 2, init: 'glorotUniform' }), nb.nn.tanh(), nb.nn.subsampling(6),
      nb.nn.lenet5C3({ init: 'glorotUniform' }), nb.nn.tanh(), nb.nn.subsampling(16),
      nb.nn.flatten(), nb.nn.linear(16, 3, { init: 'glorotUniform' }),
    );
    const x = nb.randn([3, 1, 12, 12]);
    const t = nb.tensor([0, 1, 2], { dtype: 'int32' });
    const opt = nb.optim.adam(0.01);
    const step = (): number => {
      const l = nb.tidy(() => {
        const loss = nb.nn.softmaxCrossEntropy(m.call(x), t);
        loss.backward();
        return loss.item();
      });
      opt.step(m.parameters());
      m.zeroGrad();
      return l;
    };
    const first = step();
    const before = nb.memory().numTensors;
    let last = first;
    for (let i = 0; i < 6; i++) last = step();
    expect(nb.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first);
    // C3's unconnected weights are still exactly zero after training.
    const c3 = m.at(3) as nb.nn.PartialConv2d;
    const w = values(c3.weight);
    expect(w.slice(3 * 25, 6 * 25).every((v) => v === 0)).toBe(true); // map 0 reads S2 maps 0–2 only
  });
});

describe('summary keeps modes', () => {
  it('restores each module’s own training flag', () => {
    const d = nb.nn.dropout(0.5);
    const m = nb.nn.sequential(nb.nn.linear(2, 2), d);
    d.eval();
    m.summary([2]);
    expect(m.training).toBe(true);
    expect(d.training).toBe(false);
  });
});
