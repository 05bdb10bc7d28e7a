/**
 * Logic gates from perceptrons (SCOPE §1).
 *
 * With true = +1 and false = −1, one sign unit computes AND = sign(−1 + g₁ + g₂),
 * OR = sign(1 + g₁ + g₂) and NOT = sign(−g). XOR is not linearly separable, but two layers of
 * them compute it: XOR = OR(AND(−g₁, g₂), AND(g₁, −g₂)). With unit steps on 0/1 inputs the
 * classic two-layer XOR is h₁ = f(2x₁ + 2x₂ − 1), h₂ = f(−2x₁ − 2x₂ + 3), o = f(2h₁ + 2h₂ − 3).
 * Finally the perceptron learning algorithm finds AND, OR and NAND by itself — and fails on XOR.
 *
 * Run: npx tsx examples/logic-gates.ts   (exits non-zero if a truth table is wrong)
 */
import { pathToFileURL } from 'node:url';
import * as nb from 'nabla';

const PM = [[-1, -1], [-1, 1], [1, -1], [1, 1]];
const B01 = [[0, 0], [0, 1], [1, 0], [1, 1]];

function outputs(m: nb.nn.Module, rows: number[][]): number[] {
  return nb.tidy(() => Array.from(m.call(nb.tensor(rows)).dataSync() as ArrayLike<number>, Number));
}

export interface GatesResult {
  failures: string[];
  lines: string[];
}

export function run(): GatesResult {
  const failures: string[] = [];
  const lines: string[] = [];
  const table = (name: string, m: nb.nn.Module, rows: number[][], want: number[]): void => {
    const got = outputs(m, rows);
    lines.push(`${name}`);
    rows.forEach((r, i) => lines.push(`  ${r.map((v) => String(v).padStart(2)).join(' ')}  ->  ${String(got[i]).padStart(2)}${got[i] === want[i] ? '' : `   (expected ${want[i]})`}`));
    if (got.join() !== want.join()) failures.push(name);
  };

  table('AND = sign(-1 + g1 + g2)', nb.nn.gates.and(), PM, [-1, -1, -1, 1]);
  table('OR = sign(1 + g1 + g2)', nb.nn.gates.or(), PM, [-1, 1, 1, 1]);
  table('NOT = sign(-g)', nb.nn.gates.not(), [[-1], [1]], [1, -1]);
  table('XOR = OR(AND(-g1, g2), AND(g1, -g2))', nb.nn.gates.xor(), PM, [-1, 1, 1, -1]);
  table('XOR with unit steps: h1 = f(2x1 + 2x2 - 1), h2 = f(-2x1 - 2x2 + 3), o = f(2h1 + 2h2 - 3)', nb.nn.gates.xorStep(), B01, [0, 1, 1, 0]);

  lines.push('', 'The perceptron learning algorithm (w <- w + lr·(t - y)·x), from zero weights:');
  const learn: [string, number[], boolean][] = [['AND', [-1, -1, -1, 1], true], ['OR', [-1, 1, 1, 1], true], ['NAND', [1, 1, 1, -1], true], ['XOR', [-1, 1, 1, -1], false]];
  for (const [name, target, separable] of learn) {
    const p = nb.nn.perceptron(2);
    const r = p.fit(nb.tensor(PM), nb.tensor(target), { maxEpochs: 20 });
    const w = Array.from(p.weight.dataSync() as ArrayLike<number>, Number);
    const b = p.bias.item();
    const term = (v: number, x: string): string => `${v < 0 ? '-' : '+'} ${Math.abs(v)}·${x}`;
    lines.push(
      `  ${name.padEnd(4)} ${r.converged ? `converged after ${r.epochs} epochs` : `did not converge in ${r.epochs} epochs`}: ` +
        `y = sign(${b} ${term(w[0]!, 'g1')} ${term(w[1]!, 'g2')}), mistakes per epoch [${r.errors.join(', ')}]`,
    );
    if (r.converged !== separable) failures.push(`learning ${name}`);
    if (separable && outputs(p, PM).join() !== target.join()) failures.push(`learned ${name}`);
  }
  return { failures, lines };
}

function main(): void {
  const r = run();
  console.log(r.lines.join('\n'));
  if (r.failures.length) {
    console.log(`FAILED: ${r.failures.join(', ')}`);
    process.exit(1);
  }
  console.log('OK: every gate has the right truth table; XOR is not linearly separable');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
