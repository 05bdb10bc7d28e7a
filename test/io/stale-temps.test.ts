/**
 * A save killed mid-way leaves its temporary file (.<name>.<pid>.<random>.tmp) behind; the next
 * save to that folder removes the temporary files of processes that no longer exist, and nothing
 * else.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-stale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fileTs = fileURLToPath(new URL('../../src/io/file.ts', import.meta.url));
const temps = (folder: string): string[] => readdirSync(folder).filter((f) => f.endsWith('.tmp')).sort();

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

/**
 * Starts a child that saves 32 MiB with writeFileAtomic over and over, and kills it with SIGKILL
 * as soon as one of its temporary files exists. Resolves with the child's pid and the temp left.
 */
async function killMidSave(folder: string): Promise<{ pid: number; temp: string }> {
  const script = join(folder, 'saver.mts');
  writeFileSync(script, [
    `import { writeFileAtomic } from ${JSON.stringify(fileTs)};`,
    'const data = new Uint8Array(32 * 1024 * 1024).fill(7);',
    `for (;;) await writeFileAtomic(${JSON.stringify(join(folder, 'model.nabla'))}, data);`,
  ].join('\n'));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'ignore', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const t = temps(folder).find((f) => f.includes(`.${child.pid}.`));
    if (t) {
      child.kill('SIGKILL');
      await exited;
      return { pid: child.pid!, temp: t };
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('the saving child never showed a temporary file');
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('stale temporary files of killed saves', () => {
  it('a save removes the temps of dead processes, keeps those of live ones and every other file', async () => {
    const folder = mkdtempSync(join(dir, 'kill-'));
    const killed = await killMidSave(folder);
    expect(existsSync(join(folder, killed.temp))).toBe(true);
    expect(() => process.kill(killed.pid, 0)).toThrow(/ESRCH/);

    const dead = deadPid();
    const deadTemp = `.other.nabla.${dead}.k3j9x0ab.tmp`;
    const liveTemp = `.model.nabla.${process.pid}.a1b2c3d4.tmp`; // this process: alive
    const others = [
      `.model.nabla.${dead}.tmp`, // not nabla's pattern (no random part)
      `model.nabla.${dead}.abcdefgh.tmp`, // no leading dot
      `.model.nabla.${dead}.ABCDEFGH.tmp`, // nabla's random part is lower-case base 36
      'notes.tmp',
    ];
    for (const f of [deadTemp, liveTemp, ...others]) writeFileSync(join(folder, f), 'x');

    const model = nb.nn.sequential(nb.nn.linear(2, 3));
    await nb.io.save(model, join(folder, 'model.nabla'));
    model.dispose();

    const left = temps(folder);
    expect(left).not.toContain(killed.temp);
    expect(left).not.toContain(deadTemp);
    expect(left).toContain(liveTemp);
    for (const f of others) expect(left).toContain(f);
    expect(left).toHaveLength(1 + others.length);
    const loaded = await nb.io.load(join(folder, 'model.nabla'));
    loaded.dispose();
  });

  it('leaves other folders and non-files alone', async () => {
    const a = mkdtempSync(join(dir, 'a-'));
    const b = mkdtempSync(join(dir, 'b-'));
    const pid = deadPid();
    const stale = `.m.nabla.${pid}.zz00zz00.tmp`;
    const folderLike = `.d.nabla.${pid}.yy00yy00.tmp`;
    writeFileSync(join(b, stale), 'x');
    mkdirSync(join(a, folderLike));
    await nb.io.writeFileAtomic(join(a, 'x.txt'), 'data');
    expect(existsSync(join(b, stale))).toBe(true);
    expect(existsSync(join(a, folderLike))).toBe(true);
  });
});
