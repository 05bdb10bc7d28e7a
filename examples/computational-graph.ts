/**
 * The lectures' first computational graph, f(x, y, z) = (x + y)·z at x = −2, y = 5, z = −4,
 * differentiated by reverse-mode autodiff through nabla's public API.
 *
 *   q = x + y = 3,  f = q·z = −12
 *   ∂f/∂z = q = 3,  ∂f/∂q = z = −4,  ∂f/∂x = ∂f/∂y = ∂f/∂q · 1 = −4
 *
 * Run: npx tsx examples/computational-graph.ts   (exits non-zero if a check fails)
 */
import { pathToFileURL } from 'node:url';
import * as nb from 'nabla';

export interface GraphResult {
  f: number;
  dx: number;
  dy: number;
  dz: number;
  /** The same gradients through the functional API, nb.grad. */
  functional: number[];
}

export function run(): GraphResult {
  return nb.tidy(() => {
    const x = nb.scalar(-2, { requiresGrad: true });
    const y = nb.scalar(5, { requiresGrad: true });
    const z = nb.scalar(-4, { requiresGrad: true });
    const q = x.add(y);
    const f = q.mul(z);
    f.backward();
    const [gx, gy, gz] = nb.grad((a: nb.Tensor, b: nb.Tensor, c: nb.Tensor) => a.add(b).mul(c))(
      nb.scalar(-2), nb.scalar(5), nb.scalar(-4));
    return {
      f: f.item(), dx: x.grad!.item(), dy: y.grad!.item(), dz: z.grad!.item(),
      functional: [gx!.item(), gy!.item(), gz!.item()],
    };
  });
}

function main(): void {
  const r = run();
  console.log('f = (x + y)·z at x = -2, y = 5, z = -4');
  console.log(`  f      = ${r.f}`);
  console.log(`  df/dx  = ${r.dx}`);
  console.log(`  df/dy  = ${r.dy}`);
  console.log(`  df/dz  = ${r.dz}`);
  console.log(`  nb.grad gives [${r.functional.join(', ')}]`);
  const ok = r.f === -12 && r.dx === -4 && r.dy === -4 && r.dz === 3 && r.functional.join() === '-4,-4,3';
  console.log(ok ? 'OK: gradients are -4, -4, 3 as in the lecture' : 'FAILED: expected f = -12 and gradients -4, -4, 3');
  if (!ok) process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
