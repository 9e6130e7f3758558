// Token embeddings: word + position + token type, then LayerNorm and dropout.
import * as tf from '@tensorflow/tfjs-core';

import type { BertConfig } from './config';
import type { Dropout } from './dropout';
import { layerNorm } from './ops';
import type { EmbeddingParams } from './params';

// inputIds, segmentIds [batch, seq] int32 → [batch*seq, hidden]
export function embed(
  p: EmbeddingParams,
  inputIds: tf.Tensor2D,
  segmentIds: tf.Tensor2D,
  config: BertConfig,
  dropout: Dropout,
): tf.Tensor2D {
  const [batch, seq] = inputIds.shape;
  const hidden = config.hidden_size;
  const word = tf.gather(p.word, inputIds); // [batch, seq, hidden]
  const tokenType = tf.gather(p.tokenType, segmentIds); // [batch, seq, hidden]
  const position = tf.slice(p.position, [0, 0], [seq, hidden]); // [seq, hidden], broadcast over batch
  const sum = tf.reshape(tf.add(tf.add(word, tokenType), position), [batch * seq, hidden]) as tf.Tensor2D;
  return dropout.apply(layerNorm(sum, p.layerNorm, config.layer_norm_eps), config.hidden_dropout);
}
