// One pretraining instance in scratch typed arrays, reused from instance to instance (nothing per instance is kept).

export interface Instance {
  /** Real tokens: [CLS] A [SEP] B [SEP]. */
  length: number;
  /** [maxSeqLength]; only [0, length) is meaningful. Masked positions hold [MASK], a random id or the original. */
  inputIds: Int32Array;
  /** [maxSeqLength]; 0 for [CLS] A [SEP], 1 for B [SEP]. */
  segmentIds: Uint8Array;
  numPredictions: number;
  /** [maxPredictions]; ascending positions, only [0, numPredictions) is meaningful. */
  maskedPositions: Int32Array;
  /** [maxPredictions]; the original ids at those positions. */
  maskedIds: Int32Array;
  /** B is a random document's sentences rather than A's continuation (the NSP label 1, as in google-research/bert). */
  isRandomNext: boolean;
}

export function newInstance(maxSeqLength: number, maxPredictions: number): Instance {
  return {
    length: 0,
    inputIds: new Int32Array(maxSeqLength),
    segmentIds: new Uint8Array(maxSeqLength),
    numPredictions: 0,
    maskedPositions: new Int32Array(maxPredictions),
    maskedIds: new Int32Array(maxPredictions),
    isRandomNext: false,
  };
}
