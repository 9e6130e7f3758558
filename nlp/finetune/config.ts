// The typed config of bert/finetune: the encoder (pretrained or from scratch), the optimizer and the loop's own
// settings, resolved from the step's `with` and the shapes of the tokenizer, base model and data.
import type { Json } from '../../compiler/types';
import type { BackendChoice } from '../backend';
import { resolveBertConfig, type BertConfig } from '../bert/config';
import { ConfigError, checkInteger, rejectUnknownKeys } from '../bert/config-check';
import { resolveAdamWConfig, type AdamWConfig } from '../bert/optimizer-config';
import { defaultWarmup } from '../bert/train-config';

export type EarlyStoppingMetric = 'accuracy' | 'loss';

export interface FinetuneOptions {
  epochs: number;
  batch_size: number;
  max_seq_length: number;
  early_stopping: { patience: number; metric: EarlyStoppingMetric };
  eval_every: number;
  checkpoint_every: number;
  keep_checkpoints: number;
  log_every: number;
  backend: BackendChoice;
  seed: number;
}

export interface FinetuneConfig {
  model: BertConfig;
  /** True when the encoder starts from random weights instead of a pretrained model. */
  from_scratch: boolean;
  num_labels: number;
  optimizer: AdamWConfig;
  training: FinetuneOptions;
}

export const FINETUNE_DEFAULTS: FinetuneOptions = {
  epochs: 3, // passes over the training split (fewer when early stopping ends it)
  batch_size: 32, // examples per update; the last batch of an epoch may be smaller
  max_seq_length: 128, // tokens per example including [CLS]/[SEP]; longer texts are truncated (pairs: the longer first)
  early_stopping: { patience: 2, metric: 'accuracy' }, // stop after `patience` evaluations without improvement; 0: never
  eval_every: 0, // steps between validation passes; 0: after every epoch
  checkpoint_every: 100, // steps between checkpoints (and one at the end)
  keep_checkpoints: 2, // the newest N stay on disk
  log_every: 10, // steps averaged into one metrics line
  backend: 'auto',
  seed: 42, // classifier head, data order, dropout (and a from-scratch encoder) derive from it
};

// BERT-base's 2e-5..5e-5 barely moves a tiny encoder in 3 epochs. Measured on sentiment-sentences (BERT-tiny from
// scratch, 3 epochs of batch 32; test accuracy): 1e-4 0.62, 3e-4 0.79, 5e-4 0.79, 1e-3 0.82, 2e-3 0.73. 5e-4 sits on
// the flat part, away from the cliff past 1e-3, and is gentler on pretrained weights.
export const FINETUNE_OPTIMIZER_DEFAULTS = { learning_rate: 5e-4 };

const BACKENDS: readonly BackendChoice[] = ['auto', 'wasm', 'cpu', 'tfjs-node', 'tfjs-node-gpu'];
const METRICS: readonly EarlyStoppingMetric[] = ['accuracy', 'loss'];

/** The keys of `with` this function resolves (`model` is split by the activity into a base model or from_scratch). */
export interface FinetuneInputs {
  from_scratch?: Partial<Omit<BertConfig, 'vocab_size'>>;
  optimizer?: Partial<Omit<AdamWConfig, 'total_steps'>>;
  epochs?: number;
  batch_size?: number;
  max_seq_length?: number;
  early_stopping?: Partial<FinetuneOptions['early_stopping']>;
  eval_every?: number;
  checkpoint_every?: number;
  keep_checkpoints?: number;
  log_every?: number;
  backend?: BackendChoice;
  seed?: number;
}

export interface FinetuneShape {
  /** The tokenizer's vocabulary size. */
  vocabSize: number;
  /** The pretrained encoder's config; null to train from scratch. */
  pretrained: BertConfig | null;
  trainExamples: number;
  numLabels: number;
}

const KEYS = ['from_scratch', 'optimizer', ...Object.keys(FINETUNE_DEFAULTS)];

function resolveOptions(inputs: FinetuneInputs): FinetuneOptions {
  const t: FinetuneOptions = { ...FINETUNE_DEFAULTS, early_stopping: { ...FINETUNE_DEFAULTS.early_stopping } };
  for (const key of Object.keys(FINETUNE_DEFAULTS) as (keyof FinetuneOptions)[]) {
    const value = inputs[key];
    if (value !== undefined && key !== 'early_stopping') (t as unknown as Record<string, unknown>)[key] = value;
  }
  if (inputs.early_stopping !== undefined) {
    rejectUnknownKeys('with.early_stopping', inputs.early_stopping, ['patience', 'metric']);
    Object.assign(t.early_stopping, inputs.early_stopping);
  }
  checkInteger('with', 'epochs', t.epochs, 1);
  checkInteger('with', 'batch_size', t.batch_size, 1);
  checkInteger('with', 'max_seq_length', t.max_seq_length, 3);
  checkInteger('with.early_stopping', 'patience', t.early_stopping.patience, 0);
  checkInteger('with', 'eval_every', t.eval_every, 0);
  checkInteger('with', 'checkpoint_every', t.checkpoint_every, 1);
  checkInteger('with', 'keep_checkpoints', t.keep_checkpoints, 1);
  checkInteger('with', 'log_every', t.log_every, 1);
  checkInteger('with', 'seed', t.seed, 0);
  if (!METRICS.includes(t.early_stopping.metric)) {
    throw new ConfigError(`with.early_stopping.metric: must be one of ${METRICS.join(', ')} (got ${JSON.stringify(t.early_stopping.metric)})`);
  }
  if (!BACKENDS.includes(t.backend)) {
    throw new ConfigError(`with.backend: must be one of ${BACKENDS.join(', ')} (got ${JSON.stringify(t.backend)})`);
  }
  return t;
}

/** Updates per epoch: every example once, the last batch possibly short. */
export function stepsPerEpoch(trainExamples: number, batchSize: number): number {
  return Math.ceil(trainExamples / batchSize);
}

/** Fills defaults and checks everything, including that tokenizer, encoder and max_seq_length fit. Throws ConfigError. */
export function resolveFinetuneConfig(inputs: FinetuneInputs, shape: FinetuneShape): FinetuneConfig {
  rejectUnknownKeys('with', inputs, KEYS);
  const training = resolveOptions(inputs);
  let model: BertConfig;
  if (shape.pretrained) {
    if (inputs.from_scratch !== undefined) throw new ConfigError('with.model: give a pretrained model artifact or { from_scratch }, not both');
    model = shape.pretrained;
    if (model.vocab_size !== shape.vocabSize) {
      throw new ConfigError(
        `with.tokenizer: the tokenizer has ${shape.vocabSize} tokens but the model's vocab_size is ${model.vocab_size}; ` +
          'pass the tokenizer the model was pretrained with (or leave tokenizer out: the model carries its own)',
      );
    }
  } else {
    model = resolveBertConfig({ ...(inputs.from_scratch ?? {}), vocab_size: shape.vocabSize });
  }
  if (training.max_seq_length > model.max_position_embeddings) {
    throw new ConfigError(
      `with.max_seq_length ${training.max_seq_length} exceeds the model's max_position_embeddings ${model.max_position_embeddings}; ` +
        `set max_seq_length to at most ${model.max_position_embeddings}` +
        (shape.pretrained ? '' : ', or raise model.from_scratch.max_position_embeddings'),
    );
  }
  if (!Number.isSafeInteger(shape.trainExamples) || shape.trainExamples < 1) {
    throw new ConfigError('with.train: the training split has no examples');
  }
  if (!Number.isSafeInteger(shape.numLabels) || shape.numLabels < 2) {
    throw new ConfigError(`with.labels: a classifier needs at least 2 labels (labels.json has ${shape.numLabels})`);
  }
  const totalSteps = training.epochs * stepsPerEpoch(shape.trainExamples, training.batch_size);
  const optimizer = resolveAdamWConfig({
    ...FINETUNE_OPTIMIZER_DEFAULTS,
    warmup_steps: defaultWarmup(totalSteps),
    ...(inputs.optimizer ?? {}),
    total_steps: totalSteps,
  });
  return { model, from_scratch: shape.pretrained === null, num_labels: shape.numLabels, optimizer, training };
}

/**
 * What a resumed run must share with the run that wrote the checkpoint: everything that shapes the trajectory,
 * early stopping included. Checkpoint cadence, logging and the backend may change between attempts.
 */
export function finetuneIdentity(config: FinetuneConfig, lineage: { [key: string]: Json }): { [key: string]: Json } {
  const t = config.training;
  return {
    model: { ...config.model },
    from_scratch: config.from_scratch,
    num_labels: config.num_labels,
    optimizer: { ...config.optimizer },
    epochs: t.epochs,
    batch_size: t.batch_size,
    max_seq_length: t.max_seq_length,
    early_stopping: { ...t.early_stopping },
    eval_every: t.eval_every,
    seed: t.seed,
    ...lineage,
  };
}
