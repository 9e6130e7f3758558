// Sentence embeddings below serving: the token ids of a text, the pooling arithmetic on hand-made numbers, and
// hidden states that do not depend on the padding a batch adds.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { createBertModel, disposeBertModel, type BertModel } from '../../../nlp/bert/model';
import { embedTexts, encodeForEmbedding, hiddenStates, pool } from '../../../nlp/bert/sentence-embedding';
import { BertTokenizer } from '../../../nlp/tokenizer/tokenizer';
import { Vocab } from '../../../nlp/tokenizer/vocab';
import { TINY } from './helpers';

// The 23 tokens of test/fixtures/tokenizer/tiny-vocab.txt: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, want 5 ...
const TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'want', '##want', '##ed', 'wa', 'un', 'runn', '##ing', ',', '.', '!', 'cafe', 'hello'];
const tokenizer = new BertTokenizer(Vocab.fromTokens(TOKENS));

let model: BertModel;

beforeAll(async () => {
  await initBackend('cpu');
  model = createBertModel(TINY, 3);
});
afterAll(() => disposeBertModel(model));

describe('encodeForEmbedding', () => {
  it('is [CLS] pieces [SEP], the pieces cut so the whole fits maxSeqLength', () => {
    expect(encodeForEmbedding(tokenizer, 'hello, CAFÉ!', 512)).toEqual([2, 16, 12, 15, 14, 3]);
    expect(encodeForEmbedding(tokenizer, 'hello, CAFÉ!', 6)).toEqual([2, 16, 12, 15, 14, 3]);
    expect(encodeForEmbedding(tokenizer, 'hello, CAFÉ!', 4)).toEqual([2, 16, 12, 3]);
    expect(encodeForEmbedding(tokenizer, 'unwanted running', 3)).toEqual([2, 9, 3]);
    expect(encodeForEmbedding(tokenizer, '', 8)).toEqual([2, 3]);
  });
});

describe('pool', () => {
  // Three tokens, hidden size 2.
  const hidden = new Float32Array([1, 2, 3, 4, 5, 6]);

  it('cls: row 0', () => {
    expect(pool(hidden, 3, 2, { mode: 'cls', normalize: false })).toEqual([1, 2]);
  });

  it('mean: over the text rows, [CLS] and [SEP] included, nothing past len', () => {
    expect(pool(hidden, 3, 2, { mode: 'mean', normalize: false })).toEqual([3, 4]);
    expect(pool(hidden, 2, 2, { mode: 'mean', normalize: false })).toEqual([2, 3]);
  });

  it('normalize: divides by the L2 norm; a zero vector stays zero', () => {
    expect(pool(hidden, 3, 2, { mode: 'mean', normalize: true })).toEqual([0.6, 0.8]);
    const cls = pool(hidden, 3, 2, { mode: 'cls', normalize: true });
    expect(cls[0]).toBeCloseTo(1 / Math.sqrt(5), 12);
    expect(cls[1]).toBeCloseTo(2 / Math.sqrt(5), 12);
    expect(pool(new Float32Array(4), 2, 2, { mode: 'mean', normalize: true })).toEqual([0, 0]);
  });
});

describe('hiddenStates', () => {
  const texts = [
    [2, 10, 11, 12, 13, 14, 15, 3],
    [2, 20, 3],
    [2, 30, 31, 32, 3],
  ];

  it('of a padded batch equal each text alone (within 1e-5), padding cut off, no tensor left behind', () => {
    const before = tf.memory().numTensors;
    const batched = hiddenStates(model, texts);
    expect(tf.memory().numTensors).toBe(before);
    expect(batched.map((h) => h.length)).toEqual(texts.map((ids) => ids.length * TINY.hidden_size));
    texts.forEach((ids, i) => {
      const [alone] = hiddenStates(model, [ids]);
      expect(alone!.length).toBe(batched[i]!.length);
      const worst = Math.max(...alone!.map((x, j) => Math.abs(x - batched[i]![j]!)));
      expect(worst).toBeLessThan(1e-5);
    });
    expect(hiddenStates(model, [])).toEqual([]);
  });
});

describe('embedTexts', () => {
  it('gives hidden_size numbers per text, pooled as asked; long texts are truncated to maxSeqLength', () => {
    const texts = ['hello cafe', 'want wanted , unwanted running !', `${'hello '.repeat(200)}`];
    const cls = embedTexts(model, tokenizer, { mode: 'cls', normalize: false }, 16, texts);
    const mean = embedTexts(model, tokenizer, { mode: 'mean', normalize: true }, 16, texts);
    expect(cls.map((v) => v.length)).toEqual([16, 16, 16]);
    const ids = texts.map((t) => encodeForEmbedding(tokenizer, t, 16));
    expect(ids[2]).toHaveLength(16);
    const states = hiddenStates(model, ids);
    cls.forEach((v, i) => v.forEach((x, j) => expect(x).toBeCloseTo(states[i]![j]!, 5)));
    for (const v of mean) expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    expect(mean[0]).not.toEqual(cls[0]);
    expect(embedTexts(model, tokenizer, { mode: 'cls', normalize: false }, 16, [])).toEqual([]);
  });
});
