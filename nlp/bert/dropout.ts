// Dropout whose masks come from a counter-based stream (nlp/bert/rng.ts): the stream's state goes
// into every checkpoint, so a resumed run drops exactly the units the uninterrupted run would have.
import * as tf from '@tensorflow/tfjs-core';

import { statelessUniform, tensorflowBackend } from './native-ops';
import type { CounterRng } from './rng';

export interface Dropout {
  apply<T extends tf.Tensor>(x: T, rate: number): T;
}

/** Evaluation and inference: identity. */
export const NO_DROPOUT: Dropout = {
  apply: (x) => x,
};

/**
 * Training: each call draws x.size values from `rng`, in call order. On native TensorFlow each call draws one
 * seed pair from `rng` instead and TensorFlow's counter-based generator makes the mask from it (drawing millions
 * of values in JS took 7% of a step): as reproducible, but not the same masks as on the JS backends.
 */
export function seededDropout(rng: CounterRng): Dropout {
  const native = tensorflowBackend();
  return {
    apply<T extends tf.Tensor>(x: T, rate: number): T {
      if (rate === 0) return x;
      if (native) {
        const keep = 1 - rate;
        const uniform = statelessUniform(native, x.shape, [rng.nextUint32() | 0, rng.nextUint32() | 0]);
        // floor(u + keep) is 1 with probability keep: BERT's dropout, scaled by 1 / keep
        return tf.mul(x, tf.mul(tf.floor(tf.add(uniform, keep)), 1 / keep));
      }
      const mask = new Float32Array(x.size);
      rng.fillDropoutMask(mask, rate);
      return tf.mul(x, tf.tensor(mask, x.shape, 'float32'));
    },
  };
}
