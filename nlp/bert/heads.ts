// Pretraining heads: masked-LM over the masked positions only, and next-sentence prediction on [CLS].
import * as tf from '@tensorflow/tfjs-core';

import { addBias, dense, gelu, layerNorm, matMulTransposeB } from './ops';
import type { DenseParams, MlmHeadParams } from './params';

// sequence [batch*seq, hidden], flatPositions [batch*pred] (row b*seq + position) → [batch*pred, hidden]
export function gatherPositions(sequence: tf.Tensor2D, flatPositions: tf.Tensor1D): tf.Tensor2D {
  return tf.gather(sequence, flatPositions);
}

// x [n, hidden] → logits [n, vocab]; the output matrix is the word embedding table (tied)
export function mlmLogits(p: MlmHeadParams, wordEmbeddings: tf.Variable, x: tf.Tensor2D, eps: number): tf.Tensor2D {
  const t = layerNorm(gelu(dense(x, p.transform)), p.layerNorm, eps); // [n, hidden]
  const logits = matMulTransposeB(t, wordEmbeddings as tf.Tensor2D); // [n, vocab]
  return addBias(logits, p.outputBias as tf.Tensor1D);
}

// sequence [batch*seq, hidden] → [batch, hidden]: tanh(dense(hidden state of [CLS]))
export function pool(p: DenseParams, sequence: tf.Tensor2D, batch: number, seq: number): tf.Tensor2D {
  const clsRows = tf.range(0, batch * seq, seq, 'int32') as tf.Tensor1D; // row of position 0 in each sequence
  return tf.tanh(dense(tf.gather(sequence, clsRows), p));
}

// pooled [batch, hidden] → [batch, 2]
export function nspLogits(p: DenseParams, pooled: tf.Tensor2D): tf.Tensor2D {
  return dense(pooled, p);
}
