import { describe, expect, it } from 'vitest';

import { BERT_DEFAULTS, ConfigError, headSize, resolveBertConfig } from '../../../nlp/bert/config';
import { resolveAdamWConfig } from '../../../nlp/bert/optimizer-config';

describe('resolveBertConfig', () => {
  it('fills BERT-tiny defaults around the given keys', () => {
    const c = resolveBertConfig({ vocab_size: 8000, num_layers: 4 });
    expect(c).toEqual({ ...BERT_DEFAULTS, vocab_size: 8000, num_layers: 4 });
    expect(headSize(c)).toBe(64);
  });

  it('names both numbers and the fix when hidden_size is not divisible by num_heads', () => {
    expect(() => resolveBertConfig({ vocab_size: 50, hidden_size: 130, num_heads: 4 })).toThrowErrorMatchingInlineSnapshot(
      `[ConfigError: model: hidden_size 130 is not divisible by num_heads 4; each head gets hidden_size / num_heads dimensions. Choose num_heads dividing 130, or hidden_size 128 or 132]`,
    );
  });

  it('rejects unknown keys with a suggestion', () => {
    expect(() => resolveBertConfig({ vocab_size: 50, num_layer: 2 } as never)).toThrowError(
      /model: unknown key 'num_layer' \(did you mean 'num_layers'\?\)/,
    );
  });

  it('requires vocab_size and checks ranges', () => {
    expect(() => resolveBertConfig({})).toThrowError(ConfigError);
    expect(() => resolveBertConfig({})).toThrowError(/vocab_size: required/);
    expect(() => resolveBertConfig({ vocab_size: 50, hidden_dropout: 1 })).toThrowError(
      'model.hidden_dropout: must be a number >= 0 and < 1 (got 1)',
    );
    expect(() => resolveBertConfig({ vocab_size: 50, num_layers: 1.5 })).toThrowError(
      'model.num_layers: must be an integer >= 1 (got 1.5)',
    );
  });
});

describe('resolveAdamWConfig', () => {
  it('requires total_steps and keeps warmup within it', () => {
    expect(() => resolveAdamWConfig({})).toThrowError(/total_steps: required/);
    expect(() => resolveAdamWConfig({ total_steps: 10, warmup_steps: 20 })).toThrowError(
      /warmup_steps 20 exceeds total_steps 10/,
    );
    expect(resolveAdamWConfig({ total_steps: 10 })).toMatchObject({ learning_rate: 1e-4, clip_norm: 1, weight_decay: 0.01 });
  });
});
