// Multi-head self-attention in the two shapes of ops.ts: on wasm one 2-D matmul per (sequence, head), because
// batched matmuls leave XNNPACK's fast path (reference/TFJS-WASM.md) while B×A small 2-D products stay on it;
// elsewhere one batched matmul for all scores and one for all contexts.
import * as tf from '@tensorflow/tfjs-core';

import type { BertConfig } from './config';
import type { Dropout } from './dropout';
import { dense, matMul2d, opShapes } from './ops';
import type { AttentionParams } from './params';

export interface AttentionShape {
  batch: number;
  seq: number;
}

// x [batch*seq, hidden], bias [batch, 1, 1, seq] (0 keep, -10000 padding) → [batch*seq, hidden]
// Returns the output projection, before dropout, residual and LayerNorm.
export function selfAttention(
  p: AttentionParams,
  x: tf.Tensor2D,
  bias: tf.Tensor4D,
  shape: AttentionShape,
  config: BertConfig,
  dropout: Dropout,
): tf.Tensor2D {
  const attend = opShapes() === 'unbatched' ? attendPerHead : attendBatched;
  return dense(attend(p, x, bias, shape, config, dropout), p.output);
}

type Attend = (p: AttentionParams, x: tf.Tensor2D, bias: tf.Tensor4D, shape: AttentionShape, config: BertConfig, dropout: Dropout) => tf.Tensor2D;

// → context [batch*seq, hidden], heads merged
const attendBatched: Attend = (p, x, bias, { batch, seq }, config, dropout) => {
  const heads = config.num_heads;
  const size = config.hidden_size / heads;
  const toHeads = (t: tf.Tensor2D): tf.Tensor4D => tf.transpose(tf.reshape(t, [batch, seq, heads, size]), [0, 2, 1, 3]); // [batch, heads, seq, size]

  const q = toHeads(dense(x, p.query));
  const k = toHeads(dense(x, p.key));
  const v = toHeads(dense(x, p.value));
  const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(size)); // [batch, heads, seq, seq]
  const probs = dropout.apply(tf.softmax(tf.add(scores, bias), -1), config.attention_dropout);
  const context = tf.matMul(probs, v); // [batch, heads, seq, size]
  return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch * seq, config.hidden_size]) as tf.Tensor2D;
};

const attendPerHead: Attend = (p, x, bias, { batch, seq }, config, dropout) => {
  const heads = config.num_heads;
  const size = config.hidden_size / heads;
  const toHeads = (t: tf.Tensor2D, perm: number[], shape: number[]): tf.Tensor[] =>
    tf.unstack(tf.reshape(tf.transpose(tf.reshape(t, [batch, seq, heads, size]), perm), shape));

  const scaledQuery = tf.mul(dense(x, p.query), 1 / Math.sqrt(size)) as tf.Tensor2D;
  const q = toHeads(scaledQuery, [0, 2, 1, 3], [batch * heads, seq, size]); // each [seq, size]
  const kT = toHeads(dense(x, p.key), [0, 2, 3, 1], [batch * heads, size, seq]); // each [size, seq]
  const v = toHeads(dense(x, p.value), [0, 2, 1, 3], [batch * heads, seq, size]); // each [seq, size]

  const scores = tf.stack(q.map((qi, i) => matMul2d(qi as tf.Tensor2D, kT[i] as tf.Tensor2D))); // [batch*heads, seq, seq]
  const masked = tf.add(tf.reshape(scores, [batch, heads, seq, seq]), bias); // [batch, heads, seq, seq]
  const probs = dropout.apply(tf.softmax(masked, -1), config.attention_dropout);
  const ps = tf.unstack(tf.reshape(probs, [batch * heads, seq, seq])); // each [seq, seq]

  const context = tf.stack(ps.map((pi, i) => matMul2d(pi as tf.Tensor2D, v[i] as tf.Tensor2D))); // [batch*heads, seq, size]
  return tf.reshape(
    tf.transpose(tf.reshape(context, [batch, heads, seq, size]), [0, 2, 1, 3]), // [batch, seq, heads, size]
    [batch * seq, config.hidden_size],
  ) as tf.Tensor2D;
};
