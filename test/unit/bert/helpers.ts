// Shared fixtures for the BERT unit tests: tiny configs and fixed random batches.
import type { PretrainingBatch } from '../../../nlp/bert/batch';
import { emptyBatch } from '../../../nlp/bert/empty-batch';
import { stepDefaults } from '../../../compiler/step-inputs';
import { bertConfig, type BertArchitecture, type BertConfig } from '../../../nlp/bert/config';
import { adamWConfig, type AdamWConfig, type OptimizerSettings } from '../../../nlp/bert/optimizer-config';
import { CounterRng } from '../../../nlp/bert/rng';

/** bert/pretrain@v1's default architecture (its schema's) with `overrides`, for a tokenizer of `vocabSize`. */
export function bertOf(overrides: Partial<BertArchitecture>, vocabSize: number): BertConfig {
  return bertConfig({ ...stepDefaults('bert/pretrain@v1').model, ...overrides }, vocabSize);
}

/** bert/pretrain@v1's default optimizer with `overrides`; no warmup unless given. */
export function adamWOf(overrides: Partial<OptimizerSettings>, totalSteps: number): AdamWConfig {
  return adamWConfig({ ...stepDefaults('bert/pretrain@v1').optimizer, warmup_steps: 0, ...overrides }, totalSteps);
}

export const TINY: BertConfig = bertOf({ hidden_size: 16, num_layers: 2, num_heads: 2, intermediate_size: 32, max_position_embeddings: 32 }, 50);

/** A fixed pseudo-random batch; the last row has 3 padding tokens and a padding prediction slot. */
export function randomBatch(
  config: BertConfig,
  { batchSize = 2, seqLength = 16, maxPredictions = 4, seed = 7 } = {},
): PretrainingBatch {
  const rng = CounterRng.fromSeed(seed, 'test-batch');
  const int = (n: number) => rng.nextUint32() % n;
  const b = batchSize;
  const s = seqLength;
  const p = maxPredictions;
  const batch = emptyBatch(b, s, p);
  for (let r = 0; r < b; r++) {
    const len = r === b - 1 ? s - 3 : s;
    for (let i = 0; i < len; i++) {
      batch.inputIds[r * s + i] = 5 + int(config.vocab_size - 5);
      batch.segmentIds[r * s + i] = i < len / 2 ? 0 : 1;
      batch.inputMask[r * s + i] = 1;
    }
    batch.nspLabels[r] = int(2);
    const real = r === b - 1 ? p - 1 : p;
    for (let j = 0; j < real; j++) {
      const pos = 1 + j * 3;
      batch.maskedPositions[r * p + j] = pos;
      batch.maskedIds[r * p + j] = batch.inputIds[r * s + pos]!;
      batch.inputIds[r * s + pos] = 3; // [MASK]
      batch.maskedWeights[r * p + j] = 1;
    }
  }
  return batch;
}
