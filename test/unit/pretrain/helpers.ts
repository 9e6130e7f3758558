// Tiny in-memory pretraining data and configs for the loop tests: every instance is a pure function of
// (seed, index), as the real data reader's are.
import type { PretrainingBatch } from '../../../nlp/bert/batch';
import { emptyBatch } from '../../../nlp/bert/empty-batch';
import type { BatchSource } from '../../../nlp/bert/data-order';
import { CounterRng } from '../../../nlp/bert/rng';
import { stepDefaults } from '../../../compiler/step-inputs';
import { pretrainConfig, type PretrainConfig, type PretrainSettings } from '../../../nlp/bert/train-config';

export const VOCAB = 40;
export const SEQ = 16;
export const PREDS = 3;

/** bert/pretrain@v1's defaults (its schema's) for a tiny model, with `overrides`. */
export function tinyConfig(overrides: Partial<Omit<PretrainSettings, 'model'>> = {}, trainInstances = 12): PretrainConfig {
  const defaults = stepDefaults('bert/pretrain@v1');
  return pretrainConfig(
    {
      ...defaults,
      model: { ...defaults.model, hidden_size: 16, num_layers: 1, num_heads: 2, intermediate_size: 32, max_position_embeddings: SEQ },
      batch_size: 2,
      steps: 8,
      log_every: 2,
      backend: 'wasm',
      seed: 5,
      ...overrides,
    },
    { vocabSize: VOCAB, maxSeqLength: SEQ, trainInstances },
  );
}

/** Fisher–Yates over a counter-based stream: a stand-in for the data reader's epochPermutation. */
export function testPermutation(instances: number, seed: number, epoch: number): Uint32Array {
  const rng = CounterRng.fromSeed(seed, `epoch-${epoch}`);
  const order = Uint32Array.from({ length: instances }, (_, i) => i);
  for (let i = instances - 1; i > 0; i--) {
    const j = rng.nextUint32() % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** `instances` sequences; the odd ones have padding; reads are recorded in `reads`. */
export function memorySource(instances: number, seed: number): BatchSource & { reads: number[][] } {
  const reads: number[][] = [];
  return {
    instances,
    seqLength: SEQ,
    maxPredictions: PREDS,
    reads,
    async readBatch(indices: readonly number[]): Promise<PretrainingBatch> {
      reads.push([...indices]);
      const b = indices.length;
      const batch = emptyBatch(b, SEQ, PREDS);
      indices.forEach((index, r) => {
        const rng = CounterRng.fromSeed(seed, `instance-${index}`);
        const len = index % 2 === 1 ? SEQ - 4 : SEQ;
        for (let i = 0; i < len; i++) {
          batch.inputIds[r * SEQ + i] = 5 + (rng.nextUint32() % (VOCAB - 5));
          batch.segmentIds[r * SEQ + i] = i < len / 2 ? 0 : 1;
          batch.inputMask[r * SEQ + i] = 1;
        }
        batch.nspLabels[r] = index % 2;
        const real = index % 3 === 0 ? PREDS - 1 : PREDS;
        for (let j = 0; j < real; j++) {
          const pos = 1 + j * 4;
          batch.maskedPositions[r * PREDS + j] = pos;
          batch.maskedIds[r * PREDS + j] = batch.inputIds[r * SEQ + pos]!;
          batch.inputIds[r * SEQ + pos] = 4; // [MASK]
          batch.maskedWeights[r * PREDS + j] = 1;
        }
      });
      return batch;
    },
  };
}
