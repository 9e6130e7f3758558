// TensorFlow ops that tfjs-core has no kernel for, called through tfjs-node's backend when kiln trains on native
// TensorFlow: each replaces a chain of small tfjs ops (one dispatch and one pass over memory each) with one kernel.
import * as tf from '@tensorflow/tfjs-core';

export interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

/** The part of tfjs-node's NodeJSKernelBackend used here (it runs any TensorFlow op by name). */
export interface TensorflowBackend {
  binding: { TF_ATTR_STRING: number; TF_ATTR_TYPE: number; TF_ATTR_SHAPE: number; TF_FLOAT: number; TF_INT32: number };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], outputs: number): tf.Tensor[];
}

/** The native TensorFlow backend when it is the active one, else null. */
export function tensorflowBackend(): TensorflowBackend | null {
  return tf.getBackend() === 'tensorflow' ? (tf.backend() as unknown as TensorflowBackend) : null;
}

export function typeAttr(backend: TensorflowBackend, name: string, dtype: 'float32' | 'int32'): OpAttr {
  const { binding } = backend;
  return { name, type: binding.TF_ATTR_TYPE, value: dtype === 'float32' ? binding.TF_FLOAT : binding.TF_INT32 };
}

/**
 * Per-row cross-entropy of logits [n, classes] against int32 labels [n] → [n], with TensorFlow's fused kernel:
 * one pass gives the loss and its gradient (softmax − one-hot), where log-softmax, one-hot, multiply and sum
 * would take a dozen passes over [n, classes] forward and backward.
 */
export function sparseCrossEntropy(backend: TensorflowBackend, logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const op = tf.customGrad((...args) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const [loss, backprop] = backend.executeMultipleOutputs(
      'SparseSoftmaxCrossEntropyWithLogits',
      [typeAttr(backend, 'T', 'float32'), typeAttr(backend, 'Tlabels', 'int32')],
      [x, labels],
      2,
    ) as [tf.Tensor1D, tf.Tensor2D];
    save([backprop]);
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(saved[0]!, tf.expandDims(dy, 1))],
    };
  }) as (x: tf.Tensor2D) => tf.Tensor1D;
  return op(logits);
}

/**
 * Uniform [0, 1) values of `shape`, a pure function of (shape, seed) computed by TensorFlow's Philox generator:
 * what keeps dropout masks reproducible (the seed comes from a checkpointed stream) without drawing them in JS.
 */
export function statelessUniform(backend: TensorflowBackend, shape: number[], seed: [number, number]): tf.Tensor {
  const shapeTensor = tf.tensor1d(shape, 'int32');
  const seedTensor = tf.tensor1d(seed, 'int32');
  try {
    return backend.executeSingleOutput(
      'StatelessRandomUniform',
      [typeAttr(backend, 'dtype', 'float32'), typeAttr(backend, 'T', 'int32'), typeAttr(backend, 'Tseed', 'int32')],
      [shapeTensor, seedTensor],
    );
  } finally {
    tf.dispose([shapeTensor, seedTensor]);
  }
}
