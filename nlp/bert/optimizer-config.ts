// The optimizer's typed config: the `optimizer:` block of bert/pretrain or bert/finetune (defaults from the schema),
// with the warmup filled in and the schedule's length, which the data decides for fine-tuning.
import type { BertPretrainInputs } from '../../compiler/step-inputs.generated';
import { ConfigError } from './config';

export type OptimizerSettings = BertPretrainInputs['optimizer'];

export type AdamWConfig = Required<OptimizerSettings> & {
  /** The learning rate decays to 0 here. */
  total_steps: number;
};

/** Warmup when `optimizer.warmup_steps` is not set: 10% of the steps. */
export function defaultWarmup(steps: number): number {
  return Math.floor(steps / 10);
}

export function adamWConfig(settings: OptimizerSettings, totalSteps: number): AdamWConfig {
  const warmup = settings.warmup_steps ?? defaultWarmup(totalSteps);
  if (warmup > totalSteps) {
    throw new ConfigError(`optimizer.warmup_steps ${warmup} exceeds the ${totalSteps} steps of training; lower warmup_steps (BERT used about 1% of the steps)`);
  }
  return { ...settings, warmup_steps: warmup, total_steps: totalSteps };
}
