// Fine-tuning's metrics lines (JSONL, written through nlp/bert/metrics-log.ts) and the running sums behind the
// train lines, which checkpoints carry so that a window spanning an interruption averages the same steps.
import type { FinetuneStepMetrics } from './step';

export interface FinetuneTrainRecord {
  split: 'train';
  step: number;
  epoch: number; // epochs completed at this step, fractional
  loss: number; // mean over the window's steps
  accuracy: number;
  learning_rate: number; // of the window's last update
  grad_norm: number; // before clipping
  examples_per_sec: number;
  elapsed: number; // seconds of training, over all attempts
}

export interface FinetuneEvalRecord {
  split: 'validation';
  step: number;
  epoch: number;
  loss: number;
  accuracy: number;
  macro_f1: number;
  examples: number;
  /** This pass improved on every earlier one (by the early-stopping metric): its weights are the ones kept. */
  best: boolean;
  elapsed: number;
}

export type FinetuneRecord = FinetuneTrainRecord | FinetuneEvalRecord;

export interface FinetuneWindow {
  steps: number;
  loss: number;
  accuracy: number;
  grad_norm: number;
  learning_rate: number;
  examples: number;
  ms: number; // wall time of those steps (not exact across runs, by nature)
}

export function emptyFinetuneWindow(): FinetuneWindow {
  return { steps: 0, loss: 0, accuracy: 0, grad_norm: 0, learning_rate: 0, examples: 0, ms: 0 };
}

export function addStep(w: FinetuneWindow, m: FinetuneStepMetrics, examples: number, ms: number): void {
  w.steps += 1;
  w.loss += m.loss;
  w.accuracy += m.accuracy;
  w.grad_norm += m.gradNorm;
  w.learning_rate = m.learningRate;
  w.examples += examples;
  w.ms += ms;
}

export function trainRecord(w: FinetuneWindow, step: number, epoch: number, elapsedSeconds: number): FinetuneTrainRecord {
  const n = Math.max(1, w.steps);
  return {
    split: 'train',
    step,
    epoch,
    loss: w.loss / n,
    accuracy: w.accuracy / n,
    learning_rate: w.learning_rate,
    grad_norm: w.grad_norm / n,
    examples_per_sec: w.ms > 0 ? Math.round((w.examples / w.ms) * 1000 * 10) / 10 : 0,
    elapsed: Math.round(elapsedSeconds * 1000) / 1000,
  };
}

/** Wall-clock fields differ between identical runs; saved models and reports leave them out so digests do not. */
export function withoutTiming(record: FinetuneRecord | null): { [key: string]: number | string | boolean } | null {
  if (!record) return null;
  const { elapsed: _elapsed, ...rest } = record as FinetuneTrainRecord;
  delete (rest as Partial<FinetuneTrainRecord>).examples_per_sec;
  return rest;
}
