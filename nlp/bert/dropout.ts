// Dropout whose masks come from a counter-based stream (nlp/bert/rng.ts): the stream's state goes
// into every checkpoint, so a resumed run drops exactly the units the uninterrupted run would have.
import * as tf from '@tensorflow/tfjs-core';

import type { CounterRng } from './rng';

export interface Dropout {
  apply<T extends tf.Tensor>(x: T, rate: number): T;
}

/** Evaluation and inference: identity. */
export const NO_DROPOUT: Dropout = {
  apply: (x) => x,
};

/** Training: each call draws x.size values from `rng`, in call order. */
export function seededDropout(rng: CounterRng): Dropout {
  return {
    apply<T extends tf.Tensor>(x: T, rate: number): T {
      if (rate === 0) return x;
      const mask = new Float32Array(x.size);
      rng.fillDropoutMask(mask, rate);
      return tf.mul(x, tf.tensor(mask, x.shape, 'float32'));
    },
  };
}
