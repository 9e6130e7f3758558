// Differentiable building blocks. Matmuls are 2-D with gradients that transpose explicitly: wasm's
// XNNPACK fast path needs untransposed, unbatched operands, and the stock matMul gradient uses
// transposed matmuls that fall back to a naive loop (≈ 5× slower; reference/TFJS-WASM.md).
import * as tf from '@tensorflow/tfjs-core';

import type { DenseParams, LayerNormParams } from './params';

type Grad = tf.GradSaveFunc;

/** a [m, k] × b [k, n] → [m, n]. */
export const matMul2d = tf.customGrad((...args) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, Grad];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      return [tf.matMul(dy2, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy2)];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** x [m, in] × kernel [in, out] + bias [out] → [m, out]. */
const denseOp = tf.customGrad((...args) => {
  const [x, kernel, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, Grad];
  save([x, kernel]);
  return {
    value: tf.fused.matMul({ a: x, b: kernel, bias }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sk] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      return [tf.matMul(dy2, tf.transpose(sk)), tf.matMul(tf.transpose(sx), dy2), tf.sum(dy2, 0)];
    },
  };
}) as (x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D;

// x [rows, in] → [rows, out]
export function dense(x: tf.Tensor2D, p: DenseParams): tf.Tensor2D {
  return denseOp(x, p.kernel as tf.Tensor2D, p.bias as tf.Tensor1D);
}

// x [rows, n] → [rows, n], normalised over the last axis
export function layerNorm(x: tf.Tensor2D, p: LayerNormParams, eps: number): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true); // [rows, 1] each
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, p.gamma), p.beta);
}

/** Exact (erf) GELU, as BERT uses. */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}
