/** Containers: Sequential (a chain of layers) and Residual (y = body(x) + shortcut(x)). */
import type { Tensor } from '../../tensor/tensor.js';
import { fmt, shapesEqual } from '../../tensor/shape.js';
import { add } from '../../ops/index.js';
import { fromConfig, Module, registerLayer, type LayerConfig } from '../module.js';
import { checkInt, fail } from '../../validate.js';
import { checkTensor } from '../checks.js';

/** Runs its layers in order; their parameters are named "0.weight", "1.bias", …. */
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
      try {
        y = l.call(y);
      } catch (e) {
        // Say which layer of the stack refused its input; typed errors (out of memory, …) pass as they are.
        if (!(e instanceof Error) || e.constructor !== Error) throw e;
        throw new Error(`sequential: layer ${i} (${l.typeName}): ${e.message}`, { cause: e });
      }
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
