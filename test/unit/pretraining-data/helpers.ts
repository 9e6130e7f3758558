// Fixtures for the pretraining-data tests: a hand-written vocab, corpora written to temp files, readers of results.
import fs from 'node:fs/promises';
import path from 'node:path';

import { CounterRng } from '../../../nlp/bert/rng';
import { stepDefaults } from '../../../compiler/step-inputs';
import { buildPretrainingData, type BuiltPretrainingData, type PretrainingOptions } from '../../../nlp/pretraining-data/build';
import { openPretrainingData } from '../../../nlp/pretraining-data/reader';
import type { PretrainingBatch } from '../../../nlp/bert/batch';
import { BertTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { Vocab } from '../../../nlp/tokenizer/vocab';

export const WORDS = [
  'the', 'a', 'cat', 'dog', 'sat', 'ran', 'on', 'mat', 'big', 'red', 'ball', 'is', 'was', 'and', 'happy', 'quick',
];
// Words the vocab splits into pieces: un ##believ ##able, play ##ing, jump ##ed, quick ##ly, cat ##s.
export const SPLIT_WORDS = ['unbelievable', 'playing', 'jumped', 'quickly', 'cats'];

export const TINY_VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...WORDS, '.', ',', 'play', 'jump', 'un', '##believ', '##able', '##ing', '##ed', '##ly', '##s',
];

export function tinyTokenizer(): BertTokenizer {
  return new BertTokenizer(Vocab.fromTokens(TINY_VOCAB));
}

/** Writes documents (arrays of sentences) in BERT's format: a sentence per line, a blank line between documents. */
export async function writeCorpus(dir: string, docs: readonly (readonly string[])[], name = 'corpus.txt'): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, docs.map((d) => d.join('\n') + '\n').join('\n'));
  return file;
}

/** Seeded random documents of the tiny vocab's words: `sentences` per document, 4–14 words each. */
export function syntheticDocs(documents: number, sentences: number, seed = 7): string[][] {
  const rng = CounterRng.fromSeed(seed, 'test-corpus');
  const pick = <T>(xs: readonly T[]): T => xs[rng.nextUint32() % xs.length]!;
  const all = [...WORDS, ...SPLIT_WORDS];
  return Array.from({ length: documents }, () =>
    Array.from({ length: sentences }, () => {
      const n = 4 + (rng.nextUint32() % 11);
      return Array.from({ length: n }, () => pick(all)).join(' ') + ' .';
    }),
  );
}

/**
 * Documents whose every token is distinct and numbered in corpus order (`t0 t1 ...`), with the matching vocab, so
 * a token id tells exactly which document and position it came from.
 */
export function countingCorpus(documents: number, sentences: number, tokensPerSentence: number): { docs: string[][]; tokenizer: BertTokenizer; docOf: (id: number) => number } {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const perDoc = sentences * tokensPerSentence;
  const docs = Array.from({ length: documents }, (_, d) =>
    Array.from({ length: sentences }, (_, s) =>
      Array.from({ length: tokensPerSentence }, (_, t) => `t${d * perDoc + s * tokensPerSentence + t}`).join(' '),
    ),
  );
  const vocab = [...specials, ...Array.from({ length: documents * perDoc }, (_, n) => `t${n}`)];
  return { docs, tokenizer: new BertTokenizer(Vocab.fromTokens(vocab)), docOf: (id) => Math.floor((id - specials.length) / perDoc) };
}

export async function buildIn(
  dir: string,
  docs: readonly (readonly string[])[],
  options: Partial<PretrainingOptions>,
  tokenizer: BertTokenizer = tinyTokenizer(),
): Promise<BuiltPretrainingData & { outDir: string }> {
  const corpusFile = await writeCorpus(dir, docs);
  const outDir = path.join(dir, 'data');
  const built = await buildPretrainingData({ corpusFile, tokenizer, outDir, options: { ...stepDefaults('bert/pretraining-data@v1'), ...options } });
  return { ...built, outDir };
}

/** Every instance of a split, in stored order. */
export async function readAll(outDir: string, split: 'train' | 'validation'): Promise<PretrainingBatch> {
  const data = await openPretrainingData(outDir);
  try {
    const s = data.split(split);
    return await s.readBatch(Array.from({ length: s.instances }, (_, i) => i));
  } finally {
    await data.close();
  }
}

export interface DecodedInstance {
  length: number;
  inputIds: number[];
  segmentIds: number[];
  /** inputIds with the masked positions restored to their original ids. */
  originalIds: number[];
  positions: number[];
  maskedIds: number[];
  nsp: number;
}

export function instanceAt(batch: PretrainingBatch, i: number): DecodedInstance {
  const { seqLength: s, maxPredictions: p } = batch;
  const length = batch.inputMask.subarray(i * s, (i + 1) * s).reduce((a, b) => a + b, 0);
  const inputIds = Array.from(batch.inputIds.subarray(i * s, i * s + length));
  const segmentIds = Array.from(batch.segmentIds.subarray(i * s, i * s + length));
  const count = batch.maskedWeights.subarray(i * p, (i + 1) * p).reduce((a, b) => a + b, 0);
  const positions = Array.from(batch.maskedPositions.subarray(i * p, i * p + count));
  const maskedIds = Array.from(batch.maskedIds.subarray(i * p, i * p + count));
  const originalIds = [...inputIds];
  positions.forEach((pos, k) => (originalIds[pos] = maskedIds[k]!));
  return { length, inputIds, segmentIds, originalIds, positions, maskedIds, nsp: batch.nspLabels[i]! };
}

export function instances(batch: PretrainingBatch): DecodedInstance[] {
  return Array.from({ length: batch.batchSize }, (_, i) => instanceAt(batch, i));
}
