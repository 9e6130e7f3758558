// Pretraining losses and accuracies, as google-research/bert computes them.
import * as tf from '@tensorflow/tfjs-core';

// The smallest normal float32: a probability below it (a logit over 87 below the best) counts as it in the loss.
const MIN_PROBABILITY = 1.1754944e-38;

/**
 * logits [n, classes], labels [n] int32 → [n] negative log-likelihood. One softmax gives the loss (−log of the
 * label's probability) and, kept for the backward pass, the gradient (softmax − one-hot): autodiff through
 * log-softmax, one-hot, multiply and sum took twice as long on the masked-LM head ([batch·pred, vocab]).
 * The gradient is exact; the loss saturates at 87.3 for a label whose probability underflows float32.
 */
export function negLogLikelihood(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const [n, classes] = logits.shape;
  const op = tf.customGrad((...args) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const probs = tf.softmax(x); // [n, classes]
    // [n]: probs[i, labels[i]], through flat indices (wasm's gather with batch dims reads out of bounds)
    const flat = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(classes, 'int32')), labels);
    const picked = tf.gather(tf.reshape(probs, [n * classes]), flat);
    save([probs]);
    return {
      value: tf.neg(tf.log(tf.maximum(picked, MIN_PROBABILITY))),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(tf.sub(saved[0]!, tf.oneHot(labels, classes)), tf.expandDims(dy, 1))],
    };
  }) as (x: tf.Tensor2D) => tf.Tensor1D;
  return op(logits);
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
