// The two shapes of the model code (ops.ts: wasm's unbatched 2-D matmuls with explicit transposes, and batched
// matmuls with stock gradients plus, on native TensorFlow, its fused cross-entropy) compute the same function:
// the same weights and batch give the same loss and gradients, within float32 tolerance, on every backend.
// Native TensorFlow is required where KILN_REQUIRE_NATIVE=1 (CI sets it after `kiln setup tensorflow`).
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';

import { initBackend, type BackendName } from '../../../nlp/backend';
import { batchTensors, disposeBatchTensors } from '../../../nlp/bert/batch';
import { NO_DROPOUT } from '../../../nlp/bert/dropout';
import { pretrainingLosses } from '../../../nlp/bert/losses';
import { createBertModel, disposeBertModel, pretrainingForward } from '../../../nlp/bert/model';
import { forceOpShapes, type OpShapes } from '../../../nlp/bert/ops';
import { bertOf, randomBatch } from './helpers';
import { nativeBackendForTests } from './native';

const CONFIG = bertOf({ hidden_size: 16, num_layers: 2, num_heads: 4, intermediate_size: 32, max_position_embeddings: 16, initializer_range: 0.2 }, 60);

interface Result {
  losses: number[]; // loss, mlmLoss, nspLoss
  grads: Map<string, Float32Array>;
}

async function lossAndGrads(backend: BackendName, shapes: OpShapes): Promise<Result> {
  await initBackend(backend);
  forceOpShapes(shapes);
  const model = createBertModel(CONFIG, 11);
  const t = batchTensors(randomBatch(CONFIG, { batchSize: 3, seqLength: 12, maxPredictions: 3, seed: 5 }), CONFIG);
  try {
    let parts: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const l = pretrainingLosses(pretrainingForward(model, t.inputs, NO_DROPOUT), t.labels);
      parts = tf.keep(tf.stack([l.mlmLoss, l.nspLoss]));
      return l.loss;
    }, model.variables.map((v) => v.variable));
    const result: Result = {
      losses: [value.dataSync()[0]!, ...parts!.dataSync()],
      grads: new Map(model.variables.map(({ name, variable }) => [name, new Float32Array(grads[variable.name]!.dataSync())])),
    };
    tf.dispose([value, parts!, ...Object.values(grads)]);
    return result;
  } finally {
    disposeBatchTensors(t);
    disposeBertModel(model);
    forceOpShapes(null);
  }
}

function expectClose(actual: Result, expected: Result, label: string): void {
  actual.losses.forEach((loss, i) => expect(Math.abs(loss - expected.losses[i]!), `${label} loss ${i}`).toBeLessThan(1e-5 * Math.abs(expected.losses[i]!) + 1e-6));
  for (const [name, want] of expected.grads) {
    const got = actual.grads.get(name)!;
    const scale = Math.max(...want.map(Math.abs));
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    // + 1e-6: the key bias's gradient is zero in exact arithmetic (softmax ignores a per-query constant)
    expect(worst, `${label}: ${name} (max |g| ${scale})`).toBeLessThan(2e-4 * scale + 1e-6);
  }
}

const native = nativeBackendForTests();
let reference: Result;

afterAll(async () => {
  await initBackend('cpu');
});

describe('model code parity', () => {
  it('reference: cpu, unbatched shapes (the wasm code path on the pure-JS backend)', async () => {
    reference = await lossAndGrads('cpu', 'unbatched');
    expect(reference.losses[0]).toBeGreaterThan(4); // ln(60) + ln(2) at random init, roughly
    expect(reference.losses[0]).toBeLessThan(6);
    expect(reference.grads.size).toBe(46);
    expect(Math.max(...reference.grads.get('encoder/layer_0/attention/query/kernel')!.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  for (const [backend, shapes] of [['cpu', 'batched'], ['wasm', 'unbatched'], ['wasm', 'batched']] as const) {
    it(`${backend}, ${shapes} shapes: same loss and gradients`, async () => {
      expectClose(await lossAndGrads(backend, shapes), reference, `${backend}/${shapes}`);
    });
  }

  for (const shapes of ['batched', 'unbatched'] as const) {
    it.runIf(native.run)(`${native.name}, ${shapes} shapes: same loss and gradients (${native.why})`, async () => {
      expectClose(await lossAndGrads(native.name, shapes), reference, `${native.name}/${shapes}`);
    });
  }
});
