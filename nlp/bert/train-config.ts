// The typed config of bert/pretrain: the model, the optimizer and the loop's own settings, resolved from
// the step's `with` and the data it trains on. The whole config is saved with every checkpoint.
import type { Json } from '../../compiler/types';
import type { BackendChoice } from '../backend';
import { resolveBertConfig, type BertConfig } from './config';
import { ConfigError, checkInteger, rejectUnknownKeys } from './config-check';
import { resolveAdamWConfig, type AdamWConfig } from './optimizer-config';

export interface TrainingOptions {
  batch_size: number;
  steps: number;
  checkpoint_every: number;
  keep_checkpoints: number;
  eval_every: number;
  eval_batches: number;
  log_every: number;
  backend: BackendChoice;
  seed: number;
}

export interface PretrainConfig {
  model: BertConfig;
  optimizer: AdamWConfig;
  training: TrainingOptions;
}

export const TRAINING_DEFAULTS: Omit<TrainingOptions, 'steps'> = {
  batch_size: 16, // sequences per update
  checkpoint_every: 100, // steps between checkpoints (and one at the end)
  keep_checkpoints: 3, // the newest N stay on disk
  eval_every: 0, // steps between validation passes; 0: only after the last step
  eval_batches: 10, // validation batches per pass, from the start of the validation split
  log_every: 10, // steps averaged into one metrics line
  backend: 'auto',
  seed: 42, // weights, data order and dropout all derive from it
};

// Tiny models learn well at 1e-3 (BERT-base's 1e-4 barely moves them in a few hundred steps).
export const PRETRAIN_OPTIMIZER_DEFAULTS = { learning_rate: 1e-3 };

/** Warmup when `optimizer.warmup_steps` is not set: 10% of the steps. */
export function defaultWarmup(steps: number): number {
  return Math.floor(steps / 10);
}

const BACKENDS: readonly BackendChoice[] = ['auto', 'wasm', 'cpu', 'tfjs-node', 'tfjs-node-gpu'];

/** The keys of `with` this function resolves (the artifact inputs are the activity's). */
export interface PretrainInputs {
  model?: Partial<Omit<BertConfig, 'vocab_size'>>;
  optimizer?: Partial<Omit<AdamWConfig, 'total_steps'>>;
  batch_size?: number;
  steps?: number;
  checkpoint_every?: number;
  keep_checkpoints?: number;
  eval_every?: number;
  eval_batches?: number;
  log_every?: number;
  backend?: BackendChoice;
  seed?: number;
}

export interface DataShape {
  vocabSize: number; // the tokenizer's
  maxSeqLength: number; // the pretraining data's
  trainInstances: number;
}

const TRAINING_KEYS = ['model', 'optimizer', 'steps', ...Object.keys(TRAINING_DEFAULTS)];

/** Fills defaults and checks everything, including that the data fits the model. Throws ConfigError. */
export function resolvePretrainConfig(inputs: PretrainInputs, data: DataShape): PretrainConfig {
  rejectUnknownKeys('with', inputs, TRAINING_KEYS);
  if (inputs.steps === undefined) throw new ConfigError('steps: required; set the number of training steps');
  const training: TrainingOptions = { ...TRAINING_DEFAULTS, steps: inputs.steps };
  for (const key of Object.keys(TRAINING_DEFAULTS) as (keyof TrainingOptions)[]) {
    const value = inputs[key];
    if (value !== undefined) (training as unknown as Record<string, unknown>)[key] = value;
  }
  checkInteger('with', 'steps', training.steps, 1);
  checkInteger('with', 'batch_size', training.batch_size, 1);
  checkInteger('with', 'checkpoint_every', training.checkpoint_every, 1);
  checkInteger('with', 'keep_checkpoints', training.keep_checkpoints, 1);
  checkInteger('with', 'eval_every', training.eval_every, 0);
  checkInteger('with', 'eval_batches', training.eval_batches, 1);
  checkInteger('with', 'log_every', training.log_every, 1);
  checkInteger('with', 'seed', training.seed, 0);
  if (!BACKENDS.includes(training.backend)) {
    throw new ConfigError(`with.backend: must be one of ${BACKENDS.join(', ')} (got ${JSON.stringify(training.backend)})`);
  }

  const model = resolveBertConfig({ ...(inputs.model ?? {}), vocab_size: data.vocabSize });
  if (data.maxSeqLength > model.max_position_embeddings) {
    throw new ConfigError(
      `model.max_position_embeddings ${model.max_position_embeddings} is smaller than the data's max_seq_length ${data.maxSeqLength}; ` +
        `set model.max_position_embeddings to at least ${data.maxSeqLength}, or build the data with max_seq_length <= ${model.max_position_embeddings}`,
    );
  }
  if (data.trainInstances < training.batch_size) {
    throw new ConfigError(
      `with.batch_size ${training.batch_size} exceeds the ${data.trainInstances} training instances of the data; ` +
        `lower batch_size to at most ${data.trainInstances}, or build more data (a bigger corpus or a higher dupe_factor)`,
    );
  }
  const optimizer = resolveAdamWConfig({
    ...PRETRAIN_OPTIMIZER_DEFAULTS,
    warmup_steps: defaultWarmup(training.steps),
    ...(inputs.optimizer ?? {}),
    total_steps: training.steps,
  });
  return { model, optimizer, training };
}

/**
 * What a resumed run must share with the run that wrote the checkpoint: everything that shapes the
 * trajectory. Checkpoint cadence, evaluation, logging and the backend may change between attempts.
 */
export function resumeIdentity(config: PretrainConfig, lineage: { data: string; tokenizer: string }): { [key: string]: Json } {
  return {
    model: { ...config.model },
    optimizer: { ...config.optimizer },
    batch_size: config.training.batch_size,
    seed: config.training.seed,
    data: lineage.data,
    tokenizer: lineage.tokenizer,
  };
}
