// Errors of training, sorted into what retrying can and cannot fix, so they cross the thread boundary
// with their meaning (a structured clone keeps only message and name).
import { CheckpointError } from '../../store/checkpoint-errors';
import { BackendUnavailableError } from '../backend';
import { PretrainingDataError } from '../pretraining-data/errors';
import { TokenizerFileError } from '../tokenizer/errors';
import { InvalidBatchError } from './batch';
import { CorruptCheckpointError } from '../training/checkpoint-error';
import { ConfigError } from './config';
import type { ThreadFailure } from '../training/thread-messages';
import { TrainingDivergedError } from './train-loop';

export function classifyFailure(error: unknown): ThreadFailure {
  if (!(error instanceof Error)) return { kind: 'Error', name: 'Error', message: String(error) };
  const { name, message } = error;
  if (error instanceof CheckpointError) return { kind: 'CorruptCheckpoint', name, message, hint: error.hint };
  if (error instanceof CorruptCheckpointError) {
    return { kind: 'CorruptCheckpoint', name, message, hint: 'delete the step\'s checkpoint directory to train it from scratch' };
  }
  if (error instanceof TrainingDivergedError) {
    return { kind: 'InvalidInput', name, message, hint: 'lower optimizer.learning_rate, or raise optimizer.warmup_steps' };
  }
  if (error instanceof PretrainingDataError || error instanceof TokenizerFileError) {
    return { kind: 'InvalidInput', name, message, hint: error.hint };
  }
  if (error instanceof BackendUnavailableError || error instanceof ConfigError || error instanceof InvalidBatchError) {
    return { kind: 'InvalidInput', name, message };
  }
  return { kind: 'Error', name, message: error.stack ?? message };
}
