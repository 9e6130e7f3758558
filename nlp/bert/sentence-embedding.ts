// Sentence embeddings: each text's final hidden states pooled into one vector as the model declares
// (nlp/bert/pooling.ts). Serving's /embed and `kiln embed` use it, and so does the parity test against Hugging Face
// (sentence-transformers' Transformer → Pooling → Normalize), so it stays plain and exact.
import * as tf from '@tensorflow/tfjs-core';

import type { BertTokenizer } from '../tokenizer/tokenizer';
import { NO_DROPOUT } from './dropout';
import { attentionBias, runEncoder, type BertModel } from './model';
import type { Pooling } from './pooling';

/** The padding id of a batch; the attention bias hides it, so any id would give the same states. */
const PAD = 0;
/** sentence-transformers' Normalize (torch.nn.functional.normalize): a zero vector stays zero. */
const NORM_EPS = 1e-12;

/** `[CLS] pieces [SEP]`, the pieces cut so the whole is at most `maxSeqLength` tokens. */
export function encodeForEmbedding(tokenizer: BertTokenizer, text: string, maxSeqLength: number): number[] {
  const { cls, sep } = tokenizer.specialIds;
  const pieces = tokenizer.tokenizeWithWords(text).ids;
  return [cls, ...pieces.slice(0, Math.max(0, maxSeqLength - 2)), sep];
}

/**
 * One forward pass over `ids` (each `[CLS] … [SEP]`), padded to the longest, without dropout, all segment ids 0.
 * Per text its final hidden states, [len × hidden] row-major, padding cut off.
 */
export function hiddenStates(model: BertModel, ids: number[][]): Float32Array[] {
  if (ids.length === 0) return [];
  const batch = ids.length;
  const seq = Math.max(...ids.map((row) => row.length));
  const hidden = model.config.hidden_size;
  const flat = new Int32Array(batch * seq).fill(PAD);
  const inputMask = new Int32Array(batch * seq);
  ids.forEach((row, b) => {
    flat.set(row, b * seq);
    inputMask.fill(1, b * seq, b * seq + row.length);
  });
  const sequence = tf.tidy(() => {
    const inputs = {
      inputIds: tf.tensor2d(flat, [batch, seq], 'int32'), // [batch, seq]
      segmentIds: tf.zeros([batch, seq], 'int32') as tf.Tensor2D, // [batch, seq]
      attentionBias: attentionBias(inputMask, batch, seq), // [batch, 1, 1, seq]
    };
    return runEncoder(model, inputs, NO_DROPOUT).sequence; // [batch*seq, hidden]
  });
  const values = sequence.dataSync() as Float32Array;
  sequence.dispose();
  return ids.map((row, b) => values.slice(b * seq * hidden, (b * seq + row.length) * hidden));
}

/** One text's vector from its hidden states [len × hiddenSize]: row 0 ([CLS]) or the mean of all `len` rows. */
export function pool(hidden: Float32Array, len: number, hiddenSize: number, pooling: Pooling): number[] {
  const vector = new Array<number>(hiddenSize).fill(0);
  if (pooling.mode === 'cls') {
    for (let j = 0; j < hiddenSize; j++) vector[j] = hidden[j]!;
  } else {
    // [CLS] and [SEP] count as tokens, as sentence-transformers' attention-masked mean counts them.
    for (let i = 0; i < len; i++) for (let j = 0; j < hiddenSize; j++) vector[j]! += hidden[i * hiddenSize + j]!;
    for (let j = 0; j < hiddenSize; j++) vector[j]! /= len;
  }
  if (!pooling.normalize) return vector;
  const norm = Math.max(Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0)), NORM_EPS);
  return vector.map((x) => x / norm);
}

/** One vector of `hidden_size` numbers per text, from one forward pass over all of them. */
export function embedTexts(model: BertModel, tokenizer: BertTokenizer, pooling: Pooling, maxSeqLength: number, texts: string[]): number[][] {
  const ids = texts.map((text) => encodeForEmbedding(tokenizer, text, maxSeqLength));
  const hiddenSize = model.config.hidden_size;
  return hiddenStates(model, ids).map((states, i) => pool(states, ids[i]!.length, hiddenSize, pooling));
}
