// A classifier over a whole split: predicted labels, mean loss and forward time, batch by batch in order.
import { classificationMetrics, type ClassificationMetrics } from '../evaluate/metrics';
import { collate } from './batch';
import type { EncodedExample } from './examples';
import type { ClassifierModel } from './model';
import { predictLogProbabilities } from './step';

export interface SplitPredictions {
  predicted: Int32Array; // [examples]: argmax label id
  gold: Int32Array; // [examples]
  loss: number; // mean cross-entropy
  forwardMs: number; // time in forward passes (tokenisation and I/O excluded)
}

export interface PredictOptions {
  batchSize: number;
  padId: number;
  /** After each batch, with the examples done so far; awaited, so a caller can heartbeat or yield. */
  onBatch?(done: number): void | Promise<void>;
}

export async function predictExamples(model: ClassifierModel, examples: readonly EncodedExample[], options: PredictOptions): Promise<SplitPredictions> {
  const n = examples.length;
  const k = model.numLabels;
  const predicted = new Int32Array(n);
  const gold = Int32Array.from(examples, (e) => e.label);
  let lossSum = 0;
  let forwardMs = 0;
  for (let start = 0; start < n; start += options.batchSize) {
    const chunk = examples.slice(start, start + options.batchSize);
    const batch = collate(chunk, options.padId);
    const t0 = performance.now();
    const logProbs = predictLogProbabilities(model, batch); // [batch*k]
    forwardMs += performance.now() - t0;
    chunk.forEach((e, r) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (logProbs[r * k + c]! > logProbs[r * k + best]!) best = c;
      predicted[start + r] = best;
      if (e.label >= 0) lossSum -= logProbs[r * k + e.label]!;
    });
    await options.onBatch?.(start + chunk.length);
  }
  return { predicted, gold, loss: n > 0 ? lossSum / n : 0, forwardMs };
}

export interface SplitEvaluation extends ClassificationMetrics {
  loss: number;
  forwardMs: number;
}

/** Predictions scored against the examples' labels. */
export async function evaluateExamples(model: ClassifierModel, examples: readonly EncodedExample[], options: PredictOptions): Promise<SplitEvaluation> {
  const p = await predictExamples(model, examples, options);
  return { ...classificationMetrics(p.gold, p.predicted, model.numLabels), loss: p.loss, forwardMs: p.forwardMs };
}
