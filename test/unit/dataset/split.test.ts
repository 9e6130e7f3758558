import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadDataset } from '../../../nlp/dataset/load';
import { splitSizes, stratifiedSplit } from '../../../nlp/dataset/split';
import type { Example, SplitOptions } from '../../../nlp/dataset/types';
import { tempDir } from './helpers';

// 3 labels of 500, 300 and 200 examples.
const SIZES = [500, 300, 200];
const EXAMPLES: Example[] = SIZES.flatMap((n, label) => Array.from({ length: n }, (_, i) => ({ text: `label ${label} example ${i}`, label })));
const NAMES = ['a', 'b', 'c'];
const OPTIONS: SplitOptions = { validation: 0.1, test: 0.2, seed: 13 };

/** A fixed permutation (a seeded Fisher-Yates with an LCG), so the "shuffled" input is itself reproducible. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const count = (examples: Example[], label: number): number => examples.filter((e) => e.label === label).length;

describe('splitSizes', () => {
  it('rounds each fraction, giving a held-out split at least one example while train keeps one', () => {
    expect(splitSizes(1000, { validation: 0.1, test: 0.2 })).toEqual({ train: 700, validation: 100, test: 200 });
    expect(splitSizes(7, { validation: 0.1, test: 0.1 })).toEqual({ train: 5, validation: 1, test: 1 });
    expect(splitSizes(3, { validation: 0.1, test: 0.1 })).toEqual({ train: 1, validation: 1, test: 1 });
    expect(splitSizes(2, { validation: 0.1, test: 0.1 })).toEqual({ train: 1, validation: 1, test: 0 });
    expect(splitSizes(2, { validation: 0, test: 0.1 })).toEqual({ train: 1, validation: 0, test: 1 });
    expect(splitSizes(1, { validation: 0.4, test: 0.4 })).toEqual({ train: 1, validation: 0, test: 0 });
    expect(splitSizes(10, { validation: 0, test: 0 })).toEqual({ train: 10, validation: 0, test: 0 });
  });
});

describe('stratifiedSplit', () => {
  const splits = stratifiedSplit(EXAMPLES, NAMES, OPTIONS);

  it('keeps every label in every split in proportion', () => {
    SIZES.forEach((n, label) => {
      expect(count(splits.test, label)).toBe(Math.round(n * 0.2));
      expect(count(splits.validation, label)).toBe(Math.round(n * 0.1));
      expect(count(splits.train, label)).toBe(n - Math.round(n * 0.2) - Math.round(n * 0.1));
    });
    expect(splits.warnings).toEqual([]);
    const all = [...splits.train, ...splits.validation, ...splits.test].map((e) => e.text).sort();
    expect(all).toEqual(EXAMPLES.map((e) => e.text).sort());
  });

  it('gives the same splits, in the same order, for the same seed whatever the input order', () => {
    expect(stratifiedSplit(EXAMPLES, NAMES, OPTIONS)).toEqual(splits);
    expect(stratifiedSplit(shuffled(EXAMPLES, 7), NAMES, OPTIONS)).toEqual(splits);
    expect(stratifiedSplit([...EXAMPLES].reverse(), NAMES, OPTIONS)).toEqual(splits);
  });

  it('gives a different split for a different seed', () => {
    const other = stratifiedSplit(EXAMPLES, NAMES, { ...OPTIONS, seed: 14 });
    const testTexts = new Set(splits.test.map((e) => e.text));
    const overlap = other.test.filter((e) => testTexts.has(e.text)).length;
    // Two independent 20% samples share about 20% of their members, far from all of them.
    expect(overlap).toBeGreaterThan(0);
    expect(overlap).toBeLessThan(splits.test.length / 2);
  });

  it('takes test first, so a new validation fraction leaves the test split alone', () => {
    const moreValidation = stratifiedSplit(EXAMPLES, NAMES, { ...OPTIONS, validation: 0.3 });
    expect(moreValidation.test).toEqual(splits.test);
    expect(count(moreValidation.validation, 0)).toBe(150);
  });

  it('mixes the labels in each split instead of grouping them', () => {
    const firstHundred = splits.train.slice(0, 100);
    for (const label of [0, 1, 2]) expect(count(firstHundred, label)).toBeGreaterThan(10);
  });
});

describe('loadDataset split files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('split');
    const rows = EXAMPLES.map((e) => `${e.text},${NAMES[e.label]}\n`);
    await fs.writeFile(path.join(dir, 'ordered.csv'), 'text,label\n' + rows.join(''));
    await fs.writeFile(path.join(dir, 'shuffled.csv'), 'text,label\n' + shuffled(rows, 99).join(''));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function digests(file: string, seed: number): Promise<string[]> {
    const outDir = await fs.mkdtemp(path.join(dir, 'out-'));
    const { files } = await loadDataset({
      sources: [{ file }],
      fields: { text: 'text', label: 'label' },
      split: { ...OPTIONS, seed },
      outDir,
      baseDir: dir,
      workDir: path.join(dir, 'work'),
    });
    const hashes = [];
    for (const name of ['train', 'validation', 'test', 'labels'] as const) {
      hashes.push(createHash('sha256').update(await fs.readFile(files[name])).digest('hex'));
    }
    return hashes;
  }

  it('writes byte-identical files for shuffled input, and different ones for another seed', async () => {
    const ordered = await digests('ordered.csv', 13);
    expect(await digests('shuffled.csv', 13)).toEqual(ordered);
    const reseeded = await digests('ordered.csv', 21);
    expect(reseeded.slice(0, 3).every((hash, i) => hash !== ordered[i])).toBe(true);
    expect(reseeded[3]).toBe(ordered[3]); // the labels do not depend on the seed
  });
});
