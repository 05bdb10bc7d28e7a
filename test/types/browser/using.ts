// `using` (explicit resource management) disposes a tensor at the end of the block.
import * as nb from 'nabla';

export function sumOfOnes(): number {
  using t = nb.ones([3]);
  return t.sum().item();
}
