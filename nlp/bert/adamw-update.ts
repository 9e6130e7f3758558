// One AdamW update of every variable, in tfjs ops: the update of the JS backends (wasm, cpu). Native TensorFlow
// uses adamw-native.ts, the same arithmetic in TensorFlow's fused kernel.
import * as tf from '@tensorflow/tfjs-core';

import type { TensorData } from './tensor-file';

/** The numbers one update needs besides the gradients. */
export interface AdamWStep {
  learningRate: number;
  t: number; // this update's number, from 1
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  clipNorm: number; // 0: no clipping
}

/** Where a variable's moments live and how an update is applied: per backend. */
export interface AdamWKernel {
  /** Clips the gradients by their global norm, applies AdamW, returns the norm before clipping (caller disposes). */
  update(grads: readonly tf.Tensor[], step: AdamWStep): tf.Scalar;
  /** Copies of the moments, in variable order. */
  readMoments(): { m: TensorData[]; v: TensorData[] };
  /** Replaces the moments (shapes already checked), in variable order. */
  writeMoments(m: readonly TensorData[], v: readonly TensorData[]): void;
  dispose(): void;
}

export interface AdamWSlot {
  variable: tf.Variable;
  decay: boolean; // weight decay applies
}

/** clip / max(norm, clip): the factor that brings the global norm down to clip_norm (1 when within it). */
export function clipScale(norm: tf.Scalar, clipNorm: number): tf.Scalar {
  return clipNorm > 0 ? tf.div(clipNorm, tf.maximum(norm, clipNorm)) : tf.scalar(1);
}

export function snapshot(t: tf.Tensor): TensorData {
  // Copied: the cpu backend's dataSync returns its own buffer.
  return { values: new Float32Array(t.dataSync() as Float32Array), shape: [...t.shape] };
}

export function tfjsAdamW(slots: readonly AdamWSlot[]): AdamWKernel {
  const moments = slots.map(({ variable }) => ({
    m: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
    v: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
  }));
  return {
    update(grads, s) {
      const stepSize = s.learningRate / (1 - s.beta1 ** s.t); // bias correction of m folded into the step
      const sqrtCorrection2 = Math.sqrt(1 - s.beta2 ** s.t);
      return tf.tidy(() => {
        const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
        const scale = clipScale(norm, s.clipNorm);
        slots.forEach(({ variable, decay }, i) => {
          const { m: mVar, v: vVar } = moments[i]!;
          const g = tf.mul(grads[i]!, scale);
          const m = tf.add(tf.mul(mVar, s.beta1), tf.mul(g, 1 - s.beta1));
          const v = tf.add(tf.mul(vVar, s.beta2), tf.mul(tf.square(g), 1 - s.beta2));
          const denom = tf.add(tf.div(tf.sqrt(v), sqrtCorrection2), s.epsilon);
          const update = tf.div(tf.mul(m, stepSize), denom);
          const decayed = decay && s.weightDecay > 0 ? tf.mul(variable, 1 - s.learningRate * s.weightDecay) : variable;
          variable.assign(tf.sub(decayed, update));
          mVar.assign(m);
          vVar.assign(v);
        });
        return norm;
      });
    },
    readMoments: () => ({ m: moments.map((x) => snapshot(x.m)), v: moments.map((x) => snapshot(x.v)) }),
    writeMoments(m, v) {
      moments.forEach((x, i) => {
        tf.tidy(() => x.m.assign(tf.tensor(m[i]!.values, m[i]!.shape, 'float32')));
        tf.tidy(() => x.v.assign(tf.tensor(v[i]!.values, v[i]!.shape, 'float32')));
      });
    },
    dispose: () => tf.dispose(moments.flatMap((x) => [x.m, x.v])),
  };
}
