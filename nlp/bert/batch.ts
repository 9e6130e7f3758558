// A pretraining batch as flat typed arrays (what the data pipeline produces), its checks, and its tensors.
import * as tf from '@tensorflow/tfjs-core';

import type { BertConfig } from './config';
import type { PretrainingLabels } from './losses';
import { attentionBias, type PretrainingInputs } from './model';

export interface PretrainingBatch {
  inputIds: Int32Array; // [batch*seq]
  segmentIds: Int32Array; // [batch*seq]
  inputMask: Int32Array; // [batch*seq]: 1 token, 0 padding
  maskedPositions: Int32Array; // [batch*pred]: position within its sequence
  maskedIds: Int32Array; // [batch*pred]: original token ids
  maskedWeights: Float32Array; // [batch*pred]: 1 real prediction, 0 padding slot
  nspLabels: Int32Array; // [batch]: 0 or 1
  batchSize: number;
  seqLength: number;
  maxPredictions: number;
}

/** The batch does not fit the model (lengths, id ranges); the message names the field and the values. */
export class InvalidBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBatchError';
  }
}

function checkLength(field: string, array: ArrayLike<number>, expected: number, formula: string): void {
  if (array.length !== expected) {
    throw new InvalidBatchError(`batch.${field}: length ${array.length}, expected ${formula} = ${expected}`);
  }
}

function checkRange(field: string, array: ArrayLike<number>, limit: number, limitName: string): void {
  for (let i = 0; i < array.length; i++) {
    const v = array[i]!;
    if (v < 0 || v >= limit) {
      throw new InvalidBatchError(`batch.${field}[${i}] = ${v} is outside [0, ${limit}) (${limitName} = ${limit})`);
    }
  }
}

export function validateBatch(batch: PretrainingBatch, config: BertConfig): void {
  const { batchSize: b, seqLength: s, maxPredictions: p } = batch;
  for (const [k, v] of [['batchSize', b], ['seqLength', s], ['maxPredictions', p]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new InvalidBatchError(`batch.${k}: must be an integer >= 1 (got ${v})`);
  }
  if (s > config.max_position_embeddings) {
    throw new InvalidBatchError(
      `batch.seqLength ${s} exceeds the model's max_position_embeddings ${config.max_position_embeddings}; ` +
        'use shorter sequences or a model with more positions',
    );
  }
  checkLength('inputIds', batch.inputIds, b * s, 'batchSize × seqLength');
  checkLength('segmentIds', batch.segmentIds, b * s, 'batchSize × seqLength');
  checkLength('inputMask', batch.inputMask, b * s, 'batchSize × seqLength');
  checkLength('maskedPositions', batch.maskedPositions, b * p, 'batchSize × maxPredictions');
  checkLength('maskedIds', batch.maskedIds, b * p, 'batchSize × maxPredictions');
  checkLength('maskedWeights', batch.maskedWeights, b * p, 'batchSize × maxPredictions');
  checkLength('nspLabels', batch.nspLabels, b, 'batchSize');
  // Out-of-range ids would make gather read garbage on wasm instead of failing.
  checkRange('inputIds', batch.inputIds, config.vocab_size, 'vocab_size');
  checkRange('maskedIds', batch.maskedIds, config.vocab_size, 'vocab_size');
  checkRange('segmentIds', batch.segmentIds, config.type_vocab_size, 'type_vocab_size');
  checkRange('maskedPositions', batch.maskedPositions, s, 'seqLength');
  checkRange('nspLabels', batch.nspLabels, 2, 'classes');
}

export interface BatchTensors {
  inputs: PretrainingInputs;
  labels: PretrainingLabels;
}

/** Validates and uploads a batch; the caller disposes the tensors (disposeBatchTensors). */
export function batchTensors(batch: PretrainingBatch, config: BertConfig): BatchTensors {
  validateBatch(batch, config);
  const { batchSize: b, seqLength: s, maxPredictions: p } = batch;
  const flat = new Int32Array(b * p);
  for (let i = 0; i < flat.length; i++) flat[i] = Math.floor(i / p) * s + batch.maskedPositions[i]!;
  return {
    inputs: {
      inputIds: tf.tensor2d(batch.inputIds, [b, s], 'int32'),
      segmentIds: tf.tensor2d(batch.segmentIds, [b, s], 'int32'),
      attentionBias: attentionBias(batch.inputMask, b, s),
      flatMaskedPositions: tf.tensor1d(flat, 'int32'),
    },
    labels: {
      maskedIds: tf.tensor1d(batch.maskedIds, 'int32'),
      maskedWeights: tf.tensor1d(batch.maskedWeights, 'float32'),
      nspLabels: tf.tensor1d(batch.nspLabels, 'int32'),
    },
  };
}

export function disposeBatchTensors(t: BatchTensors): void {
  tf.dispose([...Object.values(t.inputs), ...Object.values(t.labels)]);
}
