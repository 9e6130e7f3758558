// The CUDA build of native TensorFlow (`kiln setup tensorflow --gpu`) loads and trains where there is no GPU: it
// computes on the CPU, with the same results as the JS backends. A file of its own: a process holds one
// libtensorflow, and the other test files load the CPU build. Required where KILN_REQUIRE_NATIVE_GPU=1 (CI).
import { createRequire } from 'node:module';

import { describe, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { createBertModel, disposeBertModel } from '../../../nlp/bert/model';
import { AdamW } from '../../../nlp/bert/optimizer';
import { CounterRng } from '../../../nlp/bert/rng';
import { evalStep, trainStep } from '../../../nlp/bert/train-step';
import { gpuVisible } from '../../../nlp/native-env';
import { TINY, adamWOf, randomBatch } from './helpers';

function installed(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
}

const run = process.env.KILN_REQUIRE_NATIVE_GPU === '1' || installed();

describe('tfjs-node-gpu', () => {
  it.runIf(run)('loads by name, says where it computes, and trains a tiny BERT', async () => {
    const info = await initBackend('tfjs-node-gpu');
    expect(info).toMatchObject({ name: 'tfjs-node-gpu', tensorflow: '2.18.0', device: gpuVisible() ? 'gpu' : 'cpu' });

    const batch = randomBatch(TINY);
    const model = createBertModel(TINY, 1);
    const before = evalStep(model, batch);
    await initBackend('cpu');
    const reference = createBertModel(TINY, 1);
    expect(Math.abs(evalStep(reference, batch).loss - before.loss)).toBeLessThan(1e-4); // same function as the JS backend
    disposeBertModel(reference);

    await initBackend('tfjs-node-gpu');
    const optimizer = new AdamW(model.variables, adamWOf({ learning_rate: 1e-2 }, 20));
    const rng = CounterRng.fromSeed(1, 'dropout');
    for (let i = 0; i < 20; i++) trainStep(model, optimizer, batch, rng);
    expect(evalStep(model, batch).loss).toBeLessThan(before.loss / 2);
    optimizer.dispose();
    disposeBertModel(model);
  });
});
