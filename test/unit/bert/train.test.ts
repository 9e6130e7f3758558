import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend, type BackendName } from '../../../nlp/backend';
import { createBertModel, disposeBertModel, type BertModel } from '../../../nlp/bert/model';
import { AdamW } from '../../../nlp/bert/optimizer';
import { CounterRng } from '../../../nlp/bert/rng';
import { exportTrainingState, importTrainingState, type TrainingState } from '../../../nlp/bert/state';
import { deserializeTensors, serializeTensors } from '../../../nlp/bert/tensor-file';
import { evalStep, trainStep } from '../../../nlp/bert/train-step';
import { TINY, adamWOf, randomBatch } from './helpers';
import { nativeBackendForTests } from './native';

const native = nativeBackendForTests();
const BACKENDS: BackendName[] = native.run ? ['wasm', native.name] : ['wasm'];

const OPT = adamWOf({ learning_rate: 1e-2, warmup_steps: 3 }, 100);

function setup(seed: number): { model: BertModel; optimizer: AdamW; rng: CounterRng } {
  const model = createBertModel(TINY, seed);
  return { model, optimizer: new AdamW(model.variables, OPT), rng: CounterRng.fromSeed(seed, 'dropout') };
}

function teardown(s: { model: BertModel; optimizer: AdamW }): void {
  s.optimizer.dispose();
  disposeBertModel(s.model);
}

function weights(model: BertModel): Float32Array[] {
  return model.variables.map((v) => new Float32Array(v.variable.dataSync() as Float32Array));
}

/** Through bytes and JSON text, as a checkpoint on disk would go. */
function roundTrip(state: TrainingState): TrainingState {
  return { tensors: deserializeTensors(serializeTensors(state.tensors)), json: JSON.parse(JSON.stringify(state.json)) };
}

for (const backend of BACKENDS) describe(`trainStep on ${backend}`, () => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('overfits a fixed batch within 30 steps', () => {
    const s = setup(1);
    const batch = randomBatch(TINY);
    const before = evalStep(s.model, batch);
    let last = trainStep(s.model, s.optimizer, batch, s.rng);
    expect(last.learningRate).toBeCloseTo(1e-2 / 3, 8);
    for (let i = 1; i < 30; i++) last = trainStep(s.model, s.optimizer, batch, s.rng);
    const after = evalStep(s.model, batch);
    expect(before.loss).toBeGreaterThan(4);
    expect(after.loss).toBeLessThan(before.loss / 3);
    expect(after.mlmAccuracy).toBeGreaterThan(0.5);
    expect(after.nspAccuracy).toBe(1);
    expect(Number.isFinite(last.gradNorm) && last.gradNorm > 0).toBe(true);
    teardown(s);
  });

  it('leaves no tensor behind, and evalStep changes nothing', () => {
    const s = setup(2);
    const batch = randomBatch(TINY);
    const held = tf.memory().numTensors;
    expect(held).toBeGreaterThanOrEqual(3 * s.model.variables.length); // weights, m, v
    for (let i = 0; i < 4; i++) {
      trainStep(s.model, s.optimizer, batch, s.rng);
      expect(tf.memory().numTensors).toBe(held);
    }
    const w = weights(s.model);
    evalStep(s.model, batch);
    expect(tf.memory().numTensors).toBe(held);
    expect(weights(s.model)).toEqual(w);
    teardown(s);
  });

  it('resumes exactly: 3 steps + checkpoint + 3 steps equals 6 steps, bit for bit', () => {
    const batches = [1, 2, 3, 4, 5, 6].map((seed) => randomBatch(TINY, { seed }));

    const straight = setup(3);
    const straightMetrics = batches.map((b) => trainStep(straight.model, straight.optimizer, b, straight.rng));

    const first = setup(3);
    for (const b of batches.slice(0, 3)) trainStep(first.model, first.optimizer, b, first.rng);
    const saved = roundTrip(exportTrainingState(first.model, first.optimizer, { dropout: first.rng.state() }));
    teardown(first);

    const resumed = setup(99); // different initial weights: everything must come from the checkpoint
    const { rngState } = importTrainingState(resumed.model, resumed.optimizer, saved);
    const rng = new CounterRng(rngState.dropout!);
    const resumedMetrics = batches.slice(3).map((b) => trainStep(resumed.model, resumed.optimizer, b, rng));

    expect(resumedMetrics).toEqual(straightMetrics.slice(3));
    const [a, b] = [weights(straight.model), weights(resumed.model)];
    a.forEach((w, i) => expect(b[i], resumed.model.variables[i]!.name).toEqual(w));
    expect(resumed.optimizer.exportState()).toEqual(straight.optimizer.exportState());

    // Without the dropout stream's state the continuation differs: the test can fail.
    const careless = setup(99);
    importTrainingState(careless.model, careless.optimizer, saved);
    const fresh = CounterRng.fromSeed(3, 'dropout');
    for (const batch of batches.slice(3)) trainStep(careless.model, careless.optimizer, batch, fresh);
    expect(weights(careless.model)[0]).not.toEqual(a[0]);
    [straight, resumed, careless].forEach(teardown);
  });
});
