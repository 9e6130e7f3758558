import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { InstanceBuilder } from '../../../nlp/pretraining-data/instances';
import { PretrainingDataError } from '../../../nlp/pretraining-data/errors';
import { epochPermutation, openPretrainingData } from '../../../nlp/pretraining-data/reader';
import { readTokenStore } from '../../../nlp/pretraining-data/token-store';
import { buildIn, syntheticDocs, tinyTokenizer, writeCorpus, type DecodedInstance, instances } from './helpers';

const tokenizer = tinyTokenizer();
const OPTIONS = { max_seq_length: 24, max_predictions_per_seq: 4, dupe_factor: 2, validation_fraction: 0, shard_size: 10, seed: 5 };
const DOCS = syntheticDocs(12, 5, 21);

let root: string;
let outDir: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-ptd-reader-'));
  ({ outDir } = await buildIn(root, DOCS, OPTIONS));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A copy of the data directory to damage. */
async function copyData(name: string): Promise<string> {
  const dir = path.join(root, name);
  await fs.cp(outDir, dir, { recursive: true });
  return dir;
}

async function errorOf(promise: Promise<unknown>): Promise<PretrainingDataError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PretrainingDataError);
  return error as PretrainingDataError;
}

/** What the builder emits, straight from memory, in build order (duplicate, then document). */
async function expectedInstances(): Promise<DecodedInstance[]> {
  const corpusFile = await writeCorpus(path.join(root), DOCS, 'again.txt');
  const store = await readTokenStore(corpusFile, tokenizer);
  const docs = Int32Array.from({ length: store.documents }, (_, i) => i);
  const { cls, sep, mask } = tokenizer.specialIds;
  const builder = new InstanceBuilder(store, docs, {
    maxSeqLength: OPTIONS.max_seq_length,
    maxPredictionsPerSeq: OPTIONS.max_predictions_per_seq,
    seed: OPTIONS.seed,
    shortSeqProb: 0.1,
    maskedLmProb: 0.15,
    wholeWordMask: false,
    vocabSize: tokenizer.vocab.size,
    clsId: cls,
    sepId: sep,
    maskId: mask,
  });
  const out: DecodedInstance[] = [];
  for (let d = 0; d < OPTIONS.dupe_factor; d++) {
    for (let k = 0; k < docs.length; k++) {
      builder.build(d, k, (inst) => {
        const inputIds = Array.from(inst.inputIds.subarray(0, inst.length));
        const positions = Array.from(inst.maskedPositions.subarray(0, inst.numPredictions));
        const maskedIds = Array.from(inst.maskedIds.subarray(0, inst.numPredictions));
        const originalIds = [...inputIds];
        positions.forEach((p, m) => (originalIds[p] = maskedIds[m]!));
        const segmentIds = Array.from(inst.segmentIds.subarray(0, inst.length));
        out.push({ length: inst.length, inputIds, segmentIds, originalIds, positions, maskedIds, nsp: inst.isRandomNext ? 1 : 0 });
      });
    }
  }
  return out;
}

describe('openPretrainingData', () => {
  it('reads back exactly the instances that were built, in any order, zero-padded', async () => {
    const data = await openPretrainingData(outDir, { verify: true });
    try {
      const train = data.split('train');
      expect(train.seqLength).toBe(24);
      expect(train.maxPredictions).toBe(4);
      expect(data.split('validation').instances).toBe(0);
      const expected = await expectedInstances();
      expect(train.instances).toBe(expected.length);
      expect(data.manifest.splits.train.shards.length).toBe(Math.ceil(expected.length / 10));

      const order = [...epochPermutation(train.instances, 1, 0)];
      const batch = await train.readBatch(order);
      expect(batch.batchSize).toBe(order.length);
      expect(instances(batch)).toEqual(order.map((i) => expected[i]));
      // Past the real tokens and predictions everything is 0.
      const { seqLength: s, maxPredictions: p } = batch;
      for (let i = 0; i < batch.batchSize; i++) {
        const length = expected[order[i]!]!.length;
        const count = expected[order[i]!]!.positions.length;
        expect([...batch.inputIds.subarray(i * s + length, (i + 1) * s)].every((v) => v === 0)).toBe(true);
        expect([...batch.segmentIds.subarray(i * s + length, (i + 1) * s)].every((v) => v === 0)).toBe(true);
        expect([...batch.inputMask.subarray(i * s, (i + 1) * s)]).toEqual(Array.from({ length: s }, (_, t) => (t < length ? 1 : 0)));
        expect([...batch.maskedWeights.subarray(i * p, (i + 1) * p)]).toEqual(Array.from({ length: p }, (_, m) => (m < count ? 1 : 0)));
        expect([...batch.maskedPositions.subarray(i * p + count, (i + 1) * p)].every((v) => v === 0)).toBe(true);
        expect([...batch.maskedIds.subarray(i * p + count, (i + 1) * p)].every((v) => v === 0)).toBe(true);
      }
      // The same index twice reads the same record.
      const twice = await train.readBatch([3, 3]);
      expect(twice.inputIds.subarray(0, s)).toEqual(twice.inputIds.subarray(s, 2 * s));
      await expect(train.readBatch([train.instances])).rejects.toThrow(`index ${train.instances} is outside [0, ${train.instances})`);
    } finally {
      await data.close();
    }
  });

  it('rejects a truncated shard on open, naming it and saying to rebuild', async () => {
    const dir = await copyData('truncated');
    const shard = path.join(dir, 'train-00001.bin');
    await fs.truncate(shard, (await fs.stat(shard)).size - 7);
    const error = await errorOf(openPretrainingData(dir));
    expect(error.message).toContain(`${shard}: shard is truncated`);
    expect(error.hint).toContain('rerunning the bert/pretraining-data step with `cache: false`');
  });

  it('rejects a missing shard and a missing manifest', async () => {
    const dir = await copyData('missing');
    await fs.rm(path.join(dir, 'train-00002.bin'));
    expect((await errorOf(openPretrainingData(dir))).message).toContain('train-00002.bin: shard file is missing');
    await fs.rm(path.join(dir, 'manifest.json'));
    expect((await errorOf(openPretrainingData(dir))).message).toContain('manifest.json: cannot read the manifest');
  });

  it('finds changed bytes with verify: true', async () => {
    const dir = await copyData('corrupt');
    const shard = path.join(dir, 'train-00000.bin');
    const bytes = await fs.readFile(shard);
    bytes[100] = bytes[100]! ^ 0xff;
    await fs.writeFile(shard, bytes);
    const unverified = await openPretrainingData(dir); // sizes still match: only the hash can tell
    await unverified.close();
    const error = await errorOf(openPretrainingData(dir, { verify: true }));
    expect(error.message).toMatch(/train-00000\.bin: shard sha256 is [0-9a-f]{64}, manifest\.json says [0-9a-f]{64}/);
  });

  it('rejects a shard whose header disagrees with the manifest', async () => {
    const dir = await copyData('header');
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8'));
    const shard = path.join(dir, 'train-00000.bin');
    await fs.writeFile(shard, Buffer.alloc((await fs.stat(shard)).size)); // right size, no header
    expect((await errorOf(openPretrainingData(dir))).message).toContain('train-00000.bin: not a kiln pretraining shard');
    manifest.format_version = 99;
    await fs.writeFile(manifestFile, JSON.stringify(manifest));
    expect((await errorOf(openPretrainingData(dir))).message).toContain('format_version 99 is not supported');
  });
});

describe('epochPermutation', () => {
  it('is a deterministic permutation that changes with the epoch and the seed', () => {
    const p = epochPermutation(1000, 42, 0);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(epochPermutation(1000, 42, 0)).toEqual(p);
    expect(epochPermutation(1000, 42, 1)).not.toEqual(p);
    expect(epochPermutation(1000, 43, 0)).not.toEqual(p);
    expect([...p.subarray(0, 10)]).not.toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(epochPermutation(0, 42, 0)).toHaveLength(0);
    expect(() => epochPermutation(-1, 42, 0)).toThrow('instances must be an integer');
  });

  it('puts each element in each place about equally often', () => {
    // 3 elements, 6000 epochs: each of the 6 orders about 1000 times.
    const counts = new Map<string, number>();
    for (let e = 0; e < 6000; e++) {
      const key = [...epochPermutation(3, 7, e)].join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});
