// The typed config of bert/finetune: the encoder (pretrained or from scratch), the optimizer and the loop's own
// settings, from the step's `with` (checked, defaults filled in) and the shapes of the tokenizer, base model and data.
import type { BertFinetuneInputs } from '../../compiler/step-inputs.generated';
import type { Json } from '../../contract/json';
import { bertConfig, ConfigError, type BertArchitecture, type BertConfig } from '../bert/config';
import { adamWConfig, type AdamWConfig } from '../bert/optimizer-config';

/** The step's `with` but its artifacts and `model` (the encoder, which the shape says). */
export type FinetuneSettings = Omit<BertFinetuneInputs, 'model' | 'tokenizer' | 'train' | 'validation' | 'labels'>;

export type FinetuneOptions = Omit<FinetuneSettings, 'optimizer'>;

export type EarlyStoppingMetric = FinetuneOptions['early_stopping']['metric'];

export interface FinetuneConfig {
  model: BertConfig;
  /** True when the encoder starts from random weights instead of a pretrained model. */
  from_scratch: boolean;
  num_labels: number;
  optimizer: AdamWConfig;
  training: FinetuneOptions;
}

export interface FinetuneShape {
  /** The tokenizer's vocabulary size. */
  vocabSize: number;
  /** A pretrained encoder's config, or the architecture of a fresh one (`with.model.from_scratch`). */
  encoder: { pretrained: BertConfig } | { fromScratch: BertArchitecture };
  trainExamples: number;
  numLabels: number;
}

/** Updates per epoch: every example once, the last batch possibly short. */
export function stepsPerEpoch(trainExamples: number, batchSize: number): number {
  return Math.ceil(trainExamples / batchSize);
}

/** The settings fitted to the tokenizer, the encoder and the data, which must all fit together. Throws ConfigError. */
export function finetuneConfig(settings: FinetuneSettings, shape: FinetuneShape): FinetuneConfig {
  const { optimizer, ...training } = settings;
  const model = 'pretrained' in shape.encoder ? shape.encoder.pretrained : bertConfig(shape.encoder.fromScratch, shape.vocabSize);
  if (model.vocab_size !== shape.vocabSize) {
    throw new ConfigError(
      `tokenizer: the tokenizer has ${shape.vocabSize} tokens but the model's vocab_size is ${model.vocab_size}; ` +
        'pass the tokenizer the model was pretrained with (or leave tokenizer out: the model carries its own)',
    );
  }
  if (training.max_seq_length > model.max_position_embeddings) {
    throw new ConfigError(
      `max_seq_length ${training.max_seq_length} exceeds the model's max_position_embeddings ${model.max_position_embeddings}; ` +
        `set max_seq_length to at most ${model.max_position_embeddings}`,
    );
  }
  if (!Number.isSafeInteger(shape.trainExamples) || shape.trainExamples < 1) throw new ConfigError('train: the training split has no examples');
  if (!Number.isSafeInteger(shape.numLabels) || shape.numLabels < 2) {
    throw new ConfigError(`labels: a classifier needs at least 2 labels (labels.json has ${shape.numLabels})`);
  }
  const totalSteps = training.epochs * stepsPerEpoch(shape.trainExamples, training.batch_size);
  return { model, from_scratch: 'fromScratch' in shape.encoder, num_labels: shape.numLabels, optimizer: adamWConfig(optimizer, totalSteps), training };
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
