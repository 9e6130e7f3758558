import { describe, expect, it } from 'vitest';

import { loadCatalog } from '../../../compiler/catalog';
import { ConfigError } from '../../../nlp/bert/config-check';
import { resolvePretrainConfig, resumeIdentity } from '../../../nlp/bert/train-config';

const DATA = { vocabSize: 100, maxSeqLength: 64, trainInstances: 50 };

function error(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('resolvePretrainConfig', () => {
  it('fills defaults: BERT-tiny, vocab from the tokenizer, 1e-3 with 10% warmup, the schedule over `steps`', () => {
    const c = resolvePretrainConfig({ steps: 300 }, DATA);
    expect(c.model).toMatchObject({ vocab_size: 100, hidden_size: 128, num_layers: 2, num_heads: 2, max_position_embeddings: 512 });
    expect(c.optimizer).toMatchObject({ learning_rate: 1e-3, warmup_steps: 30, total_steps: 300, weight_decay: 0.01, clip_norm: 1 });
    expect(c.training).toEqual({
      batch_size: 16,
      steps: 300,
      checkpoint_every: 100,
      keep_checkpoints: 3,
      eval_every: 0,
      eval_batches: 10,
      log_every: 10,
      backend: 'auto',
      seed: 42,
    });
    expect(resolvePretrainConfig({ steps: 300, optimizer: { warmup_steps: 0 } }, DATA).optimizer.warmup_steps).toBe(0);
  });

  it('says what is wrong and how to fix it', () => {
    expect(error(() => resolvePretrainConfig({ steps: 10, model: { max_position_embeddings: 32 } }, DATA))).toBe(
      "model.max_position_embeddings 32 is smaller than the data's max_seq_length 64; set model.max_position_embeddings to at least 64, or build the data with max_seq_length <= 32",
    );
    expect(error(() => resolvePretrainConfig({ steps: 10, batch_size: 64 }, DATA))).toMatch(
      /^with\.batch_size 64 exceeds the 50 training instances of the data; lower batch_size to at most 50/,
    );
    expect(error(() => resolvePretrainConfig({ steps: 10, model: { hidden_size: 30, num_heads: 4 } }, DATA))).toMatch(
      /hidden_size 30 is not divisible by num_heads 4/,
    );
    expect(error(() => resolvePretrainConfig({ steps: 0 }, DATA))).toBe('with.steps: must be an integer >= 1 (got 0)');
    expect(error(() => resolvePretrainConfig({ steps: 10, backend: 'gpu' as 'auto' }, DATA))).toMatch(/with\.backend: must be one of auto, wasm/);
    expect(error(() => resolvePretrainConfig({ steps: 10, optimizer: { warmup_steps: 20 } }, DATA))).toMatch(/warmup_steps 20 exceeds total_steps 10/);
    expect(error(() => resolvePretrainConfig({ steps: 10, batchsize: 4 } as never, DATA))).toMatch(/unknown key 'batchsize' \(did you mean 'batch_size'\?\)/);
  });

  it('ties resumption to what shapes training, not to cadence or backend', () => {
    const lineage = { data: 'sha256:d', tokenizer: 'sha256:t' };
    const a = resumeIdentity(resolvePretrainConfig({ steps: 10, checkpoint_every: 5, backend: 'wasm' }, DATA), lineage);
    const b = resumeIdentity(resolvePretrainConfig({ steps: 10, checkpoint_every: 2, eval_every: 3, backend: 'cpu' }, DATA), lineage);
    expect(b).toEqual(a);
    expect(resumeIdentity(resolvePretrainConfig({ steps: 11 }, DATA), lineage)).not.toEqual(a); // the schedule changes
    expect(resumeIdentity(resolvePretrainConfig({ steps: 10, seed: 1 }, DATA), lineage)).not.toEqual(a);
  });
});

describe('the bert/pretrain@v1 schema', () => {
  const type = loadCatalog().get('bert/pretrain@v1')!;
  const ref = (kind: string) => ({ uri: `kiln://sha256/${'a'.repeat(64)}`, kind, digest: `sha256:${'a'.repeat(64)}`, bytes: 1, meta: {} });

  it('declares outputs and step defaults', () => {
    expect(type.outputs.model!.kind).toBe('model');
    expect(type.outputs.metrics!.kind).toBe('metrics');
    expect(type.defaults).toEqual({ timeout: '12h', heartbeat_timeout: '60s', retry: { max_attempts: 20 } });
  });

  it('fills defaults that resolvePretrainConfig accepts unchanged', () => {
    const value: Record<string, unknown> = { data: ref('pretraining-data'), tokenizer: ref('tokenizer'), steps: 50, model: { hidden_size: 64 } };
    expect(type.validate(value)).toBe(true);
    type.applyDefaults(value);
    expect(value).toMatchObject({ batch_size: 16, checkpoint_every: 100, keep_checkpoints: 3, eval_every: 0, log_every: 10, backend: 'auto', seed: 42 });
    const { data: _d, tokenizer: _t, ...rest } = value;
    const c = resolvePretrainConfig(rest, DATA);
    expect(c.model.hidden_size).toBe(64);
    expect(c.optimizer.warmup_steps).toBe(5);
  });

  it('rejects unknown model keys, a missing steps, and vocab_size (it comes from the tokenizer)', () => {
    const base = { data: ref('pretraining-data'), tokenizer: ref('tokenizer') };
    expect(type.validate({ ...base })).toBe(false);
    expect(type.validate({ ...base, steps: 5, model: { vocab_size: 10 } })).toBe(false);
    expect(type.validate({ ...base, steps: 5, optimizer: { lr: 1 } })).toBe(false);
    expect(type.validate({ ...base, steps: 5, backend: 'tpu' })).toBe(false);
  });
});
