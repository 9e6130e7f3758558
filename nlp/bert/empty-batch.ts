// Kept apart from batch.ts so the data reader can build batches without loading TF.js.
import type { PretrainingBatch } from './batch';

/** A batch of zeros (all padding, no predictions) of this shape, for the data reader and tests to fill in. */
export function emptyBatch(batchSize: number, seqLength: number, maxPredictions: number): PretrainingBatch {
  return {
    inputIds: new Int32Array(batchSize * seqLength),
    segmentIds: new Int32Array(batchSize * seqLength),
    inputMask: new Int32Array(batchSize * seqLength),
    maskedPositions: new Int32Array(batchSize * maxPredictions),
    maskedIds: new Int32Array(batchSize * maxPredictions),
    maskedWeights: new Float32Array(batchSize * maxPredictions),
    nspLabels: new Int32Array(batchSize),
    batchSize,
    seqLength,
    maxPredictions,
  };
}
