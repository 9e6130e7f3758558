// AdamW (Loshchilov & Hutter; PyTorch's update rule) with global-norm clipping and the linear
// warmup/decay schedule. Its state (step, m, v) exports and imports exactly for resumable training. The update
// itself runs as tfjs ops (adamw-update.ts) or, on native TensorFlow, as its fused kernel (adamw-native.ts).
import * as tf from '@tensorflow/tfjs-core';

import { nativeAdamW } from './adamw-native';
import { tfjsAdamW, type AdamWKernel } from './adamw-update';
import { tensorflowBackend } from './native-ops';
import type { AdamWConfig } from './optimizer-config';
import type { NamedVariable } from './params';
import { learningRateAt } from './schedule';
import type { TensorData } from './tensor-file';

/** google-research/bert exempts LayerNorm weights and biases from weight decay. */
export function decays(name: string): boolean {
  return !(name.includes('layer_norm') || name.endsWith('bias'));
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

export class AdamW {
  private readonly names: string[];
  private readonly shapes: number[][];
  private readonly kernel: AdamWKernel;
  private stepCount = 0;

  constructor(
    variables: readonly NamedVariable[],
    readonly config: AdamWConfig,
  ) {
    this.names = variables.map((v) => v.name);
    this.shapes = variables.map((v) => [...v.variable.shape]);
    const slots = variables.map(({ name, variable }) => ({ variable, decay: decays(name) }));
    const native = tensorflowBackend();
    this.kernel = native ? nativeAdamW(native, slots) : tfjsAdamW(slots);
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
    const list = this.names.map((name, i) => {
      const g = grads.get(name);
      if (!g) throw new Error(`AdamW: no gradient for '${name}' (does the loss depend on it?)`);
      if (!tf.util.arraysEqual(g.shape, this.shapes[i]!)) {
        throw new Error(`AdamW: gradient for '${name}' has shape [${g.shape}], variable has [${this.shapes[i]}]`);
      }
      return g;
    });
    const c = this.config;
    const lr = this.learningRate;
    const t = this.stepCount + 1;
    const gradNorm = this.kernel.update(list, {
      learningRate: lr, t, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weight_decay, clipNorm: c.clip_norm,
    });
    this.stepCount = t;
    return { learningRate: lr, gradNorm };
  }

  exportState(): AdamWState {
    const { m, v } = this.kernel.readMoments();
    return { step: this.stepCount, m: new Map(this.names.map((n, i) => [n, m[i]!])), v: new Map(this.names.map((n, i) => [n, v[i]!])) };
  }

  /** Restores a state from exportState; every slot must be present with its shape. Checks all before changing any. */
  importState(state: AdamWState): void {
    if (!Number.isSafeInteger(state.step) || state.step < 0) throw new Error(`AdamW: invalid step ${state.step}`);
    const pick = (which: 'm' | 'v'): TensorData[] =>
      this.names.map((name, i) => {
        const data = state[which].get(name);
        const shape = this.shapes[i]!;
        if (!data || !tf.util.arraysEqual(data.shape, shape) || data.values.length !== tf.util.sizeFromShape(shape)) {
          throw new Error(`AdamW: state has no ${which} of shape [${shape}] for '${name}'`);
        }
        return data;
      });
    const m = pick('m');
    const v = pick('v');
    this.kernel.writeMoments(m, v);
    this.stepCount = state.step;
  }

  dispose(): void {
    this.kernel.dispose();
  }
}
