/** Op definitions are typed values, collected here for the generated op × backend × gradient table. This module imports nothing, so any module may define ops at load time. */
import type { KernelName } from './backends/interface.js';


export interface OpDef {
  /** Public name, e.g. `matmul`. */
  readonly name: string;
  /** Backend kernels the forward pass calls (empty for ops composed from other ops). */
  readonly kernels: readonly KernelName[];
  /** `'rule'`: has its own gradient rule; `'composite'`: differentiated through the ops it is built from; `'none'`: not differentiable (integer/boolean results). */
  readonly grad: 'rule' | 'composite' | 'none';
  /** The family file it lives in, for docs. */
  readonly family: string;
}

const opRegistry: OpDef[] = [];

export function defineOp(def: OpDef): OpDef {
  opRegistry.push(def);
  return def;
}

/** Every op definition, in registration order. */
export function listOps(): readonly OpDef[] {
  return opRegistry;
}

