// Runs a fine-tuning job in the training harness (nlp/training/thread-runner.ts), with this entry module.
import { runTrainingThread, type TrainingHooks, type TrainingSignals } from '../training/thread-runner';
import type { FinetuneJob, FinetuneThreadResult } from './job';
import type { FinetuneProgress } from './loop';

const ENTRY = new URL('./thread.ts', import.meta.url).href;

/** Rejects with TrainingThreadError (kind InvalidInput, CorruptCheckpoint or Error) when fine-tuning fails. */
export function runFinetuneThread(job: FinetuneJob, hooks: TrainingHooks<FinetuneProgress> = {}, signals: TrainingSignals = {}): Promise<FinetuneThreadResult> {
  return runTrainingThread<FinetuneJob, FinetuneThreadResult, FinetuneProgress>(ENTRY, job, hooks, signals);
}
