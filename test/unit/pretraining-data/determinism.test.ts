import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildIn, countingCorpus, instances, readAll, syntheticDocs } from './helpers';

let root: string;
let n = 0;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-ptd-determinism-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function fresh(): Promise<string> {
  const dir = path.join(root, String(n++));
  await fs.mkdir(dir);
  return dir;
}

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const names = (await fs.readdir(dir)).sort();
  return new Map(await Promise.all(names.map(async (f) => [f, await fs.readFile(path.join(dir, f))] as const)));
}

const DOCS = syntheticDocs(40, 6, 5);
const OPTIONS = { max_seq_length: 32, max_predictions_per_seq: 5, dupe_factor: 2, validation_fraction: 0.2, seed: 99 };

describe('pretraining data determinism', () => {
  it('gives byte-identical shards and manifest for the same seed', async () => {
    const a = await buildIn(await fresh(), DOCS, { ...OPTIONS, shard_size: 50 });
    const b = await buildIn(await fresh(), DOCS, { ...OPTIONS, shard_size: 50 });
    const filesA = await filesOf(a.outDir);
    expect([...filesA.keys()].filter((f) => f.startsWith('train-')).length).toBeGreaterThan(2);
    expect(await filesOf(b.outDir)).toEqual(filesA);
    expect(b.stats).toEqual(a.stats);
  });

  it('does not depend on shard_size', async () => {
    const small = await buildIn(await fresh(), DOCS, { ...OPTIONS, shard_size: 7 });
    const large = await buildIn(await fresh(), DOCS, { ...OPTIONS, shard_size: 4096 });
    expect(small.manifest.splits.train.shards.length).toBe(Math.ceil(small.stats.instances.train / 7));
    expect(large.manifest.splits.train.shards).toHaveLength(1);
    for (const split of ['train', 'validation'] as const) {
      expect(await readAll(small.outDir, split)).toEqual(await readAll(large.outDir, split));
    }
  });

  it('changes with the seed', async () => {
    const a = await readAll((await buildIn(await fresh(), DOCS, OPTIONS)).outDir, 'train');
    const b = await readAll((await buildIn(await fresh(), DOCS, { ...OPTIONS, seed: 100 })).outDir, 'train');
    expect(b.inputIds).not.toEqual(a.inputIds);
  });

  it('makes duplicate d from (seed, d, document) alone: more duplicates only append', async () => {
    const once = await buildIn(await fresh(), DOCS, { ...OPTIONS, dupe_factor: 1 });
    const thrice = await buildIn(await fresh(), DOCS, { ...OPTIONS, dupe_factor: 3 });
    const a = instances(await readAll(once.outDir, 'train'));
    const b = instances(await readAll(thrice.outDir, 'train'));
    expect(b.length).toBeGreaterThan(2 * a.length);
    expect(b.slice(0, a.length)).toEqual(a);
    expect(b.slice(a.length, 2 * a.length)).not.toEqual(a); // duplicates differ in masks and splits
  });

  it('holds out whole documents: validation instances share no document with training ones', async () => {
    const corpus = countingCorpus(40, 4, 5);
    const built = await buildIn(await fresh(), corpus.docs, { ...OPTIONS, validation_fraction: 0.3 }, corpus.tokenizer);
    const docsOf = async (split: 'train' | 'validation'): Promise<Set<number>> => {
      const set = new Set<number>();
      for (const inst of instances(await readAll(built.outDir, split))) {
        for (const id of inst.originalIds) if (id >= 5) set.add(corpus.docOf(id));
      }
      return set;
    };
    const train = await docsOf('train');
    const validation = await docsOf('validation');
    expect(validation.size).toBe(built.stats.documents.validation);
    expect(train.size).toBe(built.stats.documents.train);
    expect(validation.size).toBeGreaterThan(5);
    expect([...validation].filter((d) => train.has(d))).toEqual([]);
    expect(built.manifest.splits.validation.documents + built.manifest.splits.train.documents).toBe(40);
  });
});
