// A tiny, learnable sentiment task: short sentences of filler words with one "good" or "bad" word in a seeded
// place. Every example is a pure function of (seed, index), so the fixture is the same on every run.
import fs from 'node:fs/promises';
import path from 'node:path';

import { CounterRng } from '../../../nlp/bert/rng';
import { writeLabels, writeSplit } from '../../../nlp/dataset/split-file';
import type { Example, LabelSet, SplitExample } from '../../../nlp/dataset/types';
import { stepDefaults } from '../../../compiler/step-inputs';
import { finetuneConfig, type FinetuneConfig, type FinetuneSettings } from '../../../nlp/finetune/config';
import { encodeExamples, type EncodedExample } from '../../../nlp/finetune/examples';
import { BertTokenizer, saveTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { SPECIAL_TOKENS, Vocab } from '../../../nlp/tokenizer/vocab';

export const POSITIVE = ['good', 'great', 'fine', 'nice'];
export const NEGATIVE = ['bad', 'awful', 'poor', 'sad'];
const FILLER = ['the', 'movie', 'was', 'a', 'plot', 'very', 'it', 'and', 'story', 'actor'];
export const LABELS: LabelSet = { names: ['negative', 'positive'], counts: { negative: 50, positive: 50 } };

export function fixtureTokenizer(): BertTokenizer {
  return new BertTokenizer(Vocab.fromTokens([...SPECIAL_TOKENS, ...POSITIVE, ...NEGATIVE, ...FILLER]));
}

/** `count` examples from index `from`: label i % 2 (flipped when `flip`), 3–7 filler words around one sentiment word. */
export function sentimentExamples(count: number, from = 0, flip = false): SplitExample[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const rng = CounterRng.fromSeed(7, `example-${i}`);
    const label = i % 2;
    const words = Array.from({ length: 3 + (rng.nextUint32() % 5) }, () => FILLER[rng.nextUint32() % FILLER.length]!);
    const cue = (label === 1 ? POSITIVE : NEGATIVE)[rng.nextUint32() % 4]!;
    words.splice(rng.nextUint32() % (words.length + 1), 0, cue);
    return { text: words.join(' '), label: flip ? 1 - label : label };
  });
}

export function encoded(examples: SplitExample[], maxSeqLength = 16): EncodedExample[] {
  return encodeExamples(fixtureTokenizer(), maxSeqLength, examples);
}

export const TINY_MODEL = { hidden_size: 32, num_layers: 1, num_heads: 2, intermediate_size: 64, max_position_embeddings: 16 };

/** bert/finetune@v1's defaults (its schema's) for a tiny encoder from scratch, with `overrides`. */
export function tinyFinetuneConfig(overrides: Partial<FinetuneSettings> = {}, trainExamples = 60): FinetuneConfig {
  const defaults = stepDefaults('bert/finetune@v1');
  return finetuneConfig(
    {
      ...defaults,
      epochs: 10,
      batch_size: 5,
      max_seq_length: 16,
      optimizer: { ...defaults.optimizer, learning_rate: 2e-3 },
      log_every: 3,
      backend: 'wasm',
      seed: 3,
      ...overrides,
    },
    {
      vocabSize: fixtureTokenizer().vocab.size,
      encoder: { fromScratch: { ...stepDefaults('bert/pretrain@v1').model, ...TINY_MODEL } },
      trainExamples,
      numLabels: 2,
    },
  );
}

export interface FixtureFiles {
  tokenizerDir: string;
  train: string;
  validation: string;
  test: string;
  labels: string;
}

/** The fixture as dataset/load@v1 and tokenizer/wordpiece@v1 would write it: 60 train, 20 validation, 20 test. */
export async function writeFixture(dir: string): Promise<FixtureFiles> {
  await fs.mkdir(dir, { recursive: true });
  const toExample = (e: SplitExample): Example => ({ text: e.text, label: e.label });
  const files: FixtureFiles = {
    tokenizerDir: path.join(dir, 'tokenizer'),
    train: path.join(dir, 'train.jsonl'),
    validation: path.join(dir, 'validation.jsonl'),
    test: path.join(dir, 'test.jsonl'),
    labels: path.join(dir, 'labels.json'),
  };
  await saveTokenizer(fixtureTokenizer(), files.tokenizerDir);
  await writeSplit(files.train, sentimentExamples(60, 0).map(toExample));
  await writeSplit(files.validation, sentimentExamples(20, 1000).map(toExample));
  await writeSplit(files.test, sentimentExamples(20, 2000).map(toExample));
  await writeLabels(files.labels, LABELS);
  return files;
}
