// Masked-LM predictions with google-research/bert's semantics: about masked_lm_prob of the tokens (at most
// max_predictions_per_seq) are chosen in random order; each is [MASK] 80% of the time, a random vocab id 10%, and
// left unchanged 10%. [CLS] and [SEP] are never chosen. With whole-word masking a word's pieces are chosen together.
import type { CounterRng } from '../bert/rng';
import type { Instance } from './instance';
import { randint, roundHalfEven, shuffleInPlace, uniform } from './random';

export interface MaskingConfig {
  maskedLmProb: number;
  maxPredictionsPerSeq: number;
  wholeWordMask: boolean;
  maskId: number;
  vocabSize: number;
}

/** Scratch space for one instance's candidates, sized for max_seq_length. */
export class Masker {
  private readonly groupStart: Int32Array;
  private readonly groupEnd: Int32Array;
  private readonly order: Int32Array;
  private readonly original: Int32Array;

  constructor(
    private readonly config: MaskingConfig,
    maxSeqLength: number,
  ) {
    this.groupStart = new Int32Array(maxSeqLength);
    this.groupEnd = new Int32Array(maxSeqLength);
    this.order = new Int32Array(maxSeqLength);
    this.original = new Int32Array(maxSeqLength);
  }

  /**
   * Masks `instance.inputIds` in place and fills its predictions. `isSpecial[p]` marks [CLS]/[SEP] positions;
   * `wordStart[p]` marks the first piece of a word.
   */
  mask(instance: Instance, isSpecial: Uint8Array, wordStart: Uint8Array, rng: CounterRng): void {
    const { maskedLmProb, maxPredictionsPerSeq, wholeWordMask, maskId, vocabSize } = this.config;
    const { groupStart, groupEnd, order, original } = this;
    const ids = instance.inputIds;
    const length = instance.length;
    original.set(ids.subarray(0, length));

    // Candidate groups: single positions, or whole words. Google joins any `##` piece to the group before it even
    // across a [SEP]; here a group never spans a special token.
    let groups = 0;
    for (let p = 0; p < length; p++) {
      if (isSpecial[p]) continue;
      if (wholeWordMask && groups > 0 && !wordStart[p] && groupEnd[groups - 1] === p) {
        groupEnd[groups - 1] = p + 1;
      } else {
        groupStart[groups] = p;
        groupEnd[groups] = p + 1;
        groups++;
      }
    }
    for (let g = 0; g < groups; g++) order[g] = g;
    shuffleInPlace(order, groups, rng);

    const toPredict = maskedLmProb === 0 ? 0 : Math.min(maxPredictionsPerSeq, Math.max(1, roundHalfEven(length * maskedLmProb)));
    const positions = instance.maskedPositions;
    let count = 0;
    for (let k = 0; k < groups && count < toPredict; k++) {
      const g = order[k]!;
      const start = groupStart[g]!;
      const end = groupEnd[g]!;
      if (count + (end - start) > toPredict) continue; // a whole word that does not fit is skipped
      for (let p = start; p < end; p++) {
        positions[count++] = p;
        if (uniform(rng) < 0.8) ids[p] = maskId;
        else if (uniform(rng) >= 0.5) ids[p] = randint(rng, 0, vocabSize - 1);
      }
    }
    positions.subarray(0, count).sort();
    for (let i = 0; i < count; i++) instance.maskedIds[i] = original[positions[i]!]!;
    instance.numPredictions = count;
  }
}
