// Sums of the train metrics since the last metrics line. Saved in checkpoints, so a window that spans
// an interruption averages the same steps as an uninterrupted run.
import type { TrainRecord } from './metrics-log';
import type { TrainMetrics } from './train-step';

export interface WindowState {
  steps: number;
  loss: number;
  mlm_loss: number;
  mlm_accuracy: number;
  nsp_loss: number;
  nsp_accuracy: number;
  grad_norm: number;
  learning_rate: number; // the last update's
  tokens: number;
  ms: number; // wall time of those steps (not exact across runs, by nature)
}

export function emptyWindow(): WindowState {
  return { steps: 0, loss: 0, mlm_loss: 0, mlm_accuracy: 0, nsp_loss: 0, nsp_accuracy: 0, grad_norm: 0, learning_rate: 0, tokens: 0, ms: 0 };
}

export function addToWindow(w: WindowState, m: TrainMetrics, tokens: number, ms: number): void {
  w.steps += 1;
  w.loss += m.loss;
  w.mlm_loss += m.mlmLoss;
  w.mlm_accuracy += m.mlmAccuracy;
  w.nsp_loss += m.nspLoss;
  w.nsp_accuracy += m.nspAccuracy;
  w.grad_norm += m.gradNorm;
  w.learning_rate = m.learningRate;
  w.tokens += tokens;
  w.ms += ms;
}

/** The window's averages as a metrics line. */
export function windowRecord(w: WindowState, step: number, elapsedSeconds: number): TrainRecord {
  const n = Math.max(1, w.steps);
  return {
    split: 'train',
    step,
    loss: w.loss / n,
    mlm_loss: w.mlm_loss / n,
    mlm_accuracy: w.mlm_accuracy / n,
    nsp_loss: w.nsp_loss / n,
    nsp_accuracy: w.nsp_accuracy / n,
    learning_rate: w.learning_rate,
    grad_norm: w.grad_norm / n,
    tokens_per_sec: w.ms > 0 ? Math.round((w.tokens / w.ms) * 1000) : 0,
    elapsed: Math.round(elapsedSeconds * 1000) / 1000,
  };
}
