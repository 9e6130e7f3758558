// A classification batch: examples padded to the longest in the batch (short sentences stay cheap), as typed
// arrays and as the encoder's input tensors.
import * as tf from '@tensorflow/tfjs-core';

import { attentionBias, type EncoderInputs } from '../bert/model';
import type { EncodedExample } from './examples';

export interface ClassificationBatch {
  inputIds: Int32Array; // [batch*seq], padding = padId
  segmentIds: Int32Array; // [batch*seq]
  inputMask: Int32Array; // [batch*seq]: 1 token, 0 padding
  labels: Int32Array; // [batch]
  batchSize: number;
  seqLength: number;
}

export function collate(examples: readonly EncodedExample[], padId: number): ClassificationBatch {
  const b = examples.length;
  if (b === 0) throw new RangeError('collate: a batch needs at least one example');
  const s = Math.max(...examples.map((e) => e.ids.length));
  const batch: ClassificationBatch = {
    inputIds: new Int32Array(b * s).fill(padId),
    segmentIds: new Int32Array(b * s),
    inputMask: new Int32Array(b * s),
    labels: new Int32Array(b),
    batchSize: b,
    seqLength: s,
  };
  examples.forEach((e, r) => {
    batch.inputIds.set(e.ids, r * s);
    batch.segmentIds.set(e.segmentIds, r * s);
    batch.inputMask.fill(1, r * s, r * s + e.ids.length);
    batch.labels[r] = e.label;
  });
  return batch;
}

/** The encoder's inputs; the caller disposes them. */
export function encoderInputs(batch: ClassificationBatch): EncoderInputs {
  const { batchSize: b, seqLength: s } = batch;
  return {
    inputIds: tf.tensor2d(batch.inputIds, [b, s], 'int32'),
    segmentIds: tf.tensor2d(batch.segmentIds, [b, s], 'int32'),
    attentionBias: attentionBias(batch.inputMask, b, s),
  };
}
