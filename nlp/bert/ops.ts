// Differentiable building blocks, shaped per backend. On wasm, matmuls are 2-D with gradients that transpose
// explicitly: XNNPACK's fast path needs untransposed, unbatched operands, and the stock matMul gradient uses
// transposed matmuls that fall back to a naive loop (≈ 5× slower; reference/TFJS-WASM.md). Elsewhere (native
// TensorFlow above all) every op dispatch costs ~10–20 µs and transposed batched matmuls are native, so the
// stock ops and gradients with the fewest kernels win. Both shapes compute the same function (test/unit/bert/parity).
import * as tf from '@tensorflow/tfjs-core';

import { columnSums } from './native-ops';
import type { DenseParams, LayerNormParams } from './params';

type Grad = tf.GradSaveFunc;

/** `unbatched`: wasm's shapes (2-D matmuls, one per sequence and head). `batched`: batched matmuls, stock gradients. */
export type OpShapes = 'unbatched' | 'batched';

let forcedShapes: OpShapes | null = null;

/** The shapes the current backend wants; `forceOpShapes` overrides it (the parity tests run both on one backend). */
export function opShapes(): OpShapes {
  return forcedShapes ?? (tf.getBackend() === 'wasm' ? 'unbatched' : 'batched');
}

export function forceOpShapes(shapes: OpShapes | null): void {
  forcedShapes = shapes;
}

/** a [m, k] × b [k, n] → [m, n]. */
const matMul2dUnbatched = tf.customGrad((...args) => {
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

/** a [m, k] × b [k, n] → [m, n]. */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return opShapes() === 'unbatched' ? matMul2dUnbatched(a, b) : tf.matMul(a, b);
}

/** a [m, k] × bᵀ, b [n, k] → [m, n]; e.g. logits over a tied embedding table. */
export function matMulTransposeB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  // unbatched: an explicit transpose keeps the matmul on wasm's fast path
  return opShapes() === 'unbatched' ? matMul2dUnbatched(a, tf.transpose(b)) : tf.matMul(a, b, false, true);
}

/** x [m, in] × kernel [in, out] + bias [out] → [m, out]. */
const denseUnbatched = tf.customGrad((...args) => {
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

/** x [rows, n] + bias [n]; the bias gradient is a column sum (a fast kernel on TensorFlow, see columnSums). */
export const addBias = tf.customGrad((...args) => {
  const [x, bias] = args as [tf.Tensor2D, tf.Tensor1D, Grad];
  return { value: tf.add(x, bias), gradFunc: (dy: tf.Tensor) => [dy, columnSums(dy as tf.Tensor2D)] };
}) as (x: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D;

// x [rows, in] → [rows, out]
export function dense(x: tf.Tensor2D, p: DenseParams): tf.Tensor2D {
  const kernel = p.kernel as tf.Tensor2D;
  const bias = p.bias as tf.Tensor1D;
  // batched: tf.fused.matMul adds three reshapes around the op; a plain matmul and a bias add are two kernels
  return opShapes() === 'unbatched' ? denseUnbatched(x, kernel, bias) : addBias(tf.matMul(x, kernel), bias);
}

// x [rows, n] → [rows, n], normalised over the last axis. The gradient is written out (∂x = r·(g − mean(g) −
// x̂·mean(g·x̂)), g = ∂y·γ): autodiff through moments() takes about twice the passes over [rows, n].
export function layerNorm(x: tf.Tensor2D, p: LayerNormParams, eps: number): tf.Tensor2D {
  return layerNormOp(x, p.gamma as tf.Tensor1D, p.beta as tf.Tensor1D, eps);
}

const layerNormOps = new Map<number, (x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor2D>();

function layerNormOp(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor2D {
  let op = layerNormOps.get(eps);
  if (!op) {
    op = tf.customGrad((...args) => {
      const [input, g, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, Grad];
      const { mean, variance } = tf.moments(input, -1, true); // [rows, 1] each
      const rstd = tf.rsqrt(tf.add(variance, eps)); // [rows, 1]
      const normed = tf.mul(tf.sub(input, mean), rstd); // x̂ [rows, n]
      save([normed, rstd, g]);
      return {
        value: tf.add(tf.mul(normed, g), b),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xhat, r, gam] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
          const dxhat = tf.mul(dy, gam); // [rows, n]
          const dx = tf.mul(tf.sub(tf.sub(dxhat, tf.mean(dxhat, -1, true)), tf.mul(xhat, tf.mean(tf.mul(dxhat, xhat), -1, true))), r);
          return [dx, columnSums(tf.mul(dy, xhat) as tf.Tensor2D), columnSums(dy as tf.Tensor2D)];
        },
      };
    }) as (x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor2D;
    layerNormOps.set(eps, op);
  }
  return op(x, gamma, beta);
}

/** Exact (erf) GELU, as BERT uses: x·Φ(x). Its derivative Φ(x) + x·φ(x) is written out (7 passes, autodiff 10). */
export const gelu = tf.customGrad((...args) => {
  const [x, save] = args as [tf.Tensor, Grad];
  const cdf = tf.add(tf.mul(tf.erf(tf.mul(x, Math.SQRT1_2)), 0.5), 0.5); // Φ(x)
  save([x, cdf]);
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, scdf] = saved as [tf.Tensor, tf.Tensor];
      const xPdf = tf.mul(tf.mul(sx, 1 / Math.sqrt(2 * Math.PI)), tf.exp(tf.mul(tf.square(sx), -0.5))); // x·φ(x)
      return [tf.mul(dy, tf.add(scdf, xPdf))];
    },
  };
}) as <T extends tf.Tensor>(x: T) => T;
