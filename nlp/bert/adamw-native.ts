// AdamW on native TensorFlow: the weights and both moments live in TensorFlow resource variables and each update
// is TensorFlow's fused ResourceApplyAdam kernel, one multi-threaded pass per variable where the tfjs ops of
// adamw-update.ts take a dozen passes and dispatches each (≈ 10% of a BERT-mini step). Same arithmetic:
// TensorFlow's  lr̂ · m / (√v + ε̂)  with lr̂ = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) and ε̂ = ε·√(1−β₂ᵗ) equals PyTorch's
// lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε). Decoupled weight decay is a gradient-descent step on the weight's own value.
import * as tf from '@tensorflow/tfjs-core';

import { clipScale, snapshot, type AdamWKernel, type AdamWSlot } from './adamw-update';
import { typeAttr, type OpAttr, type TensorflowBackend } from './native-ops';

/** TensorFlow's name for an anonymous resource: freed with its last handle, never shared by name. */
const ANONYMOUS = 'cd2c89b7-88b7-44c8-ad83-06c2a9158347';

interface NativeSlot extends AdamWSlot {
  weight: tf.Tensor; // resource handles
  m: tf.Tensor;
  v: tf.Tensor;
  /** The tfjs variable's data when this kernel last wrote it: anything else was assigned from outside (a restore). */
  synced: tf.DataId | null;
}

export function nativeAdamW(backend: TensorflowBackend, slots: readonly AdamWSlot[]): AdamWKernel {
  const float = typeAttr(backend, 'T', 'float32');
  const dtype = typeAttr(backend, 'dtype', 'float32');
  const run = (name: string, attrs: OpAttr[], inputs: tf.Tensor[]): void => void backend.executeMultipleOutputs(name, attrs, inputs, 0);
  const handle = (shape: number[]): tf.Tensor =>
    backend.executeSingleOutput(
      'VarHandleOp',
      [dtype, { name: 'shape', type: backend.binding.TF_ATTR_SHAPE, value: shape }, { name: 'shared_name', type: backend.binding.TF_ATTR_STRING, value: ANONYMOUS }],
      [],
    );
  const assign = (resource: tf.Tensor, value: tf.Tensor): void => run('AssignVariableOp', [dtype], [resource, value]);
  const read = (resource: tf.Tensor): tf.Tensor => backend.executeSingleOutput('ReadVariableOp', [dtype], [resource]);

  const native: NativeSlot[] = slots.map((slot) => {
    const s: NativeSlot = { ...slot, weight: handle(slot.variable.shape), m: handle(slot.variable.shape), v: handle(slot.variable.shape), synced: null };
    tf.tidy(() => {
      assign(s.m, tf.zerosLike(slot.variable));
      assign(s.v, tf.zerosLike(slot.variable));
    });
    return s;
  });

  return {
    update(grads, step) {
      return tf.tidy(() => {
        // L2Loss is Σg²/2 in one kernel
        const norm = tf.sqrt(tf.mul(tf.addN(grads.map((g) => backend.executeSingleOutput('L2Loss', [float], [g]))), 2)) as tf.Scalar;
        const scale = clipScale(norm, step.clipNorm);
        // The kernel forms 1 − β in float32 (0.999 → 0.99900001, 1e-5 relative), so the bias corrections use the same
        // float32 βs, in doubles, folded into the rate (β-powers passed as 0): TensorFlow's own float32 1 − β₂ᵗ cancels.
        const [beta1, beta2] = [Math.fround(step.beta1), Math.fround(step.beta2)];
        const c2 = Math.sqrt(1 - beta2 ** step.t);
        const rate = (step.learningRate * c2) / (1 - beta1 ** step.t);
        const scalars = [0, 0, rate, step.beta1, step.beta2, step.epsilon * c2].map((x) => tf.scalar(x));
        const decayRate = tf.scalar(step.learningRate * step.weightDecay);
        native.forEach((s, i) => {
          if (s.synced !== s.variable.dataId) assign(s.weight, s.variable);
          if (s.decay && step.weightDecay > 0) run('ResourceApplyGradientDescent', [float], [s.weight, decayRate, s.variable]);
          run('ResourceApplyAdam', [float], [s.weight, s.m, s.v, ...scalars, tf.mul(grads[i]!, scale)]);
          s.variable.assign(read(s.weight));
          s.synced = s.variable.dataId;
        });
        return norm;
      });
    },
    readMoments() {
      const copy = (resource: tf.Tensor) => {
        const value = read(resource);
        const data = snapshot(value);
        value.dispose();
        return data;
      };
      return { m: native.map((s) => copy(s.m)), v: native.map((s) => copy(s.v)) };
    },
    writeMoments(m, v) {
      native.forEach((s, i) => {
        tf.tidy(() => {
          assign(s.m, tf.tensor(m[i]!.values, m[i]!.shape, 'float32'));
          assign(s.v, tf.tensor(v[i]!.values, v[i]!.shape, 'float32'));
        });
      });
    },
    dispose: () => tf.dispose(native.flatMap((s) => [s.weight, s.m, s.v])),
  };
}
