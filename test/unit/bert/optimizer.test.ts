import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend, type BackendName } from '../../../nlp/backend';
import { AdamW, decays } from '../../../nlp/bert/optimizer';
import type { AdamWConfig } from '../../../nlp/bert/optimizer-config';
import { learningRateAt } from '../../../nlp/bert/schedule';
import { adamWOf } from './helpers';
import { nativeBackendForTests } from './native';

const native = nativeBackendForTests();
// wasm runs the tfjs-op update (adamw-update.ts), native TensorFlow its fused kernel (adamw-native.ts)
const BACKENDS: BackendName[] = native.run ? ['wasm', native.name] : ['wasm'];

/** PyTorch's AdamW, in doubles: decay, moments, bias-corrected step. */
function reference(p: number[], grads: number[][], c: AdamWConfig, decay: boolean): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const out = [...p];
  grads.forEach((g0, step) => {
    const lr = learningRateAt(step, { peak: c.learning_rate, warmupSteps: c.warmup_steps, totalSteps: c.total_steps });
    const norm = Math.hypot(...g0);
    const g = c.clip_norm > 0 && norm > c.clip_norm ? g0.map((x) => (x * c.clip_norm) / norm) : g0;
    const t = step + 1;
    for (let i = 0; i < out.length; i++) {
      if (decay) out[i]! *= 1 - lr * c.weight_decay;
      m[i] = c.beta1 * m[i]! + (1 - c.beta1) * g[i]!;
      v[i] = c.beta2 * v[i]! + (1 - c.beta2) * g[i]! ** 2;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - c.beta2 ** t) + c.epsilon;
      out[i]! -= ((lr / (1 - c.beta1 ** t)) * m[i]!) / denom;
    }
  });
  return out;
}

for (const backend of BACKENDS) describe(`AdamW on ${backend}`, () => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('matches a hand-computed update on 2-element tensors, with decay only where due', () => {
    const config = adamWOf({ learning_rate: 0.1, warmup_steps: 1, weight_decay: 0.5, clip_norm: 1 }, 4);
    const kernel = tf.variable(tf.tensor1d([0.5, -1.5]));
    const bias = tf.variable(tf.tensor1d([0.25, 2]));
    const opt = new AdamW([{ name: 'dense/kernel', variable: kernel }, { name: 'dense/bias', variable: bias }], config);
    // Step 1 has a global norm of 5 (clipped to 1), step 2 of 0.5 (not clipped).
    const steps = [
      { kernel: [3, 0], bias: [0, 4] },
      { kernel: [0.3, -0.4], bias: [0, 0] },
    ];
    for (const g of steps) {
      const grads = new Map([['dense/kernel', tf.tensor1d(g.kernel)], ['dense/bias', tf.tensor1d(g.bias)]]);
      const { gradNorm } = opt.applyGradients(grads);
      expect(gradNorm.dataSync()[0]).toBeCloseTo(Math.hypot(...g.kernel, ...g.bias), 5);
      tf.dispose([gradNorm, ...grads.values()]);
    }
    // The reference clips jointly: scale both tensors' gradients by the same global factor.
    // TensorFlow's fused kernel takes β₁, β₂ as float32 and forms 1 − β in float32 (0.999 → 0.99900001: 1e-5
    // relative in v); the reference does the same there, so the remaining tolerance is float32 rounding alone.
    const c = backend === 'wasm' ? config : { ...config, beta1: Math.fround(config.beta1), beta2: Math.fround(config.beta2) };
    const joint = reference([0.5, -1.5, 0.25, 2], steps.map((g) => [...g.kernel, ...g.bias]), c, false);
    const decayed = reference([0.5, -1.5, 0.25, 2], steps.map((g) => [...g.kernel, ...g.bias]), c, true);
    const k = Array.from(kernel.dataSync());
    const b = Array.from(bias.dataSync());
    expect(k[0]).toBeCloseTo(decayed[0]!, 6);
    expect(k[1]).toBeCloseTo(decayed[1]!, 6);
    expect(b[0]).toBeCloseTo(joint[2]!, 6);
    expect(b[1]).toBeCloseTo(joint[3]!, 6);
    expect(b[1]).not.toBeCloseTo(decayed[3]!, 3); // the bias really escaped decay
    expect(opt.step).toBe(2);
    opt.dispose();
    tf.dispose([kernel, bias]);
  });

  it('exports and imports its state exactly', () => {
    const config = adamWOf({}, 10);
    const w = tf.variable(tf.tensor1d([1, 2]));
    const a = new AdamW([{ name: 'w', variable: w }], config);
    const g = new Map([['w', tf.tensor1d([0.1, -0.3])]]);
    a.applyGradients(g).gradNorm.dispose();
    const state = a.exportState();
    const b = new AdamW([{ name: 'w', variable: w }], config);
    b.importState(state);
    expect(b.exportState()).toEqual(state);
    expect(b.step).toBe(1);
    expect(() => b.importState({ ...state, m: new Map() })).toThrowError("AdamW: state has no m of shape [2] for 'w'");
    tf.dispose([w, ...g.values()]);
    a.dispose();
    b.dispose();
  });

  it('decays kernels and embeddings, not LayerNorm weights or biases', () => {
    expect(decays('encoder/layer_0/attention/query/kernel')).toBe(true);
    expect(decays('embeddings/word_embeddings')).toBe(true);
    expect(decays('encoder/layer_0/attention/query/bias')).toBe(false);
    expect(decays('embeddings/layer_norm/gamma')).toBe(false);
    expect(decays('cls/predictions/output_bias')).toBe(false);
  });
});

describe('learning-rate schedule', () => {
  const s = { peak: 1, warmupSteps: 4, totalSteps: 10 };
  it('warms up linearly, then decays linearly to 0 at totalSteps', () => {
    expect([0, 1, 2, 3].map((i) => learningRateAt(i, s))).toEqual([0.25, 0.5, 0.75, 1]);
    expect([4, 7, 9, 10, 12].map((i) => learningRateAt(i, s))).toEqual([1, 0.5, 1 / 6, 0, 0]);
  });
  it('starts at the peak without warmup', () => {
    expect([0, 5, 10].map((i) => learningRateAt(i, { peak: 2, warmupSteps: 0, totalSteps: 10 }))).toEqual([2, 1, 0]);
  });
});
