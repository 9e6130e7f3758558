// Fill-mask with a pretrained encoder (`kiln/bert-model@1`): the masked-LM head's most likely tokens for
// each [MASK] in a text. [MASK] in the request is the mask token; the tokenizer alone would split it as text.
// The encoder embeds texts too (nlp/bert/sentence-embedding.ts).
import * as tf from '@tensorflow/tfjs-core';

import { NO_DROPOUT } from '../nlp/bert/dropout';
import { gatherPositions } from '../nlp/bert/heads';
import { attentionBias, disposeBertModel, runEncoder, type BertModel } from '../nlp/bert/model';
import { dense, gelu, layerNorm, matMul2d } from '../nlp/bert/ops';
import { bertModelFromSaved, loadSavedModel, SavedModelError } from '../nlp/bert/saved-model';
import { embedTexts } from '../nlp/bert/sentence-embedding';
import { loadTokenizer, type BertTokenizer } from '../nlp/tokenizer/tokenizer';
import { ModelInputError, type FillMaskResult, type ServedModel } from './types';

const MASK = '[MASK]';

/**
 * A pretrained encoder as a served model: fill-mask, unless it was imported without its masked-LM head (whose
 * placeholder weights would answer noise), and sentence embeddings with the pooling its config.json declares.
 */
export async function loadEncoder(dir: string): Promise<ServedModel> {
  const saved = await loadSavedModel(dir);
  const tokenizer = await loadTokenizer(dir);
  if (tokenizer.vocab.size !== saved.config.vocab_size) {
    throw new SavedModelError(`${dir}: vocab.txt has ${tokenizer.vocab.size} tokens but config.json's vocab_size is ${saved.config.vocab_size}`);
  }
  const model = bertModelFromSaved(saved);
  const { pooling, maxSeqLength } = saved;
  const hasMlm = !saved.absent.includes('mlm');
  // The tied output matrix, transposed once: per request it would cost more than the rest of the pass.
  const outputT = hasMlm ? (tf.tidy(() => tf.transpose(model.params.embeddings.word)) as tf.Tensor2D) : undefined; // [hidden, vocab]
  return {
    kind: 'encoder',
    embedding: { pooling, dimensions: saved.config.hidden_size },
    validate: (texts, action) => {
      if (action === 'fill-mask') texts.forEach((text, i) => encodeMasked(tokenizer, text, maxSeqLength, i));
    },
    ...(outputT ? { fillMask: async (texts: string[], topK: number) => fillMask({ model, outputT }, tokenizer, texts, topK, maxSeqLength) } : {}),
    embed: async (texts) => embedTexts(model, tokenizer, pooling, maxSeqLength, texts),
    dispose: () => {
      outputT?.dispose();
      disposeBertModel(model);
    },
  };
}

interface MaskedEncoding {
  ids: number[];
  /** Where the [MASK]s are in `ids`. */
  masks: number[];
}

/** `[CLS] text [SEP]` with each literal [MASK] as the mask token; truncated to `maxSeq`, which must keep every mask. */
export function encodeMasked(tokenizer: BertTokenizer, text: string, maxSeq: number, index: number): MaskedEncoding {
  const { cls, sep, mask } = tokenizer.specialIds;
  const ids = [cls];
  const masks: number[] = [];
  text.split(MASK).forEach((piece, i) => {
    if (i > 0) {
      masks.push(ids.length);
      ids.push(mask);
    }
    for (const id of tokenizer.tokenizeWithWords(piece).ids) ids.push(id);
  });
  if (masks.length === 0) {
    throw new ModelInputError(`texts[${index}] has no ${MASK}`, `write ${MASK} where the model should guess a word, e.g. "the cat sat on the ${MASK}."`);
  }
  const last = masks[masks.length - 1]!;
  if (last >= maxSeq - 1) {
    throw new ModelInputError(`texts[${index}]: a ${MASK} is token ${last} of the text, past the model's ${maxSeq}-token window`, 'shorten the text before the mask');
  }
  ids.length = Math.min(ids.length, maxSeq - 1);
  ids.push(sep);
  return { ids, masks };
}

interface Encoder {
  model: BertModel;
  outputT: tf.Tensor2D; // [hidden, vocab]
}

// x [n, hidden] → logits [n, vocab]: nlp/bert/heads.ts mlmLogits with the transposed matrix precomputed
function mlmHead({ model, outputT }: Encoder, x: tf.Tensor2D): tf.Tensor2D {
  const p = model.params.mlm;
  const t = layerNorm(gelu(dense(x, p.transform)), p.layerNorm, model.config.layer_norm_eps); // [n, hidden]
  return tf.add(matMul2d(t, outputT), p.outputBias);
}

/** One forward pass over all texts, padded to the longest. */
function fillMask(encoder: Encoder, tokenizer: BertTokenizer, texts: string[], topK: number, maxSeq: number): FillMaskResult[] {
  const encodings = texts.map((t, i) => encodeMasked(tokenizer, t, maxSeq, i));
  const batch = encodings.length;
  const seq = Math.max(...encodings.map((e) => e.ids.length));
  const ids = new Int32Array(batch * seq).fill(tokenizer.specialIds.pad);
  const inputMask = new Int32Array(batch * seq);
  const flat: number[] = [];
  encodings.forEach((e, b) => {
    ids.set(e.ids, b * seq);
    inputMask.fill(1, b * seq, b * seq + e.ids.length);
    for (const p of e.masks) flat.push(b * seq + p);
  });
  const { model } = encoder;
  const k = Math.min(topK, model.config.vocab_size);
  const [values, indices] = tf.tidy(() => {
    const inputs = {
      inputIds: tf.tensor2d(ids, [batch, seq], 'int32'), // [batch, seq]
      segmentIds: tf.zeros([batch, seq], 'int32') as tf.Tensor2D, // [batch, seq]
      attentionBias: attentionBias(inputMask, batch, seq), // [batch, 1, 1, seq]
    };
    const { sequence } = runEncoder(model, inputs, NO_DROPOUT); // [batch*seq, hidden]
    const masked = gatherPositions(sequence, tf.tensor1d(flat, 'int32')); // [masks, hidden]
    const logits = mlmHead(encoder, masked); // [masks, vocab]
    const top = tf.topk(tf.softmax(logits), k); // [masks, k]
    return [top.values, top.indices];
  });
  const scores = values.dataSync();
  const tokenIds = indices.dataSync();
  values.dispose();
  indices.dispose();
  let row = 0;
  return encodings.map((e) => ({
    masks: e.masks.map((position) => {
      const base = row++ * k;
      const candidates = Array.from({ length: k }, (_, j) => ({ token: tokenizer.vocab.token(tokenIds[base + j]!), score: scores[base + j]! }));
      return { position, candidates };
    }),
  }));
}
