// Runs a fine-tuning job in the training thread machinery of nlp/bert/training-runner.ts, with this entry module.
import { runTrainingThread, type TrainingHooks, type TrainingSignals } from '../bert/training-runner';
import type { FinetuneJob, FinetuneThreadResult } from './job';
import type { FinetuneProgress } from './loop';

const ENTRY = new URL('./thread.ts', import.meta.url).href;

/** Rejects with TrainingThreadError (kind InvalidInput, CorruptCheckpoint or Error) when fine-tuning fails. */
export function runFinetuneThread(job: FinetuneJob, hooks: TrainingHooks<FinetuneProgress> = {}, signals: TrainingSignals = {}): Promise<FinetuneThreadResult> {
  return runTrainingThread<FinetuneJob, FinetuneThreadResult, FinetuneProgress>(job, hooks, signals, ENTRY);
}
