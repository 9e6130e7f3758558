// The typed config of bert/pretrain: the model, the optimizer and the loop's own settings, from the step's `with`
// (checked, defaults filled in) and the data it trains on. The whole config is saved with every checkpoint.
import type { BertPretrainInputs } from '../../compiler/step-inputs.generated';
import type { Json } from '../../contract/json';
import { bertConfig, ConfigError, type BertConfig } from './config';
import { adamWConfig, type AdamWConfig } from './optimizer-config';

/** The step's `with` but its artifacts. */
export type PretrainSettings = Omit<BertPretrainInputs, 'data' | 'tokenizer'>;

export type TrainingOptions = Omit<PretrainSettings, 'model' | 'optimizer'>;

export interface PretrainConfig {
  model: BertConfig;
  optimizer: AdamWConfig;
  training: TrainingOptions;
}

export interface DataShape {
  vocabSize: number; // the tokenizer's
  maxSeqLength: number; // the pretraining data's
  trainInstances: number;
}

/** The settings fitted to the data, which must fit the model and the batch. Throws ConfigError naming the key. */
export function pretrainConfig(settings: PretrainSettings, data: DataShape): PretrainConfig {
  const { model, optimizer, ...training } = settings;
  if (data.maxSeqLength > model.max_position_embeddings) {
    throw new ConfigError(
      `model.max_position_embeddings ${model.max_position_embeddings} is smaller than the data's max_seq_length ${data.maxSeqLength}; ` +
        `set model.max_position_embeddings to at least ${data.maxSeqLength}, or build the data with max_seq_length <= ${model.max_position_embeddings}`,
    );
  }
  if (data.trainInstances < training.batch_size) {
    throw new ConfigError(
      `batch_size ${training.batch_size} exceeds the ${data.trainInstances} training instances of the data; ` +
        `lower batch_size to at most ${data.trainInstances}, or build more data (a bigger corpus or a higher dupe_factor)`,
    );
  }
  return { model: bertConfig(model, data.vocabSize), optimizer: adamWConfig(optimizer, training.steps), training };
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
