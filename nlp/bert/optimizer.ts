// AdamW (Loshchilov & Hutter; PyTorch's update rule) with global-norm clipping and the linear
// warmup/decay schedule. Its state (step, m, v) exports and imports exactly for resumable training.
import * as tf from '@tensorflow/tfjs-core';

import type { AdamWConfig } from './optimizer-config';
import type { NamedVariable } from './params';
import { learningRateAt } from './schedule';
import type { TensorData } from './tensor-file';

/** google-research/bert exempts LayerNorm weights and biases from weight decay. */
export function decays(name: string): boolean {
  return !(name.includes('layer_norm') || name.endsWith('bias'));
}

interface Slot {
  name: string;
  variable: tf.Variable;
  m: tf.Variable; // first moment, same shape as the variable
  v: tf.Variable; // second moment
  decay: boolean;
}

export interface AdamWState {
  step: number;
  m: Map<string, TensorData>;
  v: Map<string, TensorData>;
}

export interface AppliedUpdate {
  learningRate: number;
  gradNorm: tf.Scalar; // global norm before clipping; the caller disposes it
}

function snapshot(v: tf.Variable): TensorData {
  // Copied: the cpu backend's dataSync returns its own buffer.
  return { values: new Float32Array(v.dataSync() as Float32Array), shape: [...v.shape] };
}

export class AdamW {
  private readonly slots: Slot[];
  private stepCount = 0;

  constructor(
    variables: readonly NamedVariable[],
    readonly config: AdamWConfig,
  ) {
    this.slots = variables.map(({ name, variable }) => ({
      name,
      variable,
      m: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      v: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      decay: decays(name),
    }));
  }

  /** Updates applied so far. */
  get step(): number {
    return this.stepCount;
  }

  /** The rate the next update will use. */
  get learningRate(): number {
    const c = this.config;
    return learningRateAt(this.stepCount, { peak: c.learning_rate, warmupSteps: c.warmup_steps, totalSteps: c.total_steps });
  }

  /** One update from gradients keyed by variable name (every variable needs one). */
  applyGradients(grads: ReadonlyMap<string, tf.Tensor>): AppliedUpdate {
    const list = this.slots.map((s) => {
      const g = grads.get(s.name);
      if (!g) throw new Error(`AdamW: no gradient for '${s.name}' (does the loss depend on it?)`);
      if (!tf.util.arraysEqual(g.shape, s.variable.shape)) {
        throw new Error(`AdamW: gradient for '${s.name}' has shape [${g.shape}], variable has [${s.variable.shape}]`);
      }
      return g;
    });
    const { beta1, beta2, epsilon, weight_decay: wd, clip_norm: clip } = this.config;
    const lr = this.learningRate;
    const t = this.stepCount + 1;
    const stepSize = lr / (1 - beta1 ** t); // bias correction of m folded into the step
    const sqrtCorrection2 = Math.sqrt(1 - beta2 ** t);
    const gradNorm = tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
      const scale = clip > 0 ? tf.div(clip, tf.maximum(norm, clip)) : tf.scalar(1);
      this.slots.forEach((s, i) => {
        const g = tf.mul(list[i]!, scale);
        const m = tf.add(tf.mul(s.m, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(s.v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtCorrection2), epsilon);
        const update = tf.div(tf.mul(m, stepSize), denom);
        const decayed = s.decay && wd > 0 ? tf.mul(s.variable, 1 - lr * wd) : s.variable;
        s.variable.assign(tf.sub(decayed, update));
        s.m.assign(m);
        s.v.assign(v);
      });
      return norm;
    });
    this.stepCount = t;
    return { learningRate: lr, gradNorm };
  }

  exportState(): AdamWState {
    const m = new Map<string, TensorData>();
    const v = new Map<string, TensorData>();
    for (const s of this.slots) {
      m.set(s.name, snapshot(s.m));
      v.set(s.name, snapshot(s.v));
    }
    return { step: this.stepCount, m, v };
  }

  /** Restores a state from exportState; every slot must be present with its shape. Checks all before changing any. */
  importState(state: AdamWState): void {
    if (!Number.isSafeInteger(state.step) || state.step < 0) throw new Error(`AdamW: invalid step ${state.step}`);
    const pairs: [tf.Variable, TensorData][] = [];
    for (const s of this.slots) {
      for (const [which, target] of [['m', s.m], ['v', s.v]] as const) {
        const data = state[which].get(s.name);
        if (!data || !tf.util.arraysEqual(data.shape, s.variable.shape) || data.values.length !== s.variable.size) {
          throw new Error(`AdamW: state has no ${which} of shape [${s.variable.shape}] for '${s.name}'`);
        }
        pairs.push([target, data]);
      }
    }
    for (const [target, data] of pairs) tf.tidy(() => target.assign(tf.tensor(data.values, data.shape, 'float32')));
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const s of this.slots) tf.dispose([s.m, s.v]);
  }
}
