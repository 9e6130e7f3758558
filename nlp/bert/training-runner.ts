// Pretraining's thread (nlp/bert/training-thread.ts), run by the training harness in nlp/training/.
import { runTrainingThread, type TrainingHooks, type TrainingSignals } from '../training/thread-runner';
import type { TrainProgress } from './train-loop';
import type { TrainingJob, TrainingThreadResult } from './training-job';

const ENTRY = new URL('./training-thread.ts', import.meta.url).href;

export function runPretrainingThread(job: TrainingJob, hooks: TrainingHooks<TrainProgress> = {}, signals: TrainingSignals = {}): Promise<TrainingThreadResult> {
  return runTrainingThread(ENTRY, job, hooks, signals);
}
