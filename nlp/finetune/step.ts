// One fine-tuning update and one prediction pass, each leaving no tensors behind and syncing once.
import * as tf from '@tensorflow/tfjs-core';

import { NO_DROPOUT, seededDropout } from '../bert/dropout';
import { hits, negLogLikelihood } from '../bert/losses';
import type { AdamW } from '../bert/optimizer';
import type { CounterRng } from '../bert/rng';
import { encoderInputs, type ClassificationBatch } from './batch';
import { classifierLogits, type ClassifierModel } from './model';

export interface FinetuneStepMetrics {
  loss: number; // mean cross-entropy of the batch
  accuracy: number;
  learningRate: number; // the rate this update used
  gradNorm: number; // global gradient norm before clipping
}

/** Trains on one batch; dropout masks come from `dropoutRng`, whose state goes into every checkpoint. */
export function finetuneStep(model: ClassifierModel, optimizer: AdamW, batch: ClassificationBatch, dropoutRng: CounterRng): FinetuneStepMetrics {
  const inputs = encoderInputs(batch);
  const labels = tf.tensor1d(batch.labels, 'int32');
  const dropout = seededDropout(dropoutRng);
  const owned: tf.Tensor[] = [inputs.inputIds, inputs.segmentIds, inputs.attentionBias, labels];
  try {
    let accuracy: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(
      () => {
        const logits = classifierLogits(model, inputs, dropout); // [batch, labels]
        // Kept past variableGrads' tidy, read with the loss and gradient norm in one sync below.
        accuracy = tf.keep(tf.mean(hits(logits, labels)));
        owned.push(accuracy);
        return tf.mean(negLogLikelihood(logits, labels)) as tf.Scalar;
      },
      model.variables.map((v) => v.variable),
    );
    owned.push(value, ...Object.values(grads));
    const update = optimizer.applyGradients(new Map(model.variables.map(({ name, variable }) => [name, grads[variable.name]!])));
    owned.push(update.gradNorm);
    const all = tf.stack([value, accuracy!, update.gradNorm]);
    owned.push(all);
    const [loss, acc, gradNorm] = all.dataSync();
    return { loss: loss!, accuracy: acc!, learningRate: update.learningRate, gradNorm: gradNorm! };
  } finally {
    tf.dispose(owned);
  }
}

/** Log-probabilities of every class for a batch, no dropout: [batch*numLabels], row-major. */
export function predictLogProbabilities(model: ClassifierModel, batch: ClassificationBatch): Float32Array {
  const inputs = encoderInputs(batch);
  try {
    const logProbs = tf.tidy(() => tf.logSoftmax(classifierLogits(model, inputs, NO_DROPOUT)));
    // Copied: the cpu backend's dataSync returns its own buffer.
    const values = new Float32Array(logProbs.dataSync() as Float32Array);
    logProbs.dispose();
    return values;
  } finally {
    tf.dispose([inputs.inputIds, inputs.segmentIds, inputs.attentionBias]);
  }
}
