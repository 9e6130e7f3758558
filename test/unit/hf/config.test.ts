// config.json ↔ BertConfig: a real one (all-MiniLM-L6-v2's) reads, what kiln's BERT cannot run is refused in one line
// naming the file, and what kiln writes reads back unchanged.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { bertConfigFromHf, hfConfigFromBert } from '../../../nlp/hf/config';
import { HfFormatError } from '../../../nlp/hf/errors';
import { TINY } from '../bert/helpers';

const MINILM_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/hf/minilm-config.json');
const MINILM: Record<string, unknown> = JSON.parse(fs.readFileSync(MINILM_FILE, 'utf8'));
const FILE = 'models/x/config.json';

function refusal(json: unknown): string {
  try {
    bertConfigFromHf(json, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(HfFormatError);
    expect((err as HfFormatError).hint).toBeTruthy();
    return (err as Error).message;
  }
  throw new Error('expected an HfFormatError');
}

describe('bertConfigFromHf', () => {
  it("reads all-MiniLM-L6-v2's config.json", () => {
    expect(bertConfigFromHf(MINILM, MINILM_FILE)).toEqual({
      vocab_size: 30522,
      hidden_size: 384,
      num_layers: 6,
      num_heads: 12,
      intermediate_size: 1536,
      max_position_embeddings: 512,
      type_vocab_size: 2,
      hidden_dropout: 0.1,
      attention_dropout: 0.1,
      initializer_range: 0.02,
      layer_norm_eps: 1e-12,
    });
  });

  it("fills transformers' defaults for the optional keys", () => {
    const { model_type, vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size } = MINILM;
    const minimal = { model_type, vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size };
    expect(bertConfigFromHf(minimal, FILE)).toEqual(bertConfigFromHf(MINILM, FILE));
    expect(bertConfigFromHf({ ...MINILM, layer_norm_eps: 1e-5, type_vocab_size: 1 }, FILE)).toMatchObject({ layer_norm_eps: 1e-5, type_vocab_size: 1 });
  });

  it('refuses other models and what kiln\'s BERT does not compute', () => {
    expect(refusal({ ...MINILM, model_type: 'roberta' })).toBe(`${FILE}: model_type is 'roberta': kiln imports BERT-family models (model_type 'bert') only`);
    expect(refusal({ ...MINILM, hidden_act: 'gelu_new' })).toBe(`${FILE}: hidden_act is 'gelu_new': kiln's BERT uses the exact erf GELU ('gelu') only`);
    expect(refusal({ ...MINILM, hidden_act: 'relu' })).toBe(`${FILE}: hidden_act is 'relu': kiln's BERT uses the exact erf GELU ('gelu') only`);
    expect(refusal({ ...MINILM, position_embedding_type: 'relative_key_query' })).toBe(
      `${FILE}: position_embedding_type is 'relative_key_query': kiln's BERT has absolute position embeddings only`,
    );
    expect(refusal({ ...MINILM, is_decoder: true })).toBe(`${FILE}: is_decoder is true: kiln's BERT is a bidirectional encoder, not a decoder`);
  });

  it('names a missing or wrong key in the Hugging Face spelling', () => {
    const { num_hidden_layers: _n, ...noLayers } = MINILM;
    expect(refusal(noLayers)).toBe(`${FILE}: num_hidden_layers is missing`);
    const { model_type: _m, ...noType } = MINILM;
    expect(refusal(noType)).toBe(`${FILE}: model_type is missing`);
    expect(refusal({ ...MINILM, num_attention_heads: '12' })).toBe(`${FILE}: num_attention_heads must be an integer >= 1 (got "12")`);
    expect(refusal({ ...MINILM, hidden_dropout_prob: -0.1 })).toBe(`${FILE}: hidden_dropout_prob must be a number >= 0 (got -0.1)`);
    expect(refusal({ ...MINILM, num_attention_heads: 5 })).toBe(`${FILE}: hidden_size 384 is not divisible by num_attention_heads 5`);
    expect(refusal([MINILM])).toBe(`${FILE}: config.json is not a JSON object`);
  });
});

describe('hfConfigFromBert', () => {
  it('writes the config.json transformers reads, and it reads back', () => {
    const json = hfConfigFromBert(TINY, { architectures: ['BertForPreTraining'] });
    expect(json).toEqual({
      architectures: ['BertForPreTraining'],
      attention_probs_dropout_prob: 0.1,
      hidden_act: 'gelu',
      hidden_dropout_prob: 0.1,
      hidden_size: 16,
      initializer_range: 0.02,
      intermediate_size: 32,
      layer_norm_eps: 1e-12,
      max_position_embeddings: 32,
      model_type: 'bert',
      num_attention_heads: 2,
      num_hidden_layers: 2,
      pad_token_id: 0,
      position_embedding_type: 'absolute',
      type_vocab_size: 2,
      vocab_size: 50,
    });
    expect(Object.keys(json)).toEqual(Object.keys(json).sort());
    expect(bertConfigFromHf(JSON.parse(JSON.stringify(json)), FILE)).toEqual(TINY);
  });

  it("adds a classifier's labels", () => {
    const json = hfConfigFromBert(TINY, { architectures: ['BertForSequenceClassification'], id2label: { 1: 'positive', 0: 'negative' } });
    expect(json).toMatchObject({
      id2label: { 0: 'negative', 1: 'positive' },
      label2id: { negative: 0, positive: 1 },
      problem_type: 'single_label_classification',
    });
    expect(bertConfigFromHf(json, FILE)).toEqual(TINY);
    expect(() => hfConfigFromBert(TINY, { architectures: [], id2label: { 0: 'a', 2: 'b' } })).toThrowError("hfConfigFromBert: id2label keys must be '0'..'1'");
    expect(() => hfConfigFromBert(TINY, { architectures: [], id2label: { 0: 'a', 1: 'a' } })).toThrowError('hfConfigFromBert: id2label names a label twice');
  });
});
