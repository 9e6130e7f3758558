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

/** Σ over rows of x [rows, n] → [n]; TensorFlow's BiasAddGrad does it 5× faster than its generic Sum. */
export function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  const native = tensorflowBackend();
  return native ? (native.executeSingleOutput('BiasAddGrad', [typeAttr(native, 'T', 'float32')], [x]) as tf.Tensor1D) : tf.sum(x, 0);
}
