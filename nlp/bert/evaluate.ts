// Validation of a pretraining model: masked-LM accuracy and perplexity, next-sentence accuracy, over
// the first batches of the validation split (always the same instances, so passes compare).
import type { BatchSource } from './data-order';
import type { BertModel } from './model';
import { evalStep } from './train-step';

export interface EvalMetrics {
  loss: number;
  mlm_loss: number;
  mlm_accuracy: number;
  perplexity: number; // exp(mlm_loss)
  nsp_loss: number;
  nsp_accuracy: number;
  instances: number; // validation instances evaluated
}

/**
 * Averages over up to `maxBatches` batches of `batchSize` (the last may be shorter): the masked-LM
 * numbers weighted by real predictions, the next-sentence numbers by sequences. Null for an empty split.
 */
export async function evaluatePretraining(
  model: BertModel,
  source: BatchSource,
  options: { batchSize: number; maxBatches: number },
): Promise<EvalMetrics | null> {
  const total = Math.min(source.instances, options.batchSize * options.maxBatches);
  if (total === 0) return null;
  let predictions = 0;
  let mlmLoss = 0;
  let mlmHits = 0;
  let nspLoss = 0;
  let nspHits = 0;
  for (let start = 0; start < total; start += options.batchSize) {
    const indices = Array.from({ length: Math.min(options.batchSize, total - start) }, (_, i) => start + i);
    const batch = await source.readBatch(indices);
    const m = evalStep(model, batch);
    const weight = batch.maskedWeights.reduce((a, w) => a + w, 0);
    predictions += weight;
    mlmLoss += m.mlmLoss * weight;
    mlmHits += m.mlmAccuracy * weight;
    nspLoss += m.nspLoss * indices.length;
    nspHits += m.nspAccuracy * indices.length;
  }
  const mlm = predictions > 0 ? mlmLoss / predictions : 0;
  const nsp = nspLoss / total;
  return {
    loss: mlm + nsp,
    mlm_loss: mlm,
    mlm_accuracy: predictions > 0 ? mlmHits / predictions : 0,
    perplexity: Math.exp(mlm),
    nsp_loss: nsp,
    nsp_accuracy: nspHits / total,
    instances: total,
  };
}
