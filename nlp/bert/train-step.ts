// One pretraining update (forward, losses, gradients, AdamW) and one evaluation step, each leaving
// no tensors behind and syncing with the backend once.
import * as tf from '@tensorflow/tfjs-core';

import { batchTensors, disposeBatchTensors, type PretrainingBatch } from './batch';
import { NO_DROPOUT, seededDropout } from './dropout';
import { pretrainingLosses } from './losses';
import { pretrainingForward, type BertModel } from './model';
import type { AdamW } from './optimizer';
import type { CounterRng } from './rng';

export interface StepMetrics {
  loss: number; // mlmLoss + nspLoss
  mlmLoss: number;
  mlmAccuracy: number;
  nspLoss: number;
  nspAccuracy: number;
}

export interface TrainMetrics extends StepMetrics {
  learningRate: number; // the rate this update used
  gradNorm: number; // global gradient norm before clipping
}

/**
 * Trains on one batch. Dropout masks are drawn from `dropoutRng`, whose state belongs in every
 * checkpoint (exportTrainingState) so that a resumed run repeats them exactly.
 */
export function trainStep(model: BertModel, optimizer: AdamW, batch: PretrainingBatch, dropoutRng: CounterRng): TrainMetrics {
  const t = batchTensors(batch, model.config);
  const dropout = seededDropout(dropoutRng);
  const owned: tf.Tensor[] = [];
  let metrics: tf.Tensor | undefined; // [mlmLoss, mlmAccuracy, nspLoss, nspAccuracy]
  try {
    const { value, grads } = tf.variableGrads(
      () => {
        const l = pretrainingLosses(pretrainingForward(model, t.inputs, dropout), t.labels);
        // Kept past variableGrads' tidy, read with the gradient norm in a single sync below.
        metrics = tf.keep(tf.stack([l.mlmLoss, l.mlmAccuracy, l.nspLoss, l.nspAccuracy]));
        owned.push(metrics);
        return l.loss;
      },
      model.variables.map((v) => v.variable),
    );
    owned.push(value, ...Object.values(grads));
    const update = optimizer.applyGradients(new Map(model.variables.map(({ name, variable }) => [name, grads[variable.name]!])));
    owned.push(update.gradNorm);
    const all = tf.tidy(() => tf.concat([tf.reshape(value, [1]), metrics!, tf.reshape(update.gradNorm, [1])]));
    owned.push(all);
    const [loss, mlmLoss, mlmAccuracy, nspLoss, nspAccuracy, gradNorm] = all.dataSync();
    return {
      loss: loss!,
      mlmLoss: mlmLoss!,
      mlmAccuracy: mlmAccuracy!,
      nspLoss: nspLoss!,
      nspAccuracy: nspAccuracy!,
      learningRate: update.learningRate,
      gradNorm: gradNorm!,
    };
  } finally {
    tf.dispose(owned);
    disposeBatchTensors(t);
  }
}

/** Losses and accuracies on one batch: no dropout, no update. */
export function evalStep(model: BertModel, batch: PretrainingBatch): StepMetrics {
  const t = batchTensors(batch, model.config);
  try {
    const all = tf.tidy(() => {
      const l = pretrainingLosses(pretrainingForward(model, t.inputs, NO_DROPOUT), t.labels);
      return tf.stack([l.loss, l.mlmLoss, l.mlmAccuracy, l.nspLoss, l.nspAccuracy]);
    });
    const [loss, mlmLoss, mlmAccuracy, nspLoss, nspAccuracy] = all.dataSync();
    all.dispose();
    return { loss: loss!, mlmLoss: mlmLoss!, mlmAccuracy: mlmAccuracy!, nspLoss: nspLoss!, nspAccuracy: nspAccuracy! };
  } finally {
    disposeBatchTensors(t);
  }
}
