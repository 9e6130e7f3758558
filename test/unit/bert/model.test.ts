import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { batchTensors, disposeBatchTensors, InvalidBatchError } from '../../../nlp/bert/batch';
import { NO_DROPOUT } from '../../../nlp/bert/dropout';
import { createBertModel, disposeBertModel, pretrainingForward, type BertModel } from '../../../nlp/bert/model';
import { TINY, randomBatch } from './helpers';

beforeAll(async () => {
  await initBackend('wasm');
});

function values(model: BertModel): Float32Array[] {
  return model.variables.map((v) => v.variable.dataSync() as Float32Array);
}

describe('BERT model', () => {
  it('produces every head output with its shape', () => {
    const model = createBertModel(TINY, 1);
    const batch = randomBatch(TINY, { batchSize: 2, seqLength: 16, maxPredictions: 4 });
    const t = batchTensors(batch, TINY);
    const shapes = tf.tidy(() => {
      const out = pretrainingForward(model, t.inputs, NO_DROPOUT);
      expect(out.mlmLogits.dataSync().every(Number.isFinite)).toBe(true);
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.shape]));
    });
    expect(shapes).toEqual({
      sequence: [2 * 16, 16], // [batch*seq, hidden]
      pooled: [2, 16], // [batch, hidden]
      mlmLogits: [2 * 4, 50], // [batch*pred, vocab]
      nspLogits: [2, 2], // [batch, 2]
    });
    disposeBatchTensors(t);
    disposeBertModel(model);
  });

  it('names its weights in a fixed order with BERT shapes', () => {
    const model = createBertModel(TINY, 1);
    const names = model.variables.map((v) => v.name);
    expect(names).toHaveLength(5 + 16 * TINY.num_layers + 9);
    expect(new Set(names).size).toBe(names.length);
    expect(names.slice(0, 7)).toEqual([
      'embeddings/word_embeddings',
      'embeddings/position_embeddings',
      'embeddings/token_type_embeddings',
      'embeddings/layer_norm/gamma',
      'embeddings/layer_norm/beta',
      'encoder/layer_0/attention/query/kernel',
      'encoder/layer_0/attention/query/bias',
    ]);
    const shape = (n: string) => model.variables.find((v) => v.name === n)!.variable.shape;
    expect(shape('embeddings/word_embeddings')).toEqual([50, 16]);
    expect(shape('encoder/layer_1/intermediate/kernel')).toEqual([16, 32]);
    expect(shape('encoder/layer_1/output/kernel')).toEqual([32, 16]);
    expect(shape('cls/predictions/output_bias')).toEqual([50]);
    expect(shape('cls/seq_relationship/kernel')).toEqual([16, 2]);
    disposeBertModel(model);
  });

  it('initialises bit-identically from the same seed and differently from another', () => {
    const a = createBertModel(TINY, 11);
    const b = createBertModel(TINY, 11);
    const c = createBertModel(TINY, 12);
    const [va, vb, vc] = [values(a), values(b), values(c)];
    va.forEach((v, i) => expect(vb[i]).toEqual(v));
    expect(vc[0]).not.toEqual(va[0]);
    expect(vc[5]).not.toEqual(va[5]); // a query kernel
    // Truncated normal with initializer_range: never beyond 2 std.
    expect(Math.max(...va[0]!.map(Math.abs))).toBeLessThanOrEqual(2 * TINY.initializer_range);
    [a, b, c].forEach(disposeBertModel);
  });

  it('rejects a batch that does not fit the model', () => {
    const batch = randomBatch(TINY);
    batch.inputIds[3] = 50;
    expect(() => batchTensors(batch, TINY)).toThrowError(InvalidBatchError);
    expect(() => batchTensors(batch, TINY)).toThrowError('batch.inputIds[3] = 50 is outside [0, 50) (vocab_size = 50)');
    expect(() => batchTensors(randomBatch(TINY, { seqLength: 40 }), TINY)).toThrowError(/exceeds the model's max_position_embeddings 32/);
  });
});
