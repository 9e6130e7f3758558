import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildIn, countingCorpus, instances, readAll, syntheticDocs, tinyTokenizer, type DecodedInstance } from './helpers';

const tokenizer = tinyTokenizer();
const ID = (token: string): number => tokenizer.vocab.id(token);
const text = (ids: number[]): string => ids.map((id) => tokenizer.vocab.token(id)).join(' ');

const DOCS = [
  ['the cat sat on the mat.', 'the dog ran.', 'a big red ball is unbelievable.', 'the cat was playing.'],
  ['a dog jumped on the red mat.', 'the big cat sat.', 'the happy dog is playing.'],
  ['a cat and a dog ran quickly.', 'the cats sat on a big mat.'],
];

let root: string;
let n = 0;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-ptd-instances-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function fresh(): Promise<string> {
  const dir = path.join(root, String(n++));
  await fs.mkdir(dir);
  return dir;
}

async function trainInstances(docs: string[][], options: Parameters<typeof buildIn>[2], tok = tokenizer): Promise<DecodedInstance[]> {
  const built = await buildIn(await fresh(), docs, options, tok);
  return instances(await readAll(built.outDir, 'train'));
}

/** 150 documents of 8 random sentences, max_seq_length 64: ~40k tokens over 3 duplicates. */
let synthetic: DecodedInstance[];
beforeAll(async () => {
  synthetic = await trainInstances(syntheticDocs(150, 8), { max_seq_length: 64, max_predictions_per_seq: 10, dupe_factor: 3, validation_fraction: 0 });
});

describe('pretraining instances', () => {
  it('are exactly these for a fixed seed', async () => {
    const got = await trainInstances(DOCS, { max_seq_length: 16, max_predictions_per_seq: 3, dupe_factor: 1, validation_fraction: 0, seed: 12345 });
    const lines = got.map((i) => `${i.nsp} ${text(i.inputIds)} | ${i.segmentIds.join('')} | ${i.positions.join(',')}: ${text(i.maskedIds)}`);
    expect(lines).toEqual([
      '1 [CLS] the cat sat [MASK] [MASK] mat [SEP] sat . the happy dog is play [SEP] | 0000000011111111 | 4,5: on the',
      '0 [CLS] the dog ran . [SEP] a big red ball is [MASK] ##believ ##able . [SEP] | 0000001111111111 | 11,14: un .',
      '1 [CLS] the cat [MASK] big ##ing . [SEP] the happy dog is play ##ing . [SEP] | 0000000011111111 | 3,4: was play',
      '1 [CLS] ##ed on the red [MASK] . [SEP] the cat ##s sat [MASK] a big [SEP] | 0000000011111111 | 5,12: mat on',
      '0 [CLS] the big cat sat . [SEP] the happy dog [MASK] play ##ing [MASK] [SEP] | 000000011111111 | 10,13: is .',
      '0 [CLS] and a dog [MASK] quick ##ly [SEP] [MASK] ##s sat on a big mat [SEP] | 0000000011111111 | 4,8: ran cat',
    ]);
  });

  it('are [CLS] A [SEP] B [SEP] with segment ids 0 then 1, within max_seq_length', () => {
    expect(synthetic.length).toBeGreaterThan(500);
    for (const inst of synthetic) {
      const ids = inst.originalIds;
      expect(inst.length).toBeLessThanOrEqual(64);
      expect(ids[0]).toBe(ID('[CLS]'));
      expect(ids[inst.length - 1]).toBe(ID('[SEP]'));
      const seps = ids.flatMap((id, p) => (id === ID('[SEP]') ? [p] : []));
      expect(seps).toHaveLength(2);
      const firstSep = seps[0]!;
      expect(firstSep).toBeGreaterThanOrEqual(2); // A has a token
      expect(firstSep).toBeLessThan(inst.length - 2); // so does B
      expect(inst.segmentIds).toEqual(ids.map((_, p) => (p <= firstSep ? 0 : 1)));
      expect(ids).not.toContain(ID('[PAD]'));
      expect(ids.lastIndexOf(ID('[CLS]'))).toBe(0);
    }
  });

  it('mask round(15%) of the tokens, never [CLS]/[SEP], in ascending positions', () => {
    for (const inst of synthetic) {
      // min(max_predictions, max(1, round_half_even(length × 0.15)))
      const raw = inst.length * 0.15;
      const rounded = Math.abs(raw % 1) === 0.5 ? 2 * Math.round(raw / 2) : Math.round(raw);
      expect(inst.positions).toHaveLength(Math.min(10, Math.max(1, rounded)));
      for (const [k, p] of inst.positions.entries()) {
        expect([ID('[CLS]'), ID('[SEP]'), ID('[PAD]')]).not.toContain(inst.originalIds[p]);
        if (k > 0) expect(p).toBeGreaterThan(inst.positions[k - 1]!);
      }
    }
    const masked = synthetic.reduce((s, i) => s + i.positions.length, 0);
    const tokens = synthetic.reduce((s, i) => s + i.length, 0);
    expect(masked / tokens).toBeCloseTo(0.15, 1);
  });

  it('replace a chosen token by [MASK] 80%, a random id 10%, itself 10%', () => {
    let mask = 0;
    let same = 0;
    let other = 0;
    for (const inst of synthetic) {
      for (const [k, p] of inst.positions.entries()) {
        if (inst.inputIds[p] === ID('[MASK]')) mask++;
        else if (inst.inputIds[p] === inst.maskedIds[k]) same++;
        else other++;
      }
    }
    const total = mask + same + other;
    expect(total).toBeGreaterThan(5000);
    expect(mask / total).toBeGreaterThan(0.77);
    expect(mask / total).toBeLessThan(0.83);
    // A random id equals the original 1 time in 38 (vocab size), so "same" is a little over 10%.
    expect(same / total).toBeGreaterThan(0.08);
    expect(same / total).toBeLessThan(0.125);
    expect(other / total).toBeGreaterThan(0.075);
    expect(other / total).toBeLessThan(0.12);
  });

  it('take B from the same document right after A, or (about half the time) from another document', async () => {
    const corpus = countingCorpus(30, 8, 5);
    const got = await trainInstances(corpus.docs, { max_seq_length: 32, dupe_factor: 10, validation_fraction: 0, max_predictions_per_seq: 5 }, corpus.tokenizer);
    let random = 0;
    for (const inst of got) {
      const sep = inst.originalIds.indexOf(3);
      const a = inst.originalIds.slice(1, sep);
      const b = inst.originalIds.slice(sep + 1, inst.length - 1);
      // Each side is a contiguous run of the corpus (truncation only trims its ends).
      for (const side of [a, b]) side.forEach((id, k) => k > 0 && expect(id).toBe(side[k - 1]! + 1));
      if (inst.nsp === 1) {
        random++;
        expect(corpus.docOf(b[0]!)).not.toBe(corpus.docOf(a[0]!));
      } else {
        expect(corpus.docOf(b[0]!)).toBe(corpus.docOf(a[0]!));
        expect(b[0]!).toBeGreaterThan(a[a.length - 1]!);
      }
    }
    expect(random / got.length).toBeGreaterThan(0.4);
    expect(random / got.length).toBeLessThan(0.65);
  });

  it('mask all pieces of a word together with whole_word_mask', async () => {
    const isContinuation = (id: number): boolean => tokenizer.vocab.token(id).startsWith('##');
    const partialWords = (insts: DecodedInstance[]): number => {
      let partial = 0;
      for (const inst of insts) {
        const masked = new Set(inst.positions);
        const special = (p: number): boolean => p === 0 || inst.originalIds[p] === ID('[SEP]');
        let word: number[] = [];
        const flush = (): void => {
          const m = word.filter((p) => masked.has(p)).length;
          if (m > 0 && m < word.length) partial++;
          word = [];
        };
        for (let p = 0; p < inst.length; p++) {
          if (special(p)) {
            flush();
            continue;
          }
          if (!isContinuation(inst.originalIds[p]!) || special(p - 1)) flush();
          word.push(p);
        }
        flush();
      }
      return partial;
    };
    const docs = syntheticDocs(60, 8, 11);
    const options = { max_seq_length: 64, max_predictions_per_seq: 10, dupe_factor: 2, validation_fraction: 0 };
    const whole = await trainInstances(docs, { ...options, whole_word_mask: true });
    expect(partialWords(whole)).toBe(0);
    expect(whole.some((inst) => inst.positions.some((p) => isContinuation(inst.originalIds[p]!)))).toBe(true);
    expect(partialWords(synthetic)).toBeGreaterThan(0); // without it, pieces are masked alone
  });

  it('aim at shorter sequences with short_seq_prob', async () => {
    const docs = syntheticDocs(60, 8, 3);
    const options = { max_seq_length: 64, max_predictions_per_seq: 10, dupe_factor: 2, validation_fraction: 0 };
    const mean = (xs: DecodedInstance[]): number => xs.reduce((s, i) => s + i.length, 0) / xs.length;
    const full = mean(await trainInstances(docs, { ...options, short_seq_prob: 0 }));
    const short = mean(await trainInstances(docs, { ...options, short_seq_prob: 1 }));
    expect(full).toBeGreaterThan(0.85 * 64);
    expect(short).toBeLessThan(0.75 * full);
  });
});
