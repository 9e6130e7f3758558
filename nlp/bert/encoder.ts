// The transformer encoder: attention and a GELU feed-forward, each with residual + LayerNorm (post-LN, as BERT).
import * as tf from '@tensorflow/tfjs-core';

import { selfAttention, type AttentionShape } from './attention';
import type { BertConfig } from './config';
import type { Dropout } from './dropout';
import { dense, gelu, layerNorm } from './ops';
import type { EncoderLayerParams } from './params';

// x [batch*seq, hidden] → [batch*seq, hidden]
export function encoderLayer(
  p: EncoderLayerParams,
  x: tf.Tensor2D,
  bias: tf.Tensor4D,
  shape: AttentionShape,
  config: BertConfig,
  dropout: Dropout,
): tf.Tensor2D {
  const eps = config.layer_norm_eps;
  const attended = dropout.apply(selfAttention(p.attention, x, bias, shape, config, dropout), config.hidden_dropout);
  const h = layerNorm(tf.add(x, attended), p.attention.layerNorm, eps);
  const ff = dense(gelu(dense(h, p.intermediate)), p.output); // [batch*seq, intermediate] → [batch*seq, hidden]
  return layerNorm(tf.add(h, dropout.apply(ff, config.hidden_dropout)), p.layerNorm, eps);
}

// x [batch*seq, hidden] → [batch*seq, hidden] after every layer
export function encode(
  layers: readonly EncoderLayerParams[],
  x: tf.Tensor2D,
  bias: tf.Tensor4D,
  shape: AttentionShape,
  config: BertConfig,
  dropout: Dropout,
): tf.Tensor2D {
  let h = x;
  for (const p of layers) h = encoderLayer(p, h, bias, shape, config, dropout);
  return h;
}
