/** Containers: Sequential (a chain of layers) and Residual (y = body(x) + shortcut(x)). */
import { Tensor } from '../../tensor/tensor.js';
import { fmt, shapesEqual } from '../../tensor/shape.js';
import { add } from '../../ops/index.js';
import { fromConfig, Module, registerLayer, type AnyModule, type LayerConfig } from '../module.js';
import { checkInt, describe, fail } from '../../validate.js';
import { checkTensor } from '../checks.js';
import { inLayer } from '../deferred.js';

/** What a layer returned, in an error message: "a tuple of 2 (Tensor [2,5,8], …)", "an object {output, state}". */
function describeOutput(v: unknown): string {
  if (Array.isArray(v)) return `a tuple of ${v.length}`;
  if (v !== null && typeof v === 'object') return `an object {${Object.keys(v).join(', ')}}`;
  return describe(v);
}

/**
 * Runs its layers in order; their parameters are named "0.weight", "1.bias", …. Every layer maps
 * one Tensor to one Tensor (the type says so: `Module` is `Module<[Tensor], Tensor>`).
 */
export class Sequential extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Sequential';
  private readonly layers: Module[] = [];

  constructor(...layers: Module[]) {
    super();
    for (const l of layers) this.add(l);
  }

  /** Appends a layer. */
  add(layer: Module): this {
    if (!(layer instanceof Module)) fail('sequential', `layers[${this.layers.length}]`, 'a Module', layer);
    this.registerModule(String(this.layers.length), layer);
    this.layers.push(layer);
    return this;
  }

  /** The layer at `index`. */
  at(index: number): Module {
    checkInt('sequential.at', 'index', index);
    const l = this.layers[index < 0 ? this.layers.length + index : index];
    if (!l) throw new Error(`sequential.at: no layer ${index} (it has ${this.layers.length})`);
    return l;
  }

  get length(): number {
    return this.layers.length;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.layers[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    let y = checkTensor('sequential', 'x', x);
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i]!;
      let out: unknown;
      try {
        out = inLayer(i, l.typeName, () => l.call(y));
      } catch (e) {
        // Say which layer of the stack refused its input; typed errors (out of memory, …) pass as they are.
        if (!(e instanceof Error) || e.constructor !== Error) throw e;
        throw new Error(`sequential: layer ${i} (${l.typeName}): ${e.message}`, { cause: e });
      }
      // The type admits only Tensor→Tensor layers; a cast one returning a tuple (a recurrent layer) is caught here.
      if (!(out instanceof Tensor)) {
        throw new Error(
          `sequential: layer ${i} (${l.typeName}) returned ${describeOutput(out)}, not a Tensor; sequential chains Tensor→Tensor layers only ` +
            `(wrap a layer with several outputs in nn.pick(layer) to keep its first output, or write a Module subclass)`,
        );
      }
      y = out;
    }
    return y;
  }

  override config(): LayerConfig {
    return { type: 'Sequential', layers: this.layers.map((l) => l.config()) };
  }
}
registerLayer('Sequential', (c) => {
  if (!Array.isArray(c.layers)) throw new Error(`fromConfig: Sequential config needs an array 'layers'`);
  return new Sequential(...c.layers.map((l) => fromConfig(l as LayerConfig)));
});

/** A chain of layers: `sequential(linear(2, 4), relu(), linear(4, 1))`. */
export function sequential(...layers: Module[]): Sequential {
  return new Sequential(...layers);
}

/** A residual (skip) block: y = body(x) + shortcut(x), the shortcut being the identity unless given. */
export class Residual extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Residual';
  readonly body: Module;
  readonly shortcut: Module | null;

  constructor(body: Module, shortcut: Module | null = null) {
    super();
    if (!(body instanceof Module)) fail('residual', 'body', 'a Module', body);
    if (shortcut !== null && !(shortcut instanceof Module)) fail('residual', 'shortcut', 'a Module', shortcut);
    this.body = this.registerModule('body', body);
    this.shortcut = shortcut ? this.registerModule('shortcut', shortcut) : null;
  }

  forward(x: Tensor): Tensor {
    checkTensor('residual', 'x', x);
    const y = this.body.call(x);
    const s = this.shortcut ? this.shortcut.call(x) : x;
    if (!shapesEqual(y.shape, s.shape)) {
      throw new Error(`residual: the body gives ${fmt(y.shape)} but the shortcut gives ${fmt(s.shape)}; pass a shortcut (e.g. a 1×1 conv2d) that matches`);
    }
    return add(y, s);
  }

  override config(): LayerConfig {
    const c: LayerConfig = { type: 'Residual', body: this.body.config() };
    if (this.shortcut) c.shortcut = this.shortcut.config();
    return c;
  }
}
registerLayer('Residual', (c) => new Residual(fromConfig(c.body as LayerConfig), c.shortcut ? fromConfig(c.shortcut as LayerConfig) : null));

/** A residual block y = body(x) + shortcut(x) (identity shortcut by default), as in ResNets. */
export function residual(body: Module, shortcut?: Module): Residual {
  return new Residual(body, shortcut ?? null);
}

/**
 * One output of a module with several: `pick(lstm(8, 16))` is a Tensor→Tensor layer giving the
 * LSTM's first output (its outputs without the state), so that it fits in `sequential` and `fit`.
 * `key` is an index into a tuple output or a key of an object output (default 0).
 */
export class Pick extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Pick';
  readonly layer: AnyModule;
  readonly key: number | string;

  constructor(layer: AnyModule, key: number | string = 0) {
    super();
    if (!(layer instanceof Module)) fail('pick', 'layer', 'a Module', layer);
    if (!(typeof key === 'string' || (Number.isSafeInteger(key) && key >= 0))) fail('pick', 'key', 'an index ≥ 0 or a key', key);
    this.layer = this.registerModule('layer', layer);
    this.key = key;
  }

  forward(x: Tensor): Tensor {
    checkTensor('pick', 'x', x);
    const out: unknown = this.layer.call(x);
    const v: unknown = out instanceof Tensor ? (this.key === 0 ? out : undefined) : out !== null && typeof out === 'object' ? (out as Record<string | number, unknown>)[this.key] : undefined;
    if (!(v instanceof Tensor)) throw new Error(`pick: ${this.layer.typeName} returned ${describeOutput(out)}, which has no Tensor at ${JSON.stringify(this.key)}`);
    return v;
  }

  override config(): LayerConfig {
    return { type: 'Pick', layer: this.layer.config(), key: this.key };
  }
}
registerLayer('Pick', (c) => new Pick(fromConfig<AnyModule>(c.layer as LayerConfig), typeof c.key === 'string' || typeof c.key === 'number' ? c.key : 0));

/** The output `key` (default 0) of a module with several outputs, as a Tensor→Tensor layer: `sequential(embedding(30, 8), pick(lstm(8, 16, { returnSequences: false })), linear(16, 2))`. */
export function pick(layer: AnyModule, key: number | string = 0): Pick {
  return new Pick(layer, key);
}
