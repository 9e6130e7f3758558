// Pretraining losses and accuracies, as google-research/bert computes them.
import * as tf from '@tensorflow/tfjs-core';

import { sparseCrossEntropy, tensorflowBackend } from './native-ops';

// logits [n, classes], labels [n] int32 → [n] negative log-likelihood
export function negLogLikelihood(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const native = tensorflowBackend();
  if (native) return sparseCrossEntropy(native, logits, labels);
  const logProbs = tf.logSoftmax(logits); // [n, classes]
  return tf.neg(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]), logProbs), -1)) as tf.Tensor1D;
}

// [n] 1 where argmax == label
export function hits(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'float32') as tf.Tensor1D;
}

// Padding slots of the masked-LM arrays carry weight 0; the epsilon keeps an all-padding batch finite.
function weightedMean(values: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return tf.div(tf.sum(tf.mul(values, weights)), tf.add(tf.sum(weights), 1e-5));
}

// logits [batch*pred, vocab], ids [batch*pred], weights [batch*pred] → scalar
export function maskedLmLoss(logits: tf.Tensor2D, ids: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return weightedMean(negLogLikelihood(logits, ids), weights);
}

export function maskedLmAccuracy(logits: tf.Tensor2D, ids: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return weightedMean(hits(logits, ids), weights);
}

// logits [batch, 2], labels [batch] → scalar
export function nextSentenceLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.mean(negLogLikelihood(logits, labels));
}

export function nextSentenceAccuracy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.mean(hits(logits, labels));
}

export interface PretrainingLosses {
  loss: tf.Scalar; // mlmLoss + nspLoss
  mlmLoss: tf.Scalar;
  mlmAccuracy: tf.Scalar;
  nspLoss: tf.Scalar;
  nspAccuracy: tf.Scalar;
}

export interface PretrainingLabels {
  maskedIds: tf.Tensor1D; // [batch*pred] int32
  maskedWeights: tf.Tensor1D; // [batch*pred] float32
  nspLabels: tf.Tensor1D; // [batch] int32
}

export function pretrainingLosses(
  out: { mlmLogits: tf.Tensor2D; nspLogits: tf.Tensor2D },
  labels: PretrainingLabels,
): PretrainingLosses {
  const mlmLoss = maskedLmLoss(out.mlmLogits, labels.maskedIds, labels.maskedWeights);
  const nspLoss = nextSentenceLoss(out.nspLogits, labels.nspLabels);
  return {
    loss: tf.add(mlmLoss, nspLoss),
    mlmLoss,
    mlmAccuracy: maskedLmAccuracy(out.mlmLogits, labels.maskedIds, labels.maskedWeights),
    nspLoss,
    nspAccuracy: nextSentenceAccuracy(out.nspLogits, labels.nspLabels),
  };
}
