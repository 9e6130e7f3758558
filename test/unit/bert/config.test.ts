import { describe, expect, it } from 'vitest';

import { stepDefaults } from '../../../compiler/step-inputs';
import { bertConfig, checkSavedBertConfig, ConfigError, headSize, LAYER_NORM_EPS } from '../../../nlp/bert/config';
import { adamWConfig, defaultWarmup } from '../../../nlp/bert/optimizer-config';
import { TINY } from './helpers';

describe('bertConfig', () => {
  it('is the step\'s architecture (the schema\'s BERT-tiny defaults) with the tokenizer\'s vocab_size', () => {
    const c = bertConfig({ ...stepDefaults('bert/pretrain@v1').model, num_layers: 4 }, 8000);
    expect(c).toEqual({
      vocab_size: 8000,
      hidden_size: 128,
      num_layers: 4,
      num_heads: 2,
      intermediate_size: 512,
      max_position_embeddings: 512,
      type_vocab_size: 2,
      hidden_dropout: 0.1,
      attention_dropout: 0.1,
      initializer_range: 0.02,
      layer_norm_eps: LAYER_NORM_EPS,
    });
    expect(headSize(c)).toBe(64);
  });
});

describe('checkSavedBertConfig', () => {
  it('accepts a saved config and names what is wrong with a damaged one', () => {
    expect(checkSavedBertConfig(JSON.parse(JSON.stringify(TINY)))).toEqual(TINY);
    expect(() => checkSavedBertConfig({ ...TINY, num_layers: 1.5 })).toThrowError('bert.num_layers: must be an integer >= 1 (got 1.5)');
    expect(() => checkSavedBertConfig({ ...TINY, hidden_size: 130, num_heads: 4 })).toThrowError(ConfigError);
    expect(() => checkSavedBertConfig({ ...TINY, num_layer: 2 })).toThrowError("bert: unknown key 'num_layer'");
    const { vocab_size: _v, ...noVocab } = TINY;
    expect(() => checkSavedBertConfig(noVocab)).toThrowError('bert.vocab_size: must be an integer >= 1 (got undefined)');
  });
});

describe('adamWConfig', () => {
  const settings = stepDefaults('bert/pretrain@v1').optimizer;

  it('fills the warmup, 10% of the steps, and keeps a given one within them', () => {
    expect(defaultWarmup(300)).toBe(30);
    expect(adamWConfig(settings, 300)).toMatchObject({ learning_rate: 1e-3, warmup_steps: 30, total_steps: 300, clip_norm: 1, weight_decay: 0.01 });
    expect(adamWConfig({ ...settings, warmup_steps: 0 }, 300).warmup_steps).toBe(0);
    expect(() => adamWConfig({ ...settings, warmup_steps: 20 }, 10)).toThrowError(/^optimizer\.warmup_steps 20 exceeds the 10 steps of training/);
  });
});
