/**
 * Property-based fuzzing of the public API: every public function and method, called with
 * arguments drawn from a pool of plausible and hostile values (null, NaN, strings, plain arrays,
 * huge sizes, disposed tensors, wrong dtypes, misspelt options, …), either succeeds or throws an
 * `Error` whose message names the function — never a raw JavaScript TypeError or RangeError
 * (which would mean a value slipped past validation into the internals), and never a tensor
 * holding a value its dtype cannot hold.
 *
 * Seeded (FUZZ_SEED), so a failure reproduces; FUZZ_RUNS sets the calls per function.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as nb from '../../src/index.js';
import { DTYPES } from '../../src/tensor/dtype.js';
import { conformanceBackends } from '../conformance/backends.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
/** FUZZ_TRACE=1 prints every call before it is made (to find a call that hangs or kills the process). */
const TRACE = process.env.FUZZ_TRACE === '1';

type Thunk = () => unknown;

/** The values arguments are drawn from; each is made fresh for every call (a callee may dispose or mutate it). */
const POOL: [string, Thunk][] = [
  // hostile scalars
  ['null', () => null], ['undefined', () => undefined], ['NaN', () => NaN], ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity], ['-1', () => -1], ['0', () => 0], ['1', () => 1], ['2', () => 2], ['3', () => 3],
  ['1.5', () => 1.5], ['-0.5', () => -0.5], ['1e10', () => 1e10], ['2^53', () => 2 ** 53], ['true', () => true], ['false', () => false],
  ['bigint', () => 3n], ['symbol', () => Symbol('s')],
  // strings
  ['"abc"', () => 'abc'], ['"1"', () => '1'], ['""', () => ''], ['"float32"', () => 'float32'], ['"int32"', () => 'int32'],
  ['"bool"', () => 'bool'], ['"bogus"', () => 'bogus'], ['"cpu"', () => 'cpu'], ['"mean"', () => 'mean'], ['"same"', () => 'same'],
  ['"relu"', () => 'relu'], ['"val_loss"', () => 'val_loss'],
  // arrays
  ['[]', () => []], ['[2,3]', () => [2, 3]], ['[3]', () => [3]], ['[-1]', () => [-1]], ['[1.5]', () => [1.5]], ['[0,1]', () => [0, 1]],
  ['["a"]', () => ['a']], ['[null]', () => [null]], ['[[1,2],[3,4]]', () => [[1, 2], [3, 4]]], ['[1e10,1e10]', () => [1e10, 1e10]],
  ['Float32Array(6)', () => new Float32Array(6)], ['Int8Array(3)', () => new Int8Array([1, -2, 3])],
  // objects
  ['{}', () => ({})], ['{dtype:bogus}', () => ({ dtype: 'bogus' })], ['{axis:"x"}', () => ({ axis: 'x' })],
  ['{keepDims:"yes"}', () => ({ keepDims: 'yes' })], ['{lr:-1}', () => ({ lr: -1 })], ['{rate:2}', () => ({ rate: 2 })],
  ['{padding:"bogus"}', () => ({ padding: 'bogus' })], ['{stride:0}', () => ({ stride: 0 })], ['{eps:-1}', () => ({ eps: -1 })],
  ['{epochs:"3"}', () => ({ epochs: '3' })], ['{batchSize:0}', () => ({ batchSize: 0 })], ['{limit:2}', () => ({ limit: 2 })],
  ['{x,y}', () => ({ x: nb.randn([4, 3]), y: nb.tensor([0, 1, 2, 1], { dtype: 'int32' }) })],
  ['{x:null}', () => ({ x: null, y: null })],
  ['fn', () => (x: unknown) => x], ['Map', () => new Map()], ['Date', () => new Date(0)],
  // tensors
  ['f32[2,3]', () => nb.randn([2, 3])], ['f32[3]', () => nb.randn([3])], ['f32[]', () => nb.scalar(0.5)],
  ['f32[3,3]', () => nb.randn([3, 3])], ['f32[4,3]', () => nb.randn([4, 3])],
  ['f32[1,1,4,4]', () => nb.randn([1, 1, 4, 4])], ['f32[2,1,5,5]', () => nb.randn([2, 1, 5, 5])],
  ['f32[0]', () => nb.zeros([0])], ['f32[2,3] grad', () => nb.randn([2, 3], { requiresGrad: true })],
  ['i32[3]', () => nb.tensor([0, 1, 2], { dtype: 'int32' })], ['i32[2] bad labels', () => nb.tensor([5, -1], { dtype: 'int32' })],
  ['bool[2]', () => nb.tensor([true, false])], ['f32 labels', () => nb.tensor([0.9, 2.9])],
  ['disposed', () => { const t = nb.ones([2]); t.dispose(); return t; }],
  // modules
  ['linear(3,2)', () => nb.nn.linear(3, 2)], ['mlp', () => nb.nn.sequential(nb.nn.linear(3, 4), nb.nn.relu(), nb.nn.linear(4, 3))],
];

const RAW = new Set(['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError']);

/** Checks a returned value: every tensor in it has a valid dtype, shape and values. */
function checkResult(v: unknown, fn: string, depth = 0): void {
  if (depth > 3 || v === null || typeof v !== 'object') return;
  if (v instanceof nb.Tensor) {
    if (v.isDisposed) return;
    expect(DTYPES, `${fn} returned a tensor of dtype ${String(v.dtype)}`).toContain(v.dtype);
    for (const d of v.shape) expect(Number.isInteger(d) && d >= 0, `${fn} returned shape [${v.shape.join(',')}]`).toBe(true);
    if (v.size <= 1 << 16 && v.backend.downloadSync) {
      const data = v.dataSync();
      expect(data.length, `${fn}: data length vs shape [${v.shape.join(',')}]`).toBe(v.size);
      if (v.dtype === 'bool') for (const x of data) expect(x === 0 || x === 1, `${fn} returned a bool tensor holding ${x}`).toBe(true);
    }
    return;
  }
  if (Array.isArray(v)) for (const x of v.slice(0, 8)) checkResult(x, fn, depth + 1);
}

function checkThrown(e: unknown, fn: string, args: string, owner?: string): void {
  const name = (e as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof e;
  const message = e instanceof Error ? e.message : String(e);
  const where = `${fn}(${args}) threw ${name}: ${message}\n${e instanceof Error ? e.stack?.split('\n').slice(1, 5).join('\n') : ''}`;
  expect(e instanceof Error, where).toBe(true);
  expect(RAW.has(name), where).toBe(false);
  const named = [fn, owner].some((n) => n !== undefined && message.toLowerCase().includes(n.toLowerCase()));
  expect(named, `${where}\n(the message should name '${fn}'${owner ? ` or '${owner}'` : ''})`).toBe(true);
}

async function settle(v: unknown): Promise<unknown> {
  if (!(v instanceof Promise)) return v;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('fuzz: timed out after 20 s')), 20_000); });
  try {
    return await Promise.race([v, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One fuzz target: `name` is what an error message must mention; `call` receives the made arguments. */
interface Target {
  name: string;
  /** For a method: its class, which a message may name instead (`linear: input must be …` from Linear.forward). */
  owner?: string;
  label: string;
  call: (args: unknown[]) => unknown;
  maxArgs: number;
  runs?: number;
}

const argsArb = (maxArgs: number) => fc.array(fc.nat({ max: POOL.length - 1 }), { minLength: 0, maxLength: maxArgs });

async function fuzz(t: Target): Promise<void> {
  const backend = nb.getBackend().name;
  await fc.assert(
    fc.asyncProperty(argsArb(t.maxArgs), async (idx) => {
      const label = idx.map((i) => POOL[i]![0]).join(', ');
      if (TRACE) fs.writeSync(2, `${backend} ${t.label}(${label})\n`);
      let result: unknown;
      try {
        result = await settle(nb.noGrad(() => t.call(idx.map((i) => POOL[i]![1]()))));
      } catch (e) {
        checkThrown(e, t.name, label, t.owner);
        return;
      } finally {
        if (nb.getBackend().name !== backend) nb.setBackend(backend);
      }
      checkResult(result, `${t.label}(${label})`);
    }),
    { seed: SEED, numRuns: t.runs ?? RUNS, endOnFailure: true },
  );
}

type Fn = (...args: unknown[]) => unknown;

/** Module-level functions and classes (called with `new` when their name starts with a capital). */
function functionsOf(prefix: string, ns: Record<string, unknown>, skip: readonly string[] = []): Target[] {
  return Object.keys(ns)
    // Error classes (IdxError, ModelFileError, …) are what nabla throws, not entry points.
    .filter((k) => typeof ns[k] === 'function' && !skip.includes(k) && !((ns[k] as Fn).prototype instanceof Error))
    .map((k) => {
      const f = ns[k] as Fn;
      const isClass = /^[A-Z]/.test(k);
      return {
        name: k,
        label: `${prefix}${k}`,
        maxArgs: Math.max(3, f.length + 1),
        runs: SLOW[`${prefix}${k}`],
        call: isClass ? (a: unknown[]) => new (f as unknown as new (...x: unknown[]) => unknown)(...a) : (a: unknown[]) => f(...a),
      };
    });
}

/** Methods of instances made fresh per call by `make`. */
function methodsOf(prefix: string, make: () => object, skip: readonly string[] = []): Target[] {
  const names = new Set<string>();
  skip = [...skip, ...UNREACHABLE];
  for (let p = Object.getPrototypeOf(make()) as object | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const k of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (k !== 'constructor' && d && typeof d.value === 'function' && !skip.includes(k)) names.add(k);
    }
  }
  return [...names].map((k) => ({
    name: k,
    owner: prefix,
    label: `${prefix}.${k}`,
    maxArgs: 3,
    call: (a: unknown[]) => {
      const o = make() as Record<string, Fn>;
      return o[k]!(...a);
    },
  }));
}

// Calls that do real work when they succeed (load MNIST, train) get fewer runs.
const SLOW: Record<string, number> = { 'data.mnist': 4, 'data.text.sequentialMnist': 4, 'data.mnistTensors': 8, 'train.fit': 15, 'train.evaluate': 15, 'train.predict': 15 };

// Internal Tensor methods (documented as internal, used by the engine and the ops).
const TENSOR_INTERNAL = ['escapeScope', 'markKept', 'isKept', 'own', 'shareAs', 'kernelView'];
// Global registries: a random call would replace a backend or a layer type for the rest of the file.
const REGISTRIES = ['registerBackend', 'registerLayer'];
// Not callable from typed code: Tensor's constructor is private (tensors come from nb.tensor & co.),
// BaseOptimizer is abstract, and these methods are private or protected.
const UNREACHABLE = ['Tensor', 'BaseOptimizer', 'visitParams', 'visitState', 'initSlot', 'update'];

// Metric objects' update (a name the optimizers' private update shares, so methodsOf skips it).
const METRIC_FACTORIES = ['accuracy', 'precision', 'recall', 'f1', 'topKAccuracy', 'mae', 'mse', 'r2'] as const;

function targets(): [string, Target[]][] {
  return [
    ['nb', functionsOf('', nb as unknown as Record<string, unknown>, [...REGISTRIES, ...UNREACHABLE])],
    ['nb.nn', functionsOf('nn.', nb.nn as unknown as Record<string, unknown>, REGISTRIES)],
    ['nb.optim', functionsOf('optim.', nb.optim as unknown as Record<string, unknown>, UNREACHABLE)],
    ['nb.train', functionsOf('train.', nb.train as unknown as Record<string, unknown>)],
    ['nb.train.metrics', functionsOf('train.metrics.', nb.train.metrics as unknown as Record<string, unknown>)],
    ['Metric.update', METRIC_FACTORIES.map((k): Target => ({
      name: k,
      label: `train.metrics.${k}().update`,
      maxArgs: 3,
      call: (a: unknown[]) => (nb.train.metrics[k]() as { update: Fn }).update(...a),
    }))],
    ['nb.data', functionsOf('data.', nb.data as unknown as Record<string, unknown>)],
    ['nb.data.text', functionsOf('data.text.', nb.data.text as unknown as Record<string, unknown>)],
    ['nb.io', functionsOf('io.', nb.io as unknown as Record<string, unknown>)],
    ['nb.viz', functionsOf('viz.', nb.viz as unknown as Record<string, unknown>)],
    ['nb.testing', functionsOf('testing.', nb.testing as unknown as Record<string, unknown>)],
    ['nb.debug', functionsOf('debug.', nb.debug as unknown as Record<string, unknown>)],
    ['nb.graph', functionsOf('graph.', nb.graph as unknown as Record<string, unknown>)],
    ['nb.graph.nn', functionsOf('graph.nn.', nb.graph.nn as unknown as Record<string, unknown>)],
    ['Tensor', methodsOf('Tensor', () => nb.randn([2, 3], { requiresGrad: true }), TENSOR_INTERNAL)],
    ['Random', methodsOf('Random', () => new nb.Random(1))],
    ['Linear', methodsOf('Linear', () => nb.nn.linear(3, 2))],
    ['Conv2d', methodsOf('Conv2d', () => nb.nn.conv2d(1, 2, 3))],
    ['Sequential', methodsOf('Sequential', () => nb.nn.sequential(nb.nn.linear(3, 4), nb.nn.relu()))],
    ['LSTM', methodsOf('LSTM', () => nb.nn.lstm(3, 2, { bidirectional: true }))],
    ['GRUCell', methodsOf('GRUCell', () => nb.nn.gruCell(3, 2))],
    ['Embedding', methodsOf('Embedding', () => nb.nn.embedding(4, 3))],
    ['Vocabulary (chars)', methodsOf('Vocabulary', () => nb.data.text.vocabulary(['hello', 'world'], { level: 'char' }))],
    ['Vocabulary (words)', methodsOf('Vocabulary', () => nb.data.text.vocabulary(['the cat sat', 'the dog'], { level: 'word' }))],
    ['Conv3d', methodsOf('Conv3d', () => nb.nn.conv3d(1, 2, 2))],
    ['Attention', methodsOf('Attention', () => nb.nn.attention({ kind: 'additive', queryDim: 3, keyDim: 2 }))],
    ['BatchNorm', methodsOf('BatchNorm', () => nb.nn.batchNorm2d(2))],
    ['BatchNorm (1d, momentum null)', methodsOf('BatchNorm', () => nb.nn.batchNorm1d(3, { momentum: null }))],
    ['LayerNorm', methodsOf('LayerNorm', () => nb.nn.layerNorm([2, 3]))],
    ['Upsample', methodsOf('Upsample', () => nb.nn.upsample({ mode: 'bilinear' }))],
    ['Adam', methodsOf('Adam', () => nb.optim.adam(1e-3))],
    ['SGD', methodsOf('SGD', () => nb.optim.sgd(0.1))],
  ];
}

let tmp = '';
let cwd = '';
beforeAll(() => {
  // Functions that write files (save, modelCheckpoint, …) write here when given a relative name.
  cwd = process.cwd();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nabla-fuzz-'));
  process.chdir(tmp);
});
afterAll(() => {
  process.chdir(cwd);
  fs.rmSync(tmp, { recursive: true, force: true });
});

// Backends that start asynchronously (webgpu) are left out: the fuzz calls every function
// synchronously, and on them a function that reads values synchronously (embedding ids, vocabulary
// decoding, batch norm's counter) throws the read's error, which names the read, not the function.
for (const backend of conformanceBackends().filter((b) => !nb.asyncBackendNames().includes(b))) {
  describe(`API fuzz on ${backend}`, () => {
    beforeAll(() => nb.setBackend(backend));
    for (const [group, list] of targets()) {
      describe(group, () => {
        for (const t of list) it(t.label, () => fuzz(t));
      });
    }
  });
}
