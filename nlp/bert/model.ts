// The BERT model: its config and named weights, and the forward passes over them.
import * as tf from '@tensorflow/tfjs-core';

import type { BertConfig } from './config';
import type { Dropout } from './dropout';
import { embed } from './embeddings';
import { encode } from './encoder';
import { gatherPositions, mlmLogits, nspLogits, pool } from './heads';
import { createBertParams, type BertParams, type NamedVariable } from './params';

export interface BertModel {
  readonly config: BertConfig;
  readonly params: BertParams;
  /** Every weight in checkpoint order. */
  readonly variables: readonly NamedVariable[];
}

/** A new model whose weights depend only on (config, seed). */
export function createBertModel(config: BertConfig, seed: number): BertModel {
  const { params, variables } = createBertParams(config, seed);
  return { config, params, variables };
}

export function disposeBertModel(model: BertModel): void {
  for (const { variable } of model.variables) variable.dispose();
}

export interface EncoderInputs {
  inputIds: tf.Tensor2D; // [batch, seq] int32
  segmentIds: tf.Tensor2D; // [batch, seq] int32
  attentionBias: tf.Tensor4D; // [batch, 1, 1, seq]: 0 for tokens, -10000 for padding
}

export interface EncoderOutputs {
  sequence: tf.Tensor2D; // [batch*seq, hidden]
  pooled: tf.Tensor2D; // [batch, hidden]
}

export interface PretrainingInputs extends EncoderInputs {
  flatMaskedPositions: tf.Tensor1D; // [batch*pred] int32: b*seq + position
}

export interface PretrainingOutputs extends EncoderOutputs {
  mlmLogits: tf.Tensor2D; // [batch*pred, vocab]
  nspLogits: tf.Tensor2D; // [batch, 2]
}

// inputMask [batch*seq] (1 token, 0 padding) → [batch, 1, 1, seq] additive attention bias
export function attentionBias(inputMask: ArrayLike<number>, batch: number, seq: number): tf.Tensor4D {
  const bias = new Float32Array(batch * seq);
  for (let i = 0; i < bias.length; i++) bias[i] = inputMask[i] ? 0 : -10000;
  return tf.tensor4d(bias, [batch, 1, 1, seq]);
}

export function runEncoder(model: BertModel, inputs: EncoderInputs, dropout: Dropout): EncoderOutputs {
  const { config, params } = model;
  const [batch, seq] = inputs.inputIds.shape;
  if (seq > config.max_position_embeddings) {
    throw new RangeError(`sequence length ${seq} exceeds max_position_embeddings ${config.max_position_embeddings}`);
  }
  const x = embed(params.embeddings, inputs.inputIds, inputs.segmentIds, config, dropout); // [batch*seq, hidden]
  const sequence = encode(params.layers, x, inputs.attentionBias, { batch, seq }, config, dropout);
  return { sequence, pooled: pool(params.pooler, sequence, batch, seq) };
}

export function pretrainingForward(model: BertModel, inputs: PretrainingInputs, dropout: Dropout): PretrainingOutputs {
  const { config, params } = model;
  const encoded = runEncoder(model, inputs, dropout);
  const masked = gatherPositions(encoded.sequence, inputs.flatMaskedPositions); // [batch*pred, hidden]
  return {
    ...encoded,
    mlmLogits: mlmLogits(params.mlm, params.embeddings.word, masked, config.layer_norm_eps),
    nspLogits: nspLogits(params.nsp, encoded.pooled),
  };
}
