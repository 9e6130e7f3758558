// Finite-difference check of the analytical gradients (custom matmul gradients included), on the
// cpu backend in float32.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { batchTensors, disposeBatchTensors } from '../../../nlp/bert/batch';
import { NO_DROPOUT } from '../../../nlp/bert/dropout';
import { pretrainingLosses } from '../../../nlp/bert/losses';
import { createBertModel, pretrainingForward } from '../../../nlp/bert/model';
import { evalStep } from '../../../nlp/bert/train-step';
import { bertOf, randomBatch } from './helpers';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('gradients', () => {
  it('match central finite differences for a sample of parameters', () => {
    // A wider initialiser than BERT's makes gradients large enough to measure in float32.
    const config = bertOf({ hidden_size: 8, num_layers: 1, num_heads: 2, intermediate_size: 16, max_position_embeddings: 8, initializer_range: 0.3 }, 20);
    const model = createBertModel(config, 5);
    const batch = randomBatch(config, { batchSize: 2, seqLength: 8, maxPredictions: 2, seed: 3 });
    const t = batchTensors(batch, config);
    const vars = model.variables.map((v) => v.variable);
    const { grads } = tf.variableGrads(
      () => pretrainingLosses(pretrainingForward(model, t.inputs, NO_DROPOUT), t.labels).loss,
      vars,
    );
    disposeBatchTensors(t);

    const probes: [string, number][] = [
      ['embeddings/word_embeddings', batch.inputIds[2]! * 8 + 3],
      ['embeddings/position_embeddings', 1 * 8 + 5],
      ['embeddings/token_type_embeddings', 8 + 2],
      ['encoder/layer_0/attention/query/kernel', 9],
      ['encoder/layer_0/attention/key/kernel', 30],
      ['encoder/layer_0/attention/value/kernel', 17],
      ['encoder/layer_0/attention/layer_norm/gamma', 4],
      ['encoder/layer_0/intermediate/kernel', 40],
      ['encoder/layer_0/output/bias', 6],
      ['pooler/dense/kernel', 12],
      ['cls/predictions/transform/dense/kernel', 21],
      ['cls/predictions/output_bias', batch.maskedIds[0]!],
      ['cls/seq_relationship/kernel', 5],
    ];
    const eps = 5e-3;
    for (const [name, index] of probes) {
      const { variable } = model.variables.find((v) => v.name === name)!;
      const analytic = (grads[variable.name]!.dataSync() as Float32Array)[index]!;
      const base = new Float32Array(variable.dataSync() as Float32Array);
      const lossWith = (delta: number): number => {
        const moved = new Float32Array(base);
        moved[index]! += delta;
        tf.tidy(() => variable.assign(tf.tensor(moved, variable.shape)));
        return evalStep(model, batch).loss;
      };
      const numeric = (lossWith(eps) - lossWith(-eps)) / (2 * eps);
      tf.tidy(() => variable.assign(tf.tensor(base, variable.shape)));
      expect(Math.abs(analytic), name).toBeGreaterThan(1e-3);
      expect(Math.abs(numeric - analytic), `${name}[${index}]: numeric ${numeric}, analytic ${analytic}`).toBeLessThan(
        1e-4 + 0.01 * Math.abs(analytic),
      );
    }
    tf.dispose(grads);
  });
});
