import { describe, expect, it } from 'vitest';

import { loadCatalog } from '../../../compiler/catalog';
import { resolveStepInputs } from '../../../compiler/step-inputs';
import type { Json } from '../../../contract/json';
import { ConfigError } from '../../../nlp/bert/config';
import { pretrainConfig, resumeIdentity, type PretrainSettings } from '../../../nlp/bert/train-config';

const DATA = { vocabSize: 100, maxSeqLength: 64, trainInstances: 50 };
const ref = (kind: string) => ({ uri: `kiln://sha256/${'a'.repeat(64)}`, kind, digest: `sha256:${'a'.repeat(64)}`, bytes: 1, meta: {} });

/** What the activity edge makes of `with` (checked, defaults filled), less the artifacts. */
function settingsOf(raw: { [key: string]: Json }): PretrainSettings {
  const result = resolveStepInputs('bert/pretrain@v1', { data: ref('pretraining-data'), tokenizer: ref('tokenizer'), ...raw });
  if (!('inputs' in result)) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  const { data: _d, tokenizer: _t, ...settings } = result.inputs;
  return settings;
}

function problems(raw: { [key: string]: Json }): string[] {
  const result = resolveStepInputs('bert/pretrain@v1', { data: ref('pretraining-data'), tokenizer: ref('tokenizer'), ...raw });
  return 'problems' in result ? result.problems.map((p) => `${p.path}: ${p.message}`) : [];
}

function error(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('pretrainConfig', () => {
  it('takes the schema\'s defaults: BERT-tiny, vocab from the tokenizer, 1e-3 with 10% warmup, the schedule over `steps`', () => {
    const c = pretrainConfig(settingsOf({ steps: 300 }), DATA);
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
    expect(pretrainConfig(settingsOf({ steps: 300, optimizer: { warmup_steps: 0 } }), DATA).optimizer.warmup_steps).toBe(0);
  });

  it('says what does not fit the data and how to fix it', () => {
    expect(error(() => pretrainConfig(settingsOf({ steps: 10, model: { max_position_embeddings: 32 } }), DATA))).toBe(
      "model.max_position_embeddings 32 is smaller than the data's max_seq_length 64; set model.max_position_embeddings to at least 64, or build the data with max_seq_length <= 32",
    );
    expect(error(() => pretrainConfig(settingsOf({ steps: 10, batch_size: 64 }), DATA))).toMatch(
      /^batch_size 64 exceeds the 50 training instances of the data; lower batch_size to at most 50/,
    );
  });

  it('ties resumption to what shapes training, not to cadence or backend', () => {
    const lineage = { data: 'sha256:d', tokenizer: 'sha256:t' };
    const a = resumeIdentity(pretrainConfig(settingsOf({ steps: 10, checkpoint_every: 5, backend: 'wasm' }), DATA), lineage);
    const b = resumeIdentity(pretrainConfig(settingsOf({ steps: 10, checkpoint_every: 2, eval_every: 3, backend: 'cpu' }), DATA), lineage);
    expect(b).toEqual(a);
    expect(resumeIdentity(pretrainConfig(settingsOf({ steps: 11 }), DATA), lineage)).not.toEqual(a); // the schedule changes
    expect(resumeIdentity(pretrainConfig(settingsOf({ steps: 10, seed: 1 }), DATA), lineage)).not.toEqual(a);
  });
});

describe('the bert/pretrain@v1 schema', () => {
  const type = loadCatalog().get('bert/pretrain@v1')!;

  it('declares outputs and step defaults', () => {
    expect(type.outputs.model!.kind).toBe('model');
    expect(type.outputs.metrics!.kind).toBe('metrics');
    expect(type.defaults).toEqual({ timeout: '12h', heartbeat_timeout: '60s', retry: { max_attempts: 20 } });
  });

  it('rejects unknown keys, a missing steps, vocab_size (it comes from the tokenizer) and broken rules', () => {
    expect(problems({})).toEqual(['with: missing required key "steps"']);
    expect(problems({ steps: 5, model: { vocab_size: 10 } })).toEqual(['with.model.vocab_size: unknown key "vocab_size"']);
    expect(problems({ steps: 5, optimizer: { lr: 1 } })).toEqual(['with.optimizer.lr: unknown key "lr"']);
    expect(problems({ steps: 5, backend: 'tpu' })).toEqual(['with.backend: must be one of: auto, wasm, cpu, tfjs-node, tfjs-node-gpu (got "tpu")']);
    expect(problems({ steps: 0 })).toEqual(['with.steps: must be >= 1 (got 0)']);
    expect(problems({ steps: 10, model: { hidden_size: 30, num_heads: 4 } })).toEqual(['with.model.num_heads: 4 does not divide model.hidden_size 30']);
    expect(problems({ steps: 10, optimizer: { warmup_steps: 20 } })).toEqual(['with.optimizer.warmup_steps: must be at most steps = 10 (got 20)']);
  });
});
